-- id: refund_reason_parties
-- title: Responsible party for each refund reason
-- description: The party whose failure a refund pays for, by the refund's reason
--   in lower case without surrounding spaces. Complaint categories use the same
--   list, because a refund given for a complaint is charged to the party behind
--   the complaint. Keys under [refund_check.parties] in the configuration add
--   reasons or replace the party of one listed here.
SELECT reason, responsible_party
FROM (VALUES
    ('damaged', 'carrier'),
    ('broken', 'carrier'),
    ('lost', 'carrier'),
    ('not_received', 'carrier'),
    ('late', 'carrier'),
    ('late_delivery', 'carrier'),
    ('delivery_failed', 'carrier'),
    -- The parcel came back to the sender: a failed delivery, not a customer return.
    ('returned', 'carrier'),
    ('returned_to_sender', 'carrier'),
    ('wrong_item', 'warehouse'),
    ('missing_item', 'warehouse'),
    ('wrong_quantity', 'warehouse'),
    ('quality', 'seller'),
    ('defective', 'seller'),
    ('not_as_described', 'seller'),
    ('out_of_stock', 'seller'),
    ('price_adjustment', 'seller'),
    ('cancelled', 'customer'),
    ('canceled', 'customer'),
    ('changed_mind', 'customer'),
    ('no_longer_needed', 'customer'),
    -- The customer sent the goods back of their own accord.
    ('return', 'customer'),
    ('customer_return', 'customer'),
    ('duplicate_payment', 'payment_provider'),
    ('overpaid', 'payment_provider'),
    ('service', 'customer_service'),
    ('goodwill', 'customer_service'),
    ('破损', 'carrier'),
    ('丢件', 'carrier'),
    ('未收到货', 'carrier'),
    ('物流延迟', 'carrier'),
    ('发错货', 'warehouse'),
    ('少件', 'warehouse'),
    ('漏发', 'warehouse'),
    ('质量问题', 'seller'),
    ('与描述不符', 'seller'),
    ('缺货', 'seller'),
    ('取消订单', 'customer'),
    ('七天无理由', 'customer'),
    ('不想要了', 'customer'),
    ('拍错', 'customer'),
    ('重复付款', 'payment_provider')
) AS parties(reason, responsible_party)

-- id: refund_unpaid_order
-- title: Refund on an order that was not paid
-- category: refund
-- class: ordering-error
-- severity: urgent
-- responsible: finance
-- time_limit: 1bd
-- action: Recover the refund. Find who approved it without a payment to
--   refund.
-- needs: refunds.amount, orders.paid_at
-- description: A refund was made for an order that had not been paid when the
--   refund was made (no payment time, a payment only afterwards, or a paid
--   amount of zero). Refunds for orders missing from the orders export are not
--   checked here.
WITH timed AS (
    SELECT refund_id, order_id, amount,
           coalesce(refunded_at, approved_at, requested_at) AS refund_at
    FROM refunds
    WHERE coalesce(refunded_at, approved_at, requested_at) < $as_of
)
SELECT r.refund_id, r.order_id, o.customer_id, o.seller_id,
       r.refund_at AS detected_at,
       r.amount AS amount_at_risk,
       'Refund of ' || CAST(r.amount AS VARCHAR) || ' on '
           || strftime(r.refund_at, '%Y-%m-%d %H:%M') || ', '
           || CASE WHEN o.paid_at IS NULL THEN 'the order has no payment'
                   WHEN o.paid_at > r.refund_at
                   THEN 'the order was paid only on '
                        || strftime(o.paid_at, '%Y-%m-%d %H:%M')
                   ELSE 'the order''s paid amount is ' || CAST(o.paid_amount AS VARCHAR)
              END AS evidence
FROM timed r
JOIN orders o USING (order_id)
WHERE o.paid_at IS NULL OR o.paid_at > r.refund_at OR o.paid_amount <= 0

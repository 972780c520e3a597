-- id: Refunds
-- title: Refunds of the period
-- description: Every refund dated in the period, as the refund check counts
--   it (see refund_lines), oldest first.
SELECT refund_id, order_id, source, status, requested_at, approved_at, refunded_at,
       month, amount, reason, method, responsible_party, party_from
FROM refund_lines
WHERE refund_at >= $period_start AND refund_at < $period_end
ORDER BY refund_at, order_id, refund_id

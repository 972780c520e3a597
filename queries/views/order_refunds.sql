-- Refund totals per order, for the refund rules and the refund check.
CREATE OR REPLACE VIEW order_refunds AS
SELECT order_id,
       count(*) AS refunds,
       sum(amount) AS refunded_amount,
       min(coalesce(refunded_at, approved_at, requested_at)) AS first_refund_at,
       max(coalesce(refunded_at, approved_at, requested_at)) AS last_refund_at
FROM refunds
GROUP BY order_id

-- id: refund_exceeds_paid
-- title: Refunded more than was paid
-- category: refund
-- class: ordering-error
-- severity: urgent
-- responsible: finance
-- time_limit: 1bd
-- action: Stop further refunds on the order; recover the excess or document
--   why it was approved.
-- needs: refunds.amount, orders.paid_amount
-- param tolerance: 0.00  excess in money units that is still accepted
-- description: The refunds recorded for an order add up to more than the
--   amount paid for it. The exception dates from the refund that took the
--   total over the paid amount.
WITH running AS (
    SELECT order_id, refund_id,
           coalesce(refunded_at, approved_at, requested_at) AS refund_at,
           sum(amount) OVER (PARTITION BY order_id
                             ORDER BY coalesce(refunded_at, approved_at, requested_at),
                                      refund_id) AS refunded_so_far,
           row_number() OVER (PARTITION BY order_id
                              ORDER BY coalesce(refunded_at, approved_at, requested_at),
                                       refund_id) AS refund_no
    FROM refunds
    WHERE coalesce(refunded_at, approved_at, requested_at) < $as_of
)
SELECT o.order_id, o.customer_id, o.seller_id,
       r.refund_at AS detected_at,
       r.refunded_so_far - o.paid_amount AS amount_at_risk,
       'Paid ' || CAST(o.paid_amount AS VARCHAR) || ', refunded '
           || CAST(r.refunded_so_far AS VARCHAR) || ' in ' || r.refund_no
           || ' refund(s), the last ' || r.refund_id || ' on '
           || strftime(r.refund_at, '%Y-%m-%d %H:%M') AS evidence
FROM running r
JOIN orders o USING (order_id)
WHERE o.paid_amount IS NOT NULL
  AND r.refunded_so_far > o.paid_amount + CAST($tolerance AS DECIMAL(18,2))
QUALIFY row_number() OVER (PARTITION BY o.order_id ORDER BY r.refund_no) = 1

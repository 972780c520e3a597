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
--   amount paid for it.
SELECT o.order_id, o.customer_id, o.seller_id,
       r.last_refund_at AS detected_at,
       r.refunded_amount - o.paid_amount AS amount_at_risk,
       'Paid ' || CAST(o.paid_amount AS VARCHAR) || ', refunded '
           || CAST(r.refunded_amount AS VARCHAR) || ' in ' || r.refunds
           || ' refund(s)' AS evidence
FROM order_refunds r
JOIN orders o USING (order_id)
WHERE o.paid_amount IS NOT NULL
  AND r.refunded_amount > o.paid_amount + CAST($tolerance AS DECIMAL(18,2))

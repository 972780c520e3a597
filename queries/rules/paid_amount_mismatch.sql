-- id: paid_amount_mismatch
-- title: Paid amount differs from the order amount
-- category: payment
-- class: ordering-error
-- severity: important
-- responsible: payment_provider
-- time_limit: 2bd
-- action: Reconcile the payment with the payment provider; collect the
--   shortfall or refund the surplus.
-- needs: orders.order_amount, orders.paid_amount
-- param tolerance: 0.01  largest difference in money units that is not an exception
-- description: The amount paid for the order differs from the order amount by
--   more than the tolerance.
SELECT order_id, customer_id, seller_id,
       coalesce(paid_at, created_at) AS detected_at,
       abs(paid_amount - order_amount) AS amount_at_risk,
       'Order amount ' || CAST(order_amount AS VARCHAR) || ', paid '
           || CAST(paid_amount AS VARCHAR) || ', difference '
           || CAST(paid_amount - order_amount AS VARCHAR) AS evidence
FROM orders
WHERE paid_amount IS NOT NULL AND order_amount IS NOT NULL
  AND abs(paid_amount - order_amount) > CAST($tolerance AS DECIMAL(18,2))

-- id: paid_more_than_once
-- title: Order paid more than once
-- category: payment
-- class: ordering-error
-- severity: urgent
-- responsible: payment_provider
-- time_limit: 1bd
-- action: Refund the extra payment(s) to the customer. Ask the payment provider
--   why the payment was captured twice.
-- needs: orders.order_amount, orders.paid_amount
-- param tolerance: 0.01  largest gap in money units from a whole multiple of the order amount
-- description: The amount paid is two or more times the order amount, within
--   the tolerance, which is what a payment captured twice looks like. The
--   canonical orders table carries one paid amount per order, so the count of
--   payments is inferred from the amounts.
WITH multiples AS (
    SELECT *, round(paid_amount / order_amount) AS times_paid
    FROM orders
    WHERE order_amount > 0 AND paid_amount IS NOT NULL
      AND coalesce(paid_at, created_at) < $as_of
)
SELECT order_id, customer_id, seller_id,
       coalesce(paid_at, created_at) AS detected_at,
       paid_amount - order_amount AS amount_at_risk,
       'Paid ' || CAST(paid_amount AS VARCHAR) || ' for an order of '
           || CAST(order_amount AS VARCHAR) || ', ' || CAST(times_paid AS BIGINT)
           || ' times the order amount' AS evidence
FROM multiples
WHERE times_paid >= 2
  AND abs(paid_amount - times_paid * order_amount) <= CAST($tolerance AS DECIMAL(18,2))

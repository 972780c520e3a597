-- id: payment_timeout
-- title: Unpaid order left open past the payment time limit
-- category: payment
-- class: ordering-error
-- severity: general
-- responsible: platform
-- time_limit: 24h
-- action: Close the unpaid order and release its reserved stock. Check that
--   the automatic cancellation of unpaid orders is running.
-- needs: orders.created_at, orders.paid_at
-- param max_hours: 24  hours from creation within which an order must be paid or cancelled
-- description: When the payment time limit after creation ran out, the order
--   had neither been paid nor cancelled. An order cancelled at the limit, as an
--   automatic timeout does, is not an exception.
WITH due AS (
    SELECT o.*, o.created_at + to_hours(CAST($max_hours AS BIGINT)) AS pay_by
    FROM orders o
)
SELECT d.order_id, d.customer_id, d.seller_id,
       d.pay_by AS detected_at,
       d.order_amount AS amount_at_risk,
       'Created ' || strftime(d.created_at, '%Y-%m-%d %H:%M') || ', '
           || CASE WHEN d.paid_at IS NOT NULL AND d.paid_at < $as_of
                   THEN 'paid ' || round(epoch(d.paid_at - d.created_at) / 3600, 1)
                        || ' h later'
                   ELSE 'still unpaid' END
           || ' and not cancelled within ' || $max_hours || ' h' AS evidence
FROM due d
LEFT JOIN cancelled_orders c USING (order_id)
WHERE d.pay_by < $as_of
  AND (d.paid_at IS NULL OR d.paid_at > d.pay_by)
  AND (c.order_id IS NULL OR c.cancelled_known_at > d.pay_by)

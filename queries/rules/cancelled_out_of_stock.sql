-- id: cancelled_out_of_stock
-- title: Cancelled for lack of stock after the order was accepted
-- category: inventory
-- class: delivery-date
-- severity: important
-- responsible: seller
-- time_limit: 1bd
-- action: Refund the customer and offer an alternative. Correct the stock
--   figures that let the order be accepted.
-- needs: orders.order_status, orders.paid_at
-- param statuses: ["unavailable", "out_of_stock", "缺货"]  order statuses meaning out of stock
-- description: The order was paid, and so accepted, and was then cancelled
--   because the goods were not available. When the export has no cancellation
--   time, the exception is dated at the payment.
SELECT order_id, customer_id, seller_id,
       coalesce(cancelled_at, cancel_requested_at, paid_at) AS detected_at,
       coalesce(paid_amount, order_amount) AS amount_at_risk,
       'Paid ' || strftime(paid_at, '%Y-%m-%d %H:%M') || ', then status '''
           || order_status || ''''
           || coalesce(' on ' || strftime(cancelled_at, '%Y-%m-%d %H:%M'), '')
           AS evidence
FROM orders
WHERE list_contains($statuses, lower(trim(order_status)))
  AND paid_at < $as_of
  AND (cancelled_at IS NULL OR cancelled_at >= paid_at)

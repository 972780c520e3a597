-- id: shipped_after_cancellation
-- title: Shipped after the order was cancelled
-- category: cancellation
-- class: ordering-error
-- severity: urgent
-- responsible: warehouse
-- time_limit: 24h
-- action: Intercept the parcel with the carrier. Find why the warehouse did not
--   receive or apply the cancellation.
-- needs: orders.cancelled_at, orders.shipped_at
-- description: The order was handed to the carrier after it had been
--   cancelled, so goods left for an order that no longer exists.
SELECT order_id, customer_id, seller_id, carrier, tracking_no,
       shipped_at AS detected_at,
       order_amount AS amount_at_risk,
       'Cancelled ' || strftime(cancelled_at, '%Y-%m-%d %H:%M') || ', shipped '
           || round(epoch(shipped_at - cancelled_at) / 3600, 1) || ' h later'
           AS evidence
FROM orders
WHERE shipped_at < $as_of
  AND cancelled_at < shipped_at

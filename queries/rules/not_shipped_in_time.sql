-- id: not_shipped_in_time
-- title: Not shipped within the time limit
-- category: fulfilment
-- class: delivery-date
-- severity: important
-- responsible: warehouse
-- time_limit: 1bd
-- action: Chase the warehouse; if the stock is not there, tell the customer
--   and offer a new date or a refund.
-- needs: orders.created_at
-- param max_hours: 72  hours from payment (or creation when unpaid) to shipment
-- description: The order had not been handed to the carrier when the time limit
--   after payment ran out, was not cancelled by then, and was still neither
--   shipped nor delivered at the as-of date.
SELECT o.order_id, o.customer_id, o.seller_id, o.carrier,
       coalesce(o.paid_at, o.created_at) + to_hours(CAST($max_hours AS BIGINT)) AS detected_at,
       o.order_amount AS amount_at_risk,
       'Paid ' || strftime(coalesce(o.paid_at, o.created_at), '%Y-%m-%d %H:%M')
           || ', not shipped after ' || $max_hours || ' h' AS evidence
FROM orders o
WHERE coalesce(o.paid_at, o.created_at) + to_hours(CAST($max_hours AS BIGINT)) < $as_of
  AND (o.shipped_at IS NULL OR o.shipped_at > coalesce(o.paid_at, o.created_at)
                                             + to_hours(CAST($max_hours AS BIGINT)))
  AND (o.shipped_at IS NULL OR o.shipped_at >= $as_of)
  AND (o.delivered_at IS NULL OR o.delivered_at >= $as_of)
  AND o.order_id NOT IN (
      SELECT order_id FROM cancelled_orders
      WHERE cancelled_known_at <= coalesce(paid_at, created_at)
                                  + to_hours(CAST($max_hours AS BIGINT)))

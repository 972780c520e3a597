-- id: cancelled_after_shipment
-- title: Cancelled after the order had shipped
-- category: cancellation
-- class: flexible-handling
-- severity: important
-- responsible: customer_service
-- time_limit: 24h
-- action: Ask the carrier to intercept the parcel or arrange its return, and
--   refund the customer once it is back.
-- needs: orders.cancelled_at, orders.shipped_at
-- description: The order was cancelled after it had been handed to the
--   carrier, so the parcel is on its way to a customer who no longer wants it.
SELECT order_id, customer_id, seller_id, carrier, tracking_no,
       cancelled_at AS detected_at,
       coalesce(paid_amount, order_amount) AS amount_at_risk,
       'Shipped ' || strftime(shipped_at, '%Y-%m-%d %H:%M') || ', cancelled '
           || round(epoch(cancelled_at - shipped_at) / 3600, 1) || ' h later'
           AS evidence
FROM orders
WHERE cancelled_at < $as_of
  AND shipped_at < cancelled_at

-- id: repeated_delivery_failures
-- title: Repeated failed delivery attempts
-- category: fulfilment
-- class: delivery-date
-- severity: important
-- responsible: carrier
-- time_limit: 1bd
-- action: Call the customer to agree a delivery time or a pick-up point. Check
--   the address and the carrier's attempts.
-- needs: carrier_events.event_code
-- param min_failures: 2  failed delivery attempts on one order that make an exception
-- description: The carrier recorded at least the minimum number of failed
--   delivery attempts for the order. The exception dates from the attempt
--   that reached the minimum.
WITH failures AS (
    SELECT order_id, carrier, tracking_no, event_at, location,
           row_number() OVER (PARTITION BY order_id ORDER BY event_at) AS attempt,
           min(event_at) OVER (PARTITION BY order_id) AS first_failed_at
    FROM order_events
    WHERE event_code = 'delivery_failed' AND order_id IS NOT NULL
      AND event_at < $as_of
)
SELECT f.order_id, f.carrier, f.tracking_no, o.customer_id, o.seller_id,
       f.event_at AS detected_at,
       o.order_amount AS amount_at_risk,
       f.attempt || ' failed delivery attempts from '
           || strftime(f.first_failed_at, '%Y-%m-%d %H:%M') || ' to '
           || strftime(f.event_at, '%Y-%m-%d %H:%M')
           || coalesce(' at ' || f.location, '') AS evidence
FROM failures f
LEFT JOIN orders o USING (order_id)
WHERE f.attempt = CAST($min_failures AS BIGINT)

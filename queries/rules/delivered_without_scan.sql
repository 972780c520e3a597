-- id: delivered_without_scan
-- title: Delivered without the carrier's hand-over scans
-- category: fulfilment
-- class: quality
-- severity: important
-- responsible: carrier
-- time_limit: 2bd
-- action: Ask the carrier for proof of delivery (signature or photo). If it
--   has none, treat the parcel as not received.
-- needs: orders.delivered_at, carrier_events.event_code
-- param grace_hours: 24  hours after the recorded delivery allowed for the delivery scan
-- description: A tracked order (one with carrier events) is recorded as
--   delivered, but the carrier has no pick-up scan before the delivery, or no
--   delivery scan by the end of the grace period. Orders with no carrier event
--   at all are left out, because the carrier feed may not cover them.
WITH scans AS (
    SELECT e.order_id,
           bool_or(e.event_code = 'picked_up' AND e.event_at <= o.delivered_at)
               AS has_pickup,
           bool_or(e.event_code = 'delivered'
                   AND e.event_at <= o.delivered_at
                                     + to_hours(CAST($grace_hours AS BIGINT)))
               AS has_delivery
    FROM order_events e
    JOIN orders o USING (order_id)
    WHERE e.event_at < $as_of
    GROUP BY e.order_id
)
SELECT o.order_id, o.customer_id, o.seller_id, o.carrier, o.tracking_no,
       o.delivered_at + to_hours(CAST($grace_hours AS BIGINT)) AS detected_at,
       o.order_amount AS amount_at_risk,
       'Delivered ' || strftime(o.delivered_at, '%Y-%m-%d %H:%M') || ' with no '
           || CASE WHEN NOT s.has_pickup AND NOT s.has_delivery
                   THEN 'pick-up or delivery scan'
                   WHEN NOT s.has_pickup THEN 'pick-up scan before it'
                   ELSE 'delivery scan within ' || $grace_hours || ' h' END AS evidence
FROM orders o
JOIN scans s USING (order_id)
WHERE o.delivered_at + to_hours(CAST($grace_hours AS BIGINT)) < $as_of
  AND (NOT s.has_pickup OR NOT s.has_delivery)

-- id: returned_to_sender
-- title: Parcel returned to the sender
-- category: fulfilment
-- class: delivery-date
-- severity: important
-- responsible: carrier
-- time_limit: 1bd
-- action: Contact the customer to reship or refund. Check the address and why
--   the carrier gave up.
-- needs: carrier_events.event_code
-- description: The carrier reported the parcel returned before any delivery was
--   recorded, so the customer never received it. A return after a delivery is
--   the customer's own return and is not this exception.
WITH first_return AS (
    -- Returns at the same moment are ordered by carrier, parcel and
    -- place, so a rerun picks the same one.
    SELECT order_id, arg_min(carrier, (event_at, coalesce(carrier, ''), coalesce(tracking_no, ''), coalesce(location, ''))) AS carrier,
           arg_min(tracking_no, (event_at, coalesce(carrier, ''), coalesce(tracking_no, ''), coalesce(location, ''))) AS tracking_no,
           min(event_at) AS returned_at,
           arg_min(location, (event_at, coalesce(carrier, ''), coalesce(tracking_no, ''), coalesce(location, ''))) AS location
    FROM order_events
    WHERE event_code = 'returned' AND order_id IS NOT NULL AND event_at < $as_of
    GROUP BY order_id
)
SELECT r.order_id, r.carrier, r.tracking_no, o.customer_id, o.seller_id,
       r.returned_at AS detected_at,
       o.order_amount AS amount_at_risk,
       'Returned to the sender ' || strftime(r.returned_at, '%Y-%m-%d %H:%M')
           || coalesce(' at ' || r.location, '') || ' with no delivery before'
           AS evidence
FROM first_return r
LEFT JOIN orders o USING (order_id)
WHERE NOT EXISTS (
        SELECT 1 FROM order_events d
        WHERE d.order_id = r.order_id AND d.event_code = 'delivered'
          AND d.event_at < r.returned_at)
  AND (o.delivered_at IS NULL OR o.delivered_at >= r.returned_at)

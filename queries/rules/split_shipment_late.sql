-- id: split_shipment_late
-- title: Part of a split shipment left after the ship-by deadline
-- category: fulfilment
-- class: delivery-date
-- severity: important
-- responsible: warehouse
-- time_limit: 1bd
-- action: Tell the customer when the rest of the order arrives. Find why the
--   order could not ship complete and on time.
-- needs: carrier_events.tracking_no, orders.promised_ship_by
-- param min_parcels: 2  parcels (tracking numbers) of one order that make a split shipment
-- param grace_hours: 0  hours after the ship-by deadline still counted as on time
-- description: The order went out in several parcels, and a parcel after the
--   first was handed to the carrier (its first scan) after the ship-by
--   deadline plus the grace. The first late parcel is the evidence.
WITH split_orders AS (
    -- Only an order with two parcels or more can be flagged. Its parcels are
    -- the tracking numbers of events that carry its order_id and of its own
    -- rows in orders. So only orders named by an event, or on several rows
    -- with a tracking number, are read, which skips most events.
    SELECT order_id, tracking_no, carrier
    FROM orders
    WHERE order_id IN (
        SELECT order_id FROM carrier_events WHERE order_id IS NOT NULL
        UNION ALL
        SELECT order_id FROM orders
        WHERE tracking_no IS NOT NULL
        GROUP BY order_id HAVING count(*) > 1)
),
parcels AS (
    -- Scans at the same moment are ordered by carrier name, so a rerun
    -- picks the same one.
    SELECT order_id, tracking_no,
           arg_min(carrier, (event_at, coalesce(carrier, ''))) AS carrier,
           min(event_at) AS first_scan_at
    FROM (
        -- The events as the order_events view ties them: by order_id, else
        -- through the tracking numbers of the orders above.
        SELECT e.order_id, e.tracking_no, e.carrier, e.event_at
        FROM carrier_events e
        WHERE e.order_id IS NOT NULL
        UNION ALL
        SELECT o.order_id, e.tracking_no, coalesce(e.carrier, o.carrier) AS carrier,
               e.event_at
        FROM split_orders o
        JOIN carrier_events e ON e.tracking_no = o.tracking_no
        WHERE e.order_id IS NULL
    )
    WHERE tracking_no IS NOT NULL AND event_at < $as_of
    GROUP BY order_id, tracking_no
),
counted AS (
    SELECT p.*, count(*) OVER (PARTITION BY p.order_id) AS parcel_count,
           row_number() OVER (PARTITION BY p.order_id
                              ORDER BY p.first_scan_at, p.tracking_no) AS parcel_no
    FROM parcels p
)
SELECT c.order_id, c.tracking_no, c.carrier, o.customer_id, o.seller_id,
       c.first_scan_at AS detected_at,
       o.order_amount AS amount_at_risk,
       'Parcel ' || c.parcel_no || ' of ' || c.parcel_count || ' (' || c.tracking_no
           || ') first scanned ' || strftime(c.first_scan_at, '%Y-%m-%d %H:%M') || ', '
           || round(epoch(c.first_scan_at - o.promised_ship_by) / 3600, 1)
           || ' h after the ship-by deadline' AS evidence
FROM counted c
JOIN orders o USING (order_id)
WHERE c.parcel_count >= CAST($min_parcels AS BIGINT)
  AND c.parcel_no > 1
  AND c.first_scan_at
      > o.promised_ship_by + to_hours(CAST($grace_hours AS BIGINT))
QUALIFY row_number() OVER (PARTITION BY c.order_id ORDER BY c.parcel_no) = 1

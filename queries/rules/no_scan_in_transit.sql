-- id: no_scan_in_transit
-- title: No carrier scan for too long while in transit
-- category: fulfilment
-- class: delivery-date
-- severity: important
-- responsible: carrier
-- time_limit: 1bd
-- action: Open a trace with the carrier; if the parcel is not found, reship or
--   refund and record a claim against the carrier.
-- needs: carrier_events.event_at, carrier_events.event_code
-- param max_days_without_scan: 5  days since the last scan of a parcel that is not yet delivered
-- description: The last carrier event of a shipped parcel is older than the
--   limit as of the as-of date, and that event is not a final one (delivered,
--   returned or lost).
WITH open_orders AS (
    -- Delivered orders never qualify, so only the events of the others are
    -- read. Chosen by order_id, so an order_id on several rows keeps the
    -- events reached through each of them.
    SELECT order_id, tracking_no, carrier
    FROM orders
    WHERE order_id IN (
        SELECT order_id FROM orders
        WHERE delivered_at IS NULL OR delivered_at >= $as_of)
),
events AS (
    -- The events as the order_events view ties them (by order_id, else by
    -- tracking number), read here because the view joins every event first.
    -- Events that carry an order_id are all kept because they are usually
    -- few, and the final filter drops those of delivered orders.
    SELECT e.order_id, e.tracking_no, e.carrier, e.event_at, e.event_code
    FROM carrier_events e
    WHERE e.order_id IS NOT NULL
    UNION ALL
    SELECT o.order_id, e.tracking_no, coalesce(e.carrier, o.carrier) AS carrier,
           e.event_at, e.event_code
    FROM open_orders o
    JOIN carrier_events e ON e.tracking_no = o.tracking_no
    WHERE e.order_id IS NULL
),
last_event AS (
    SELECT order_id, tracking_no,
           -- Events at the same moment are ordered by code and carrier,
           -- so a rerun picks the same last event.
           arg_max(carrier, (event_at, event_code, coalesce(carrier, ''))) AS carrier,
           arg_max(event_code, (event_at, event_code, coalesce(carrier, ''))) AS last_code,
           max(event_at) AS last_at
    FROM events
    WHERE event_at < $as_of
    GROUP BY order_id, tracking_no
)
SELECT e.order_id, e.tracking_no, e.carrier, o.customer_id, o.seller_id,
       e.last_at + to_days(CAST($max_days_without_scan AS INTEGER)) AS detected_at,
       o.order_amount AS amount_at_risk,
       'Last scan ' || e.last_code || ' on ' || strftime(e.last_at, '%Y-%m-%d %H:%M')
           || ', ' || date_diff('day', e.last_at, $as_of) || ' day(s) before the as-of date'
           AS evidence
FROM last_event e
LEFT JOIN orders o USING (order_id)
WHERE e.last_code NOT IN ('delivered', 'returned', 'lost')
  AND e.last_at + to_days(CAST($max_days_without_scan AS INTEGER)) < $as_of
  AND (o.delivered_at IS NULL OR o.delivered_at >= $as_of)

-- id: not_received_but_delivered
-- title: "Not received" complaint on an order marked delivered
-- category: complaints
-- class: quality
-- severity: important
-- responsible: carrier
-- time_limit: 2bd
-- action: Ask the carrier for proof of delivery. If there is none, reship or
--   refund and claim against the carrier, and look for a pattern by courier or
--   by customer.
-- needs: complaints.category
-- param categories: ["not_received"]  complaint categories meaning the parcel never arrived
-- description: The customer complained that the parcel never arrived, but the
--   order or the carrier's delivery scan records it as delivered before the
--   complaint.
WITH complained AS (
    -- Only orders with a matching complaint can be flagged, so the delivery
    -- scans are looked up for these few orders alone.
    SELECT o.order_id, o.tracking_no, o.delivered_at
    FROM orders o
    WHERE o.order_id IN (
        SELECT order_id
        FROM complaints
        WHERE list_contains($categories, lower(trim(category)))
          AND created_at < $as_of)
),
delivery_scans AS (
    -- Their events as the order_events view ties them (by order_id, else by
    -- tracking number), read here because the view joins every event first.
    SELECT order_id, min(event_at) AS scanned_at
    FROM (
        SELECT e.order_id, e.event_at
        FROM carrier_events e
        WHERE e.event_code = 'delivered'
          AND e.order_id IN (SELECT order_id FROM complained)
        UNION ALL
        SELECT o.order_id, e.event_at
        FROM complained o
        JOIN carrier_events e ON e.tracking_no = o.tracking_no
        WHERE e.event_code = 'delivered' AND e.order_id IS NULL
    )
    GROUP BY order_id
),
delivered AS (
    SELECT o.order_id, least(o.delivered_at, s.scanned_at) AS delivered_at
    FROM complained o
    LEFT JOIN delivery_scans s USING (order_id)
)
SELECT c.complaint_id, c.order_id,
       coalesce(c.customer_id, o.customer_id) AS customer_id,
       o.seller_id, o.carrier, o.tracking_no,
       c.created_at AS detected_at,
       o.order_amount AS amount_at_risk,
       'Complaint ''' || c.category || ''' on '
           || strftime(c.created_at, '%Y-%m-%d %H:%M') || ', delivery recorded '
           || strftime(d.delivered_at, '%Y-%m-%d %H:%M') AS evidence
FROM complaints c
JOIN delivered d USING (order_id)
LEFT JOIN orders o USING (order_id)
WHERE list_contains($categories, lower(trim(c.category)))
  AND c.created_at < $as_of
  AND d.delivered_at < c.created_at

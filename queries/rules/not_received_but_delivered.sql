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
WITH delivery_scans AS (
    SELECT order_id, min(event_at) AS scanned_at
    FROM order_events
    WHERE event_code = 'delivered' AND order_id IS NOT NULL
    GROUP BY order_id
),
delivered AS (
    SELECT o.order_id, least(o.delivered_at, s.scanned_at) AS delivered_at
    FROM orders o
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

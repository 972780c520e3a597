-- Carrier events tied to their order: by order_id when the event carries it,
-- otherwise through the order's tracking number.
CREATE OR REPLACE VIEW order_events AS
SELECT coalesce(e.order_id, o.order_id) AS order_id,
       coalesce(e.carrier, o.carrier) AS carrier,
       coalesce(e.tracking_no, o.tracking_no) AS tracking_no,
       e.event_at, e.event_code, e.location, e.detail
FROM carrier_events e
LEFT JOIN orders o
    ON e.order_id IS NULL AND e.tracking_no IS NOT NULL AND o.tracking_no = e.tracking_no

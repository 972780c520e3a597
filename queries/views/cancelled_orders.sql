-- Orders that were cancelled, by timestamp or by status, with the moment it
-- is known (the cancellation time, else the request, else the creation).
CREATE OR REPLACE VIEW cancelled_orders AS
SELECT o.*,
       coalesce(o.cancelled_at, o.cancel_requested_at, o.created_at) AS cancelled_known_at
FROM orders o
WHERE o.cancelled_at IS NOT NULL
   OR lower(o.order_status) IN ('cancelled', 'canceled', 'unavailable', '已取消', '取消')

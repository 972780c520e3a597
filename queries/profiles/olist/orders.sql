-- One canonical order per Olist order. The order amount is the items' prices
-- plus freight; the amount paid is the sum of the payments; the ship-by time
-- is the earliest shipping limit of the order's items; the seller is that of
-- the first item. Olist records no cancellation time, so cancelled and
-- unavailable orders are known by their status only.
WITH items AS (
    SELECT order_id,
           sum(price + coalesce(freight_value, 0)) AS order_amount,
           min(shipping_limit_date) AS promised_ship_by,
           arg_min(seller_id, order_item_id) AS seller_id
    FROM in_olist_items
    GROUP BY order_id
),
payments AS (
    SELECT order_id, sum(payment_value) AS paid_amount
    FROM in_olist_payments
    GROUP BY order_id
)
SELECT o.order_id,
       coalesce(c.customer_unique_id, o.customer_id) AS customer_id,
       o.order_purchase_timestamp AS created_at,
       o.order_approved_at AS paid_at,
       o.order_status,
       i.order_amount,
       p.paid_amount,
       'BRL' AS currency,
       i.promised_ship_by,
       o.order_estimated_delivery_date AS promised_delivery_by,
       o.order_delivered_carrier_date AS shipped_at,
       o.order_delivered_customer_date AS delivered_at,
       CAST(NULL AS TIMESTAMP) AS cancel_requested_at,
       CAST(NULL AS TIMESTAMP) AS cancelled_at,
       CAST(NULL AS VARCHAR) AS carrier,
       CAST(NULL AS VARCHAR) AS tracking_no,
       i.seller_id,
       CAST(NULL AS VARCHAR) AS warehouse_id,
       c.customer_state AS ship_region,
       CAST(NULL AS VARCHAR) AS ship_address_key,
       CAST(NULL AS BOOLEAN) AS is_key_order
FROM in_olist_orders o
LEFT JOIN items i USING (order_id)
LEFT JOIN payments p USING (order_id)
LEFT JOIN in_olist_customers c USING (customer_id)
ORDER BY o._row

-- Olist keeps two carrier milestones on the order: the hand-over to the
-- carrier and the delivery to the customer.
SELECT CAST(NULL AS VARCHAR) AS tracking_no, order_id, CAST(NULL AS VARCHAR) AS carrier,
       order_delivered_carrier_date AS event_at, 'picked_up' AS event_code,
       CAST(NULL AS VARCHAR) AS location, 'handed to the carrier' AS detail
FROM in_olist_orders WHERE order_delivered_carrier_date IS NOT NULL
UNION ALL
SELECT NULL, order_id, NULL, order_delivered_customer_date, 'delivered', NULL,
       'delivered to the customer'
FROM in_olist_orders WHERE order_delivered_customer_date IS NOT NULL

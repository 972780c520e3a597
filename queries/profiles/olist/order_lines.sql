-- Each Olist item is one line of quantity 1 at its price.
SELECT order_id,
       order_item_id AS line_no,
       product_id AS sku,
       CAST(1 AS BIGINT) AS quantity,
       price AS unit_price,
       seller_id,
       shipping_limit_date AS ship_by
FROM in_olist_items
ORDER BY _row

-- id: nonpositive_amount
-- title: Zero or negative amount or quantity
-- category: creation
-- class: ordering-error
-- severity: important
-- responsible: platform
-- time_limit: 1bd
-- action: Correct the order before it ships. Find the pricing or entry error
--   that let the value through.
-- needs: orders.order_amount
-- description: The order amount is zero or negative, or one of its lines has a
--   quantity of zero or less or a negative unit price.
WITH bad_lines AS (
    SELECT order_id,
           string_agg('line ' || coalesce(CAST(line_no AS VARCHAR), '?') || ' '
                      || coalesce(sku, '(no SKU)') || ' quantity '
                      || coalesce(CAST(quantity AS VARCHAR), '?') || ' at '
                      || coalesce(CAST(unit_price AS VARCHAR), '?'), '; '
                      ORDER BY line_no) AS detail
    FROM order_lines
    WHERE quantity <= 0 OR unit_price < 0
    GROUP BY order_id
)
SELECT o.order_id, o.customer_id, o.seller_id,
       o.created_at AS detected_at,
       CAST(NULL AS DECIMAL(18,2)) AS amount_at_risk,
       concat_ws('; ',
           CASE WHEN o.order_amount <= 0
                THEN 'Order amount ' || CAST(o.order_amount AS VARCHAR) END,
           b.detail) AS evidence
FROM orders o
LEFT JOIN bad_lines b USING (order_id)
WHERE o.created_at < $as_of
  AND (o.order_amount <= 0 OR b.order_id IS NOT NULL)

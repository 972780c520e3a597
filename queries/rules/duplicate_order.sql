-- id: duplicate_order
-- title: Duplicate order by the same customer
-- category: creation
-- class: ordering-error
-- severity: important
-- responsible: platform
-- time_limit: 24h
-- action: Ask the customer which order to keep. Cancel and refund the other one
--   before it ships.
-- needs: orders.customer_id, orders.created_at
-- param window_minutes: 10  minutes after an order within which a matching order is a duplicate
-- description: The customer placed another order with the same amount, or with
--   the same lines (SKU and quantity), within the window after an earlier
--   order. The later of the two orders is the exception.
WITH placed AS (
    SELECT order_id, customer_id, seller_id, created_at, order_amount
    FROM orders
    WHERE customer_id IS NOT NULL AND created_at < $as_of
),
-- The pairs within the window come first, so that line signatures are built
-- for their few orders only. Materialized because it is read three times.
pairs AS MATERIALIZED (
    SELECT later.order_id, later.customer_id, later.seller_id,
           later.created_at, later.order_amount,
           earlier.order_id AS earlier_order_id,
           earlier.created_at AS earlier_created_at,
           earlier.order_amount AS earlier_order_amount
    FROM placed later
    JOIN placed earlier
        ON earlier.customer_id = later.customer_id
       AND earlier.order_id <> later.order_id
       AND (earlier.created_at < later.created_at
            OR (earlier.created_at = later.created_at
                AND earlier.order_id < later.order_id))
       AND later.created_at
           <= earlier.created_at + to_minutes(CAST($window_minutes AS BIGINT))
),
-- Materialized because it is read twice, once for each order of a pair.
lines AS MATERIALIZED (
    SELECT order_id,
           string_agg(sku || ' x' || coalesce(quantity, 1), ', '
                      ORDER BY sku, quantity) AS signature
    FROM order_lines
    WHERE order_id IN (SELECT order_id FROM pairs
                       UNION ALL
                       SELECT earlier_order_id FROM pairs)
    GROUP BY order_id
)
SELECT p.order_id, p.customer_id, p.seller_id,
       p.created_at AS detected_at,
       p.order_amount AS amount_at_risk,
       'Placed ' || round(epoch(p.created_at - p.earlier_created_at) / 60, 1)
           || ' min after order ' || p.earlier_order_id || ' with the same '
           || CASE WHEN p.earlier_order_amount = p.order_amount
                   THEN 'amount ' || CAST(p.order_amount AS VARCHAR)
                   ELSE 'lines (' || later_lines.signature || ')' END AS evidence
FROM pairs p
LEFT JOIN lines later_lines ON later_lines.order_id = p.order_id
LEFT JOIN lines earlier_lines ON earlier_lines.order_id = p.earlier_order_id
WHERE p.earlier_order_amount = p.order_amount
   OR earlier_lines.signature = later_lines.signature
QUALIFY row_number() OVER (
    PARTITION BY p.order_id ORDER BY p.earlier_created_at DESC, p.earlier_order_id
) = 1

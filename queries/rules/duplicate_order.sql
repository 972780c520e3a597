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
WITH lines AS (
    SELECT order_id,
           string_agg(sku || ' x' || coalesce(quantity, 1), ', '
                      ORDER BY sku, quantity) AS signature
    FROM order_lines
    GROUP BY order_id
),
placed AS (
    SELECT o.order_id, o.customer_id, o.seller_id, o.created_at, o.order_amount,
           l.signature
    FROM orders o
    LEFT JOIN lines l USING (order_id)
    WHERE o.customer_id IS NOT NULL AND o.created_at < $as_of
)
SELECT later.order_id, later.customer_id, later.seller_id,
       later.created_at AS detected_at,
       later.order_amount AS amount_at_risk,
       'Placed ' || round(epoch(later.created_at - earlier.created_at) / 60, 1)
           || ' min after order ' || earlier.order_id || ' with the same '
           || CASE WHEN earlier.order_amount = later.order_amount
                   THEN 'amount ' || CAST(later.order_amount AS VARCHAR)
                   ELSE 'lines (' || later.signature || ')' END AS evidence
FROM placed later
JOIN placed earlier
    ON earlier.customer_id = later.customer_id
   AND earlier.order_id <> later.order_id
   AND (earlier.created_at < later.created_at
        OR (earlier.created_at = later.created_at
            AND earlier.order_id < later.order_id))
   AND later.created_at
       <= earlier.created_at + to_minutes(CAST($window_minutes AS BIGINT))
   AND (earlier.order_amount = later.order_amount
        OR earlier.signature = later.signature)
QUALIFY row_number() OVER (
    PARTITION BY later.order_id ORDER BY earlier.created_at DESC, earlier.order_id
) = 1

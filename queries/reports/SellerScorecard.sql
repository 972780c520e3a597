-- id: SellerScorecard
-- title: Seller scorecard
-- description: Per seller: orders created in the period, exceptions in the
--   register, exceptions per 1,000 orders, late shipments (orders shipped in the
--   period after promised_ship_by) and quality complaints (created in the period,
--   category quality, damaged or wrong_item). A seller is linked to an order by
--   orders.seller_id or by any of its order_lines, so an order with several
--   sellers counts for each. An exception counts for its own seller_id, else for
--   the sellers of its order. rank 1 is the most exceptions per 1,000 orders;
--   ties share a rank and a seller without orders in the period has none.
WITH seller_orders AS (
    SELECT order_id, seller_id FROM orders WHERE seller_id IS NOT NULL
    UNION
    SELECT order_id, seller_id FROM order_lines WHERE seller_id IS NOT NULL
),
order_counts AS (
    SELECT s.seller_id, count(*) AS orders
    FROM seller_orders AS s
    JOIN orders AS o USING (order_id)
    WHERE o.created_at >= $period_start AND o.created_at < $period_end
    GROUP BY s.seller_id
),
exception_sellers AS (
    SELECT exception_id, seller_id FROM register WHERE seller_id IS NOT NULL
    UNION
    SELECT r.exception_id, s.seller_id
    FROM register AS r
    JOIN seller_orders AS s USING (order_id)
    WHERE r.seller_id IS NULL
),
exception_counts AS (
    SELECT seller_id, count(*) AS exceptions
    FROM exception_sellers
    GROUP BY seller_id
),
late_counts AS (
    SELECT s.seller_id, count(*) AS late_shipments
    FROM seller_orders AS s
    JOIN orders AS o USING (order_id)
    WHERE o.shipped_at >= $period_start AND o.shipped_at < $period_end
        AND o.shipped_at > o.promised_ship_by
    GROUP BY s.seller_id
),
complaint_counts AS (
    SELECT s.seller_id, count(DISTINCT c.complaint_id) AS quality_complaints
    FROM complaints AS c
    JOIN seller_orders AS s USING (order_id)
    WHERE c.created_at >= $period_start AND c.created_at < $period_end
        AND lower(trim(c.category)) IN ('quality', 'damaged', 'wrong_item')
    GROUP BY s.seller_id
),
scores AS (
    SELECT
        k.seller_id,
        coalesce(o.orders, 0) AS orders,
        coalesce(e.exceptions, 0) AS exceptions,
        1000.0 * coalesce(e.exceptions, 0) / nullif(o.orders, 0)
            AS exceptions_per_1000,
        coalesce(l.late_shipments, 0) AS late_shipments,
        coalesce(c.quality_complaints, 0) AS quality_complaints
    FROM (
        SELECT seller_id FROM order_counts
        UNION SELECT seller_id FROM exception_counts
        UNION SELECT seller_id FROM late_counts
        UNION SELECT seller_id FROM complaint_counts
    ) AS k
    LEFT JOIN order_counts AS o USING (seller_id)
    LEFT JOIN exception_counts AS e USING (seller_id)
    LEFT JOIN late_counts AS l USING (seller_id)
    LEFT JOIN complaint_counts AS c USING (seller_id)
)
SELECT
    *,
    CASE WHEN exceptions_per_1000 IS NOT NULL
        THEN rank() OVER (ORDER BY exceptions_per_1000 DESC NULLS LAST)
    END AS rank
FROM scores
ORDER BY rank NULLS LAST, seller_id

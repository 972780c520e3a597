-- id: ByCategorySeverity
-- title: Exceptions by category and severity
-- description: Every stage crossed with every severity, with the number of
--   exceptions in the register and that number per 1,000 orders created in the
--   period. Combinations without exceptions appear with 0, so the table keeps
--   one shape from month to month.
WITH stages (category, position) AS (
    VALUES ('creation', 1), ('payment', 2), ('inventory', 3), ('fulfilment', 4),
        ('cancellation', 5), ('refund', 6), ('after_sales', 7), ('complaints', 8),
        ('fraud', 9)
),
categories AS (
    SELECT category, position FROM stages
    UNION
    SELECT DISTINCT category, 100 FROM register
    WHERE category IS NOT NULL AND category NOT IN (SELECT category FROM stages)
),
severities (severity, position) AS (
    VALUES ('urgent', 1), ('important', 2), ('general', 3)
),
period_orders AS (
    SELECT count(*) AS orders
    FROM orders
    WHERE created_at >= $period_start AND created_at < $period_end
),
counts AS (
    SELECT category, severity, count(*) AS exceptions
    FROM register
    GROUP BY category, severity
)
SELECT
    c.category,
    s.severity,
    coalesce(n.exceptions, 0) AS exceptions,
    1000.0 * coalesce(n.exceptions, 0) / nullif(o.orders, 0) AS per_1000_orders
FROM categories AS c
CROSS JOIN severities AS s
CROSS JOIN period_orders AS o
LEFT JOIN counts AS n ON n.category = c.category AND n.severity = s.severity
ORDER BY c.position, c.category, s.position

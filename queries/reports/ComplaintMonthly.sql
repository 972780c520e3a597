-- id: ComplaintMonthly
-- title: Complaints by month and category
-- description: Complaints per calendar month and category ('unknown' where none
--   is recorded) for every month the inputs cover up to the period's end, per
--   1,000 orders created in the same month. repeat_complainants counts the
--   customers of that month and category who made two or more complaints in the
--   month, in any category. The customer is the complaint's, else the order's.
WITH history AS (
    SELECT
        c.complaint_id,
        CAST(date_trunc('month', c.created_at) AS DATE) AS month,
        coalesce(c.category, 'unknown') AS category,
        coalesce(c.customer_id, o.customer_id) AS customer_id
    FROM complaints AS c
    LEFT JOIN orders AS o ON o.order_id = c.order_id
    WHERE c.created_at < $period_end
),
repeat_customers AS (
    SELECT month, customer_id
    FROM history
    WHERE customer_id IS NOT NULL
    GROUP BY month, customer_id
    HAVING count(*) >= 2
),
monthly_orders AS (
    SELECT CAST(date_trunc('month', created_at) AS DATE) AS month, count(*) AS orders
    FROM orders
    WHERE created_at < $period_end
    GROUP BY 1
)
SELECT
    h.month,
    h.category,
    count(*) AS complaints,
    1000.0 * count(*) / nullif(any_value(m.orders), 0) AS per_1000_orders,
    count(DISTINCT r.customer_id) AS repeat_complainants
FROM history AS h
LEFT JOIN monthly_orders AS m USING (month)
LEFT JOIN repeat_customers AS r ON r.month = h.month AND r.customer_id = h.customer_id
GROUP BY h.month, h.category
ORDER BY h.month, h.category

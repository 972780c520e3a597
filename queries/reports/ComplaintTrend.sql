-- id: ComplaintTrend
-- title: Complaints by week and category
-- description: Complaints created in the period per ISO week (week_start is the
--   Monday) and category ('unknown' where none is recorded), per 1,000 orders
--   created in the same week and period, with the median hours to first
--   response and to resolution. A week cut by the period's start or end counts
--   only its days inside the period, for complaints and orders alike.
WITH period_complaints AS (
    SELECT
        CAST(date_trunc('week', created_at) AS DATE) AS week_start,
        coalesce(category, 'unknown') AS category,
        CASE WHEN first_response_at >= created_at
            THEN date_diff('second', created_at, first_response_at) / 3600.0
        END AS response_hours,
        CASE WHEN resolved_at >= created_at
            THEN date_diff('second', created_at, resolved_at) / 3600.0
        END AS resolution_hours
    FROM complaints
    WHERE created_at >= $period_start AND created_at < $period_end
),
weekly_orders AS (
    SELECT
        CAST(date_trunc('week', created_at) AS DATE) AS week_start,
        count(*) AS orders
    FROM orders
    WHERE created_at >= $period_start AND created_at < $period_end
    GROUP BY 1
)
SELECT
    c.week_start,
    c.category,
    count(*) AS complaints,
    1000.0 * count(*) / nullif(any_value(w.orders), 0) AS per_1000_orders,
    median(c.response_hours) AS median_first_response_hours,
    median(c.resolution_hours) AS median_resolution_hours
FROM period_complaints AS c
LEFT JOIN weekly_orders AS w USING (week_start)
GROUP BY c.week_start, c.category
ORDER BY c.week_start, c.category

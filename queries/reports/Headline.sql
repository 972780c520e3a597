-- id: Headline
-- title: Headline indicators
-- description: One row per indicator for the period, with the previous period's
--   value and the change (value minus previous value, in the indicator's unit).
--   Units: count, money, hours, rate (a fraction from 0 to 1) and per_1000_orders
--   or per_1000_shipments. Numerator and denominator are DECIMAL(18,2) so that
--   the refund total stays exact; value, previous_value and change are DOUBLE.
--   Orders and complaints belong to a period by created_at, shipments by the
--   order's shipped_at, refunds by refunded_at (else approved_at, else
--   requested_at). Current exceptions are the rows of register; the previous
--   period's are the rows of register_previous, for which the rules bounded by
--   the period ran again with the previous period's bounds.
WITH periods AS (
    SELECT
        'current' AS period,
        CAST($period_start AS TIMESTAMP) AS start_at,
        CAST($period_end AS TIMESTAMP) AS end_at
    UNION ALL
    SELECT 'previous', CAST($prev_start AS TIMESTAMP), CAST($prev_end AS TIMESTAMP)
    WHERE CAST($prev_start AS TIMESTAMP) IS NOT NULL
),
stages (category, position) AS (
    VALUES ('creation', 1), ('payment', 2), ('inventory', 3), ('fulfilment', 4),
        ('cancellation', 5), ('refund', 6), ('after_sales', 7), ('complaints', 8),
        ('fraud', 9)
),
-- Categories outside the standard stages still get a row, after the stages.
categories AS (
    SELECT category, position FROM stages
    UNION
    SELECT DISTINCT category, 100 FROM register
    WHERE category IS NOT NULL AND category NOT IN (SELECT category FROM stages)
),
order_counts AS (
    SELECT p.period, count(o.order_id) AS orders
    FROM periods AS p
    LEFT JOIN orders AS o ON o.created_at >= p.start_at AND o.created_at < p.end_at
    GROUP BY p.period
),
period_exceptions AS (
    SELECT 'current' AS period, exception_id, category FROM register
    UNION ALL
    SELECT 'previous', exception_id, category FROM register_previous
),
category_counts AS (
    SELECT p.period, c.category, c.position, count(e.exception_id) AS exceptions
    FROM periods AS p
    CROSS JOIN categories AS c
    LEFT JOIN period_exceptions AS e
        ON e.period = p.period AND e.category = c.category
    GROUP BY p.period, c.category, c.position
),
exception_totals AS (
    SELECT p.period, count(e.exception_id) AS exceptions
    FROM periods AS p
    LEFT JOIN period_exceptions AS e ON e.period = p.period
    GROUP BY p.period
),
-- A carrier event names the parcel by order_id or by tracking_no. Two equi-joins
-- keep hash joins, where DuckDB plans one OR condition as a nested loop join.
parcel_incidents AS (
    SELECT o.order_id
    FROM orders AS o JOIN carrier_events AS e ON e.order_id = o.order_id
    WHERE e.event_code IN ('lost', 'damaged')
    UNION
    SELECT o.order_id
    FROM orders AS o JOIN carrier_events AS e ON e.tracking_no = o.tracking_no
    WHERE e.event_code IN ('lost', 'damaged')
),
shipment_counts AS (
    SELECT
        p.period,
        count(o.order_id) AS shipments,
        count(o.order_id) FILTER (WHERE o.promised_ship_by IS NOT NULL)
            AS shipped_with_promise,
        count(o.order_id) FILTER (WHERE o.shipped_at <= o.promised_ship_by)
            AS shipped_on_time,
        count(o.order_id) FILTER (
            WHERE o.delivered_at IS NOT NULL AND o.promised_delivery_by IS NOT NULL
        ) AS delivered_with_promise,
        -- Late means delivered on a calendar day after the promised day.
        count(o.order_id) FILTER (
            WHERE CAST(o.delivered_at AS DATE) <= CAST(o.promised_delivery_by AS DATE)
        ) AS delivered_on_time,
        count(o.order_id) FILTER (
            WHERE o.order_id IN (SELECT order_id FROM parcel_incidents)
        ) AS lost_damaged
    FROM periods AS p
    LEFT JOIN orders AS o ON o.shipped_at >= p.start_at AND o.shipped_at < p.end_at
    GROUP BY p.period
),
refund_totals AS (
    SELECT p.period, coalesce(sum(r.amount), 0) AS refund_total
    FROM periods AS p
    LEFT JOIN refunds AS r
        ON coalesce(r.refunded_at, r.approved_at, r.requested_at) >= p.start_at
        AND coalesce(r.refunded_at, r.approved_at, r.requested_at) < p.end_at
    GROUP BY p.period
),
refunded_orders AS (
    SELECT p.period, count(o.order_id) AS refunded_orders
    FROM periods AS p
    JOIN orders AS o ON o.created_at >= p.start_at AND o.created_at < p.end_at
    WHERE o.order_id IN (SELECT order_id FROM refunds)
    GROUP BY p.period
),
-- Durations with the response or resolution before the complaint itself are
-- data errors and are left out of the medians and percentiles.
complaint_hours AS (
    SELECT
        p.period,
        c.complaint_id,
        CASE WHEN c.first_response_at >= c.created_at
            THEN date_diff('second', c.created_at, c.first_response_at) / 3600.0
        END AS response_hours,
        CASE WHEN c.resolved_at >= c.created_at
            THEN date_diff('second', c.created_at, c.resolved_at) / 3600.0
        END AS resolution_hours
    FROM periods AS p
    JOIN complaints AS c ON c.created_at >= p.start_at AND c.created_at < p.end_at
),
complaint_stats AS (
    SELECT
        p.period,
        count(h.complaint_id) AS complaints,
        count(h.response_hours) AS responded,
        quantile_cont(h.response_hours, 0.5) AS response_median,
        quantile_cont(h.response_hours, 0.9) AS response_p90,
        count(h.resolution_hours) AS resolved,
        quantile_cont(h.resolution_hours, 0.5) AS resolution_median,
        quantile_cont(h.resolution_hours, 0.9) AS resolution_p90
    FROM periods AS p
    LEFT JOIN complaint_hours AS h ON h.period = p.period
    GROUP BY p.period
),
age_bands AS (
    SELECT * FROM review_age_bands()
),
open_exceptions AS (
    SELECT * FROM open_exception_ages($as_of)
),
band_counts AS (
    SELECT
        b.age_band,
        b.position,
        count(o.age) AS exceptions,
        any_value(t.total) AS total
    FROM age_bands AS b
    CROSS JOIN (SELECT count(*) AS total FROM open_exceptions) AS t
    LEFT JOIN open_exceptions AS o
        ON o.age >= b.low AND (b.high IS NULL OR o.age <= b.high)
    GROUP BY b.age_band, b.position
),
metrics AS (
    SELECT period, 'orders' AS indicator, 10 AS position, orders AS numerator,
        NULL AS denominator, CAST(orders AS DOUBLE) AS value, 'count' AS unit
    FROM order_counts
    UNION ALL
    SELECT t.period, 'exceptions_per_1000_orders', 20, t.exceptions, o.orders,
        1000.0 * t.exceptions / nullif(o.orders, 0), 'per_1000_orders'
    FROM exception_totals AS t JOIN order_counts AS o USING (period)
    UNION ALL
    SELECT c.period, 'exceptions_per_1000_orders.' || c.category, 20 + c.position,
        c.exceptions, o.orders, 1000.0 * c.exceptions / nullif(o.orders, 0),
        'per_1000_orders'
    FROM category_counts AS c JOIN order_counts AS o USING (period)
    UNION ALL
    SELECT period, 'on_time_shipping_rate', 200, shipped_on_time, shipped_with_promise,
        shipped_on_time / nullif(shipped_with_promise, 0), 'rate'
    FROM shipment_counts
    UNION ALL
    SELECT period, 'on_time_delivery_rate', 210, delivered_on_time,
        delivered_with_promise, delivered_on_time / nullif(delivered_with_promise, 0),
        'rate'
    FROM shipment_counts
    UNION ALL
    SELECT period, 'lost_damaged_per_1000_shipments', 220, lost_damaged, shipments,
        1000.0 * lost_damaged / nullif(shipments, 0), 'per_1000_shipments'
    FROM shipment_counts
    UNION ALL
    SELECT period, 'refund_total', 300, refund_total, NULL,
        CAST(refund_total AS DOUBLE), 'money'
    FROM refund_totals
    UNION ALL
    SELECT o.period, 'refund_rate', 310, coalesce(r.refunded_orders, 0), o.orders,
        coalesce(r.refunded_orders, 0) / nullif(o.orders, 0), 'rate'
    FROM order_counts AS o LEFT JOIN refunded_orders AS r USING (period)
    UNION ALL
    SELECT s.period, 'complaints_per_1000_orders', 400, s.complaints, o.orders,
        1000.0 * s.complaints / nullif(o.orders, 0), 'per_1000_orders'
    FROM complaint_stats AS s JOIN order_counts AS o USING (period)
    UNION ALL
    SELECT period, 'first_response_hours_median', 410, NULL, responded,
        response_median, 'hours'
    FROM complaint_stats
    UNION ALL
    SELECT period, 'first_response_hours_p90', 411, NULL, responded,
        response_p90, 'hours'
    FROM complaint_stats
    UNION ALL
    SELECT period, 'resolution_hours_median', 420, NULL, resolved,
        resolution_median, 'hours'
    FROM complaint_stats
    UNION ALL
    SELECT period, 'resolution_hours_p90', 421, NULL, resolved,
        resolution_p90, 'hours'
    FROM complaint_stats
    UNION ALL
    -- Only the current register has a status, so the bands have no previous value.
    SELECT 'current',
        'open_exceptions_age_' || replace(replace(age_band, '-', '_'), ' ', '_'),
        500 + position, exceptions, total, CAST(exceptions AS DOUBLE), 'count'
    FROM band_counts
),
-- Without any refund in the inputs a refund total of zero would read as a
-- fact, so the refund indicators are left empty and say why.
refunds_known AS (
    SELECT count(*) > 0 AS known FROM refunds
)
SELECT
    c.indicator,
    CAST(c.numerator AS DECIMAL(18, 2)) AS numerator,
    CAST(c.denominator AS DECIMAL(18, 2)) AS denominator,
    CASE WHEN c.indicator LIKE 'refund_%' AND NOT k.known THEN NULL
         ELSE CAST(c.value AS DOUBLE) END AS value,
    CASE WHEN c.indicator LIKE 'refund_%' AND NOT k.known THEN NULL
         ELSE CAST(p.value AS DOUBLE) END AS previous_value,
    CASE WHEN c.indicator LIKE 'refund_%' AND NOT k.known THEN NULL
         ELSE CAST(c.value - p.value AS DOUBLE) END AS change,
    c.unit,
    nullif(concat_ws('; ',
        CASE
            WHEN CAST($prev_start AS TIMESTAMP) IS NULL
                THEN 'no comparison: the inputs do not cover the previous period'
            WHEN c.indicator LIKE 'open_exceptions_age_%'
                THEN 'no comparison: the register keeps no status for the previous '
                    || 'period'
        END,
        CASE WHEN c.indicator LIKE 'refund_%' AND NOT k.known
            THEN 'no value: the inputs hold no refunds' END,
        CASE
            WHEN c.denominator = 0 AND c.unit = 'hours'
                THEN 'no value: no complaint in the period has this time recorded'
            WHEN c.denominator = 0 AND c.unit NOT IN ('count', 'money')
                THEN 'no value: the denominator is zero'
        END,
        CASE
            WHEN p.denominator = 0 AND p.unit = 'hours'
                THEN 'no previous value: no complaint in the previous period has '
                    || 'this time recorded'
            WHEN p.denominator = 0 AND p.unit NOT IN ('count', 'money')
                THEN 'no previous value: the previous denominator is zero'
        END
    ), '') AS note
FROM metrics AS c
CROSS JOIN refunds_known AS k
LEFT JOIN metrics AS p ON p.period = 'previous' AND p.indicator = c.indicator
WHERE c.period = 'current'
ORDER BY c.position, c.indicator

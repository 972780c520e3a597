-- id: ExceptionTrend
-- title: Exceptions by month and category
-- description: Distinct exceptions of register_all per calendar month of
--   detected_at and category, for every month before the period's end. An
--   exception reported in several periods is counted once, in the month it was
--   detected.
SELECT
    CAST(date_trunc('month', detected_at) AS DATE) AS month,
    category,
    count(DISTINCT exception_id) AS exceptions
FROM register_all
WHERE detected_at < $period_end
GROUP BY ALL
ORDER BY month, category

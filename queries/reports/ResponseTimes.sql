-- id: ResponseTimes
-- title: Complaint handling times
-- description: One row per complaint created in the period, with the hours from
--   creation to first response and to resolution. An hour count is NULL where
--   the time is missing or precedes the complaint's creation.
SELECT
    complaint_id,
    coalesce(category, 'unknown') AS category,
    CASE WHEN first_response_at >= created_at
        THEN date_diff('second', created_at, first_response_at) / 3600.0
    END AS first_response_hours,
    CASE WHEN resolved_at >= created_at
        THEN date_diff('second', created_at, resolved_at) / 3600.0
    END AS resolution_hours
FROM complaints
WHERE created_at >= $period_start AND created_at < $period_end
ORDER BY created_at, complaint_id

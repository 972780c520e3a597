-- id: OpenAgeing
-- title: Open exceptions by age
-- description: Open exceptions of the register in five age bands (0-2, 3-7,
--   8-14, 15-30 and over 30 days); every band appears, empty ones with 0. The
--   age is the register's age_days, else the whole days from detected_at to the
--   end of the as-of day. An exception is open unless its status reads closed,
--   resolved, done or cancelled (in English or Chinese).
WITH age_bands (age_band, position, low, high) AS (
    VALUES ('0-2', 1, 0, 2), ('3-7', 2, 3, 7), ('8-14', 3, 8, 14),
        ('15-30', 4, 15, 30), ('over 30', 5, 31, NULL)
),
-- NOTE: the register's status is free text edited by reviewers; these values
-- are read as closed and every other value, or none, as open.
open_exceptions AS (
    SELECT greatest(coalesce(
        age_days,
        floor(date_diff('second', detected_at, CAST($as_of AS TIMESTAMP)) / 86400)
    ), 0) AS age
    FROM register
    WHERE status IS NULL OR lower(trim(status)) NOT IN (
        'closed', 'resolved', 'done', 'cancelled', '已关闭', '已解决', '已完成'
    )
)
SELECT b.age_band, count(o.age) AS exceptions
FROM age_bands AS b
LEFT JOIN open_exceptions AS o ON o.age >= b.low AND (b.high IS NULL OR o.age <= b.high)
GROUP BY b.age_band, b.position
ORDER BY b.position

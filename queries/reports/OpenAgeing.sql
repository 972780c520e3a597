-- id: OpenAgeing
-- title: Open exceptions by age
-- description: Open exceptions of the register in five age bands (0-2, 3-7,
--   8-14, 15-30 and over 30 days); every band appears, empty ones with 0. The
--   age is the register's age_days, else the whole days from detected_at to the
--   end of the as-of day. An exception is open unless its status reads closed,
--   resolved, done or cancelled (in English or Chinese).
WITH age_bands AS (
    SELECT * FROM review_age_bands()
),
open_exceptions AS (
    SELECT * FROM open_exception_ages($as_of)
)
SELECT b.age_band, count(o.age) AS exceptions
FROM age_bands AS b
LEFT JOIN open_exceptions AS o ON o.age >= b.low AND (b.high IS NULL OR o.age <= b.high)
GROUP BY b.age_band, b.position
ORDER BY b.position

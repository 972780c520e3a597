-- Table macros that several reports share, so that they count open
-- exceptions and age bands in one way. They are created before the reports
-- run and read the register when a report calls them.

-- The five age bands of open exceptions, in days.
CREATE OR REPLACE TEMP MACRO review_age_bands() AS TABLE
    SELECT * FROM (VALUES ('0-2', 1, 0, 2), ('3-7', 2, 3, 7), ('8-14', 3, 8, 14),
                          ('15-30', 4, 15, 30), ('over 30', 5, 31, NULL))
        AS bands(age_band, position, low, high);

-- The age in whole days of every open exception of the register: its
-- age_days, else the whole days from detected_at to as_of.
-- NOTE: the register's status is free text edited by reviewers; these values
-- are read as closed and every other value, or none, as open.
CREATE OR REPLACE TEMP MACRO open_exception_ages(as_of) AS TABLE
    SELECT greatest(coalesce(
        age_days,
        floor(date_diff('second', detected_at, CAST(as_of AS TIMESTAMP)) / 86400)
    ), 0) AS age
    FROM register
    WHERE status IS NULL OR lower(trim(status)) NOT IN (
        'closed', 'resolved', 'done', 'cancelled', '已关闭', '已解决', '已完成'
    );

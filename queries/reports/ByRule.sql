-- id: ByRule
-- title: Pareto of exceptions by rule
-- description: Exceptions in the register per rule, in Pareto order (most
--   exceptions first, ties broken by rule_id), with each rule's share and the
--   cumulative share. vital_few marks the rules that make up the first 80
--   percent: every rule whose preceding cumulative share is below 80 percent,
--   so the rule that crosses the line is included.
WITH counts AS (
    SELECT rule_id, max(rule_title) AS rule_title, count(*) AS exceptions
    FROM register
    GROUP BY rule_id
),
running AS (
    SELECT
        *,
        sum(exceptions) OVER (
            ORDER BY exceptions DESC, rule_id ROWS UNBOUNDED PRECEDING
        ) AS cumulative,
        sum(exceptions) OVER () AS total
    FROM counts
)
SELECT
    rule_id,
    rule_title,
    exceptions,
    CAST(exceptions / nullif(total, 0) AS DOUBLE) AS share,
    CAST(cumulative / nullif(total, 0) AS DOUBLE) AS cumulative_share,
    -- Integer arithmetic, so a share of exactly 80 percent is not lost to rounding.
    10 * (cumulative - exceptions) < 8 * total AS vital_few
FROM running
ORDER BY exceptions DESC, rule_id

-- id: ByParty
-- title: Exceptions by responsible party
-- description: Exceptions and amount at risk in the register per responsible
--   party ('unknown' where none is recorded), in Pareto order of the number of
--   exceptions (ties broken by party). share and cumulative_share are shares of
--   the exceptions; vital_few marks every party whose preceding cumulative share
--   is below 80 percent.
WITH counts AS (
    SELECT
        coalesce(responsible_party, 'unknown') AS responsible_party,
        count(*) AS exceptions,
        CAST(coalesce(sum(amount_at_risk), 0) AS DECIMAL(18, 2)) AS amount_at_risk
    FROM register
    GROUP BY ALL
),
running AS (
    SELECT
        *,
        sum(exceptions) OVER (
            ORDER BY exceptions DESC, responsible_party ROWS UNBOUNDED PRECEDING
        ) AS cumulative,
        sum(exceptions) OVER () AS total
    FROM counts
)
SELECT
    responsible_party,
    exceptions,
    amount_at_risk,
    CAST(exceptions / nullif(total, 0) AS DOUBLE) AS share,
    CAST(cumulative / nullif(total, 0) AS DOUBLE) AS cumulative_share,
    10 * (cumulative - exceptions) < 8 * total AS vital_few
FROM running
ORDER BY exceptions DESC, responsible_party

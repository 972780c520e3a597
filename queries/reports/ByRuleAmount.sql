-- id: ByRuleAmount
-- title: Pareto of amount at risk by rule
-- description: The register's amount_at_risk per rule, in Pareto order (largest
--   amount first, ties broken by rule_id), with each rule's share and the
--   cumulative share. A missing amount counts as zero. vital_few marks every
--   rule whose preceding cumulative share is below 80 percent. When the total is
--   zero, no rule is marked and the shares are NULL.
WITH amounts AS (
    SELECT
        rule_id,
        max(rule_title) AS rule_title,
        CAST(coalesce(sum(amount_at_risk), 0) AS DECIMAL(18, 2)) AS amount_at_risk
    FROM register
    GROUP BY rule_id
),
running AS (
    SELECT
        *,
        sum(amount_at_risk) OVER (
            ORDER BY amount_at_risk DESC, rule_id ROWS UNBOUNDED PRECEDING
        ) AS cumulative,
        sum(amount_at_risk) OVER () AS total
    FROM amounts
)
SELECT
    rule_id,
    rule_title,
    amount_at_risk,
    CAST(amount_at_risk AS DOUBLE) / nullif(CAST(total AS DOUBLE), 0) AS share,
    CAST(cumulative AS DOUBLE) / nullif(CAST(total AS DOUBLE), 0) AS cumulative_share,
    -- Exact decimal arithmetic, so a share of exactly 80 percent is not lost.
    10 * (cumulative - amount_at_risk) < 8 * total AS vital_few
FROM running
ORDER BY amount_at_risk DESC, rule_id

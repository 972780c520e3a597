-- id: reconciliation_totals
-- title: The tool's own reconciliation totals
-- description: Per comparison, the totals of each side and of the differences,
--   and the number of orders per status, from the reconciled rows.
SELECT
    compared_with,
    coalesce(sum(refunds_amount), 0) AS refunds_amount,
    coalesce(sum(other_amount), 0) AS other_amount,
    coalesce(sum(difference), 0) AS difference,
    count(*) FILTER (WHERE status = 'matched') AS matched,
    count(*) FILTER (WHERE status = 'differing') AS differing,
    count(*) FILTER (WHERE status = 'refunds_only') AS refunds_only,
    count(*) FILTER (WHERE status = compared_with || '_only') AS other_only
FROM refund_reconciliation
GROUP BY compared_with

-- id: refund_totals
-- title: The tool's own refund totals
-- description: Number and amount of the period's refunds, of those paid, and
--   of the refunds that carry no date and so fall in no period. Computed from
--   refund_lines directly, not from the tables of the workbook, so that the
--   workbook's formulas over those tables check the tables' SQL as well.
SELECT
    count(*) FILTER (WHERE in_period) AS refunds,
    coalesce(sum(amount) FILTER (WHERE in_period), 0) AS amount,
    count(*) FILTER (WHERE in_period AND status = 'paid') AS paid_refunds,
    coalesce(sum(amount) FILTER (WHERE in_period AND status = 'paid'), 0)
        AS paid_amount,
    count(*) FILTER (WHERE refund_at IS NULL) AS undated_refunds,
    coalesce(sum(amount) FILTER (WHERE refund_at IS NULL), 0) AS undated_amount
FROM (
    SELECT *,
           coalesce(refund_at >= $period_start AND refund_at < $period_end, false)
               AS in_period
    FROM refund_lines
)

-- id: RefundsByMonth
-- title: Refunds by month
-- description: Number and amount of the period's refunds per month of
--   the refund date, oldest first. The rows add up to the Refunds table.
SELECT month, count(*) AS refunds,
       CAST(sum(amount) AS DECIMAL(18, 2)) AS amount
FROM refund_lines
WHERE refund_at >= $period_start AND refund_at < $period_end
GROUP BY month
ORDER BY month

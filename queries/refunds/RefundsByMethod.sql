-- id: RefundsByMethod
-- title: Refunds by method
-- description: Number and amount of the period's refunds per refund
--   method, largest amount first. The rows add up to the Refunds table.
SELECT method, count(*) AS refunds,
       CAST(sum(amount) AS DECIMAL(18, 2)) AS amount
FROM refund_lines
WHERE refund_at >= $period_start AND refund_at < $period_end
GROUP BY method
ORDER BY amount DESC, method

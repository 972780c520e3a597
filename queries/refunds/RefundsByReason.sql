-- id: RefundsByReason
-- title: Refunds by reason
-- description: Number and amount of the period's refunds per reason,
--   largest amount first. The rows add up to the Refunds table.
SELECT reason, count(*) AS refunds,
       CAST(sum(amount) AS DECIMAL(18, 2)) AS amount
FROM refund_lines
WHERE refund_at >= $period_start AND refund_at < $period_end
GROUP BY reason
ORDER BY amount DESC, reason

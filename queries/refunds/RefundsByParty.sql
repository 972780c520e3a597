-- id: RefundsByParty
-- title: Refunds by responsible party
-- description: Number and amount of the period's refunds per
--   responsible party (see refund_lines), largest amount first. The rows add up
--   to the Refunds table.
SELECT responsible_party, count(*) AS refunds,
       CAST(sum(amount) AS DECIMAL(18, 2)) AS amount
FROM refund_lines
WHERE refund_at >= $period_start AND refund_at < $period_end
GROUP BY responsible_party
ORDER BY amount DESC, responsible_party

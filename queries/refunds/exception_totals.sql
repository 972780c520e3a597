-- id: exception_totals
-- title: The tool's own totals of the refund exceptions
-- description: Number of exceptions and amount at risk per rule of $rule_ids,
--   from the register directly.
SELECT rule_id, count(*) AS exceptions,
       coalesce(sum(amount_at_risk), 0) AS amount_at_risk
FROM register
WHERE list_contains($rule_ids, rule_id)
GROUP BY rule_id

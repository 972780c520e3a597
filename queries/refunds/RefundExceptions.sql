-- id: RefundExceptions
-- title: Refund exceptions of the register
-- description: The register's rows of the rules that finance reviews in the
--   refund check ($rule_ids), by rule, then by order and detection time.
SELECT exception_id, rule_id, rule_title, order_id, refund_id, amount_at_risk,
       detected_at, evidence, severity
FROM register
WHERE list_contains($rule_ids, rule_id)
ORDER BY rule_id, order_id, detected_at, exception_id

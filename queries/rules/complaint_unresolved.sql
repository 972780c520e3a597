-- id: complaint_unresolved
-- title: Complaint unresolved past its time limit
-- category: complaints
-- class: quality
-- severity: important
-- responsible: customer_service
-- time_limit: 2bd
-- action: Escalate to the team lead and agree a resolution with the customer.
-- needs: complaints.created_at, complaints.resolved_at
-- param max_days: 7  days from a complaint to its resolution
-- description: A complaint was resolved after the limit, or was still open
--   when the limit ran out before the as-of date.
SELECT c.complaint_id, c.order_id, coalesce(c.customer_id, o.customer_id) AS customer_id,
       o.seller_id, o.carrier,
       c.created_at + to_days(CAST($max_days AS INTEGER)) AS detected_at,
       coalesce(c.compensation_amount, o.order_amount) AS amount_at_risk,
       CASE WHEN c.resolved_at IS NULL OR c.resolved_at >= $as_of
            THEN 'Open since ' || strftime(c.created_at, '%Y-%m-%d') || ', '
                 || date_diff('day', c.created_at, $as_of) || ' day(s) at the as-of date'
            ELSE 'Resolved after ' || date_diff('day', c.created_at, c.resolved_at)
                 || ' day(s), limit ' || $max_days
       END AS evidence
FROM complaints c
LEFT JOIN orders o USING (order_id)
WHERE c.created_at + to_days(CAST($max_days AS INTEGER)) < $as_of
  AND (c.resolved_at IS NULL
       OR c.resolved_at > c.created_at + to_days(CAST($max_days AS INTEGER)))

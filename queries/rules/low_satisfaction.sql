-- id: low_satisfaction
-- title: Low satisfaction score after a complaint
-- category: after_sales
-- class: quality
-- severity: general
-- responsible: customer_service
-- time_limit: 3d
-- action: Call the customer back to find out what went wrong with the handling.
--   Use the findings in the agent's coaching.
-- needs: complaints.satisfaction_score
-- param max_score: 2  highest satisfaction score (on a 1 to 5 scale) that counts as low
-- description: The customer scored the handling of a complaint at or below the
--   maximum. The score is taken as given when the complaint was resolved, or
--   when it was made if it has no resolution time.
SELECT c.complaint_id, c.order_id,
       coalesce(c.customer_id, o.customer_id) AS customer_id,
       o.seller_id, o.carrier,
       coalesce(c.resolved_at, c.created_at) AS detected_at,
       CAST(NULL AS DECIMAL(18,2)) AS amount_at_risk,
       'Satisfaction score ' || c.satisfaction_score || ' (limit ' || $max_score
           || ') on complaint ''' || coalesce(c.category, '?') || ''' of '
           || strftime(c.created_at, '%Y-%m-%d') AS evidence
FROM complaints c
LEFT JOIN orders o USING (order_id)
WHERE c.satisfaction_score <= CAST($max_score AS BIGINT)
  AND coalesce(c.resolved_at, c.created_at) < $as_of

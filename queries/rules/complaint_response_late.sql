-- id: complaint_response_late
-- title: Complaint first response past its time limit
-- category: complaints
-- class: quality
-- severity: important
-- responsible: customer_service
-- time_limit: 24h
-- action: Answer the customer today; check the queue and staffing of the
--   channel the complaint came through.
-- needs: complaints.created_at
-- param max_hours: 24  hours from a complaint to the first response
-- description: The first response to a complaint came after the limit, or had
--   not come when the limit ran out before the as-of date.
SELECT c.complaint_id, c.order_id, coalesce(c.customer_id, o.customer_id) AS customer_id,
       o.seller_id, o.carrier,
       c.created_at + to_hours(CAST($max_hours AS BIGINT)) AS detected_at,
       CAST(NULL AS DECIMAL(18,2)) AS amount_at_risk,
       CASE WHEN c.first_response_at IS NULL OR c.first_response_at >= $as_of
            THEN 'Complaint of ' || strftime(c.created_at, '%Y-%m-%d %H:%M')
                 || ' had no response by the as-of date'
            ELSE 'First response after '
                 || round(epoch(c.first_response_at - c.created_at) / 3600, 1)
                 || ' h, limit ' || $max_hours || ' h'
       END AS evidence
FROM complaints c
LEFT JOIN orders o USING (order_id)
WHERE c.created_at + to_hours(CAST($max_hours AS BIGINT)) < $as_of
  AND (c.first_response_at IS NULL
       OR c.first_response_at > c.created_at + to_hours(CAST($max_hours AS BIGINT)))

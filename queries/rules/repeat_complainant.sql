-- id: repeat_complainant
-- title: Customer complained repeatedly in the period
-- category: complaints
-- class: quality
-- severity: important
-- responsible: customer_service
-- time_limit: 2bd
-- action: Have one agent review the customer's complaints together and agree
--   a single resolution. Check for abuse if the complaints look alike.
-- needs: complaints.created_at
-- param min_complaints: 3  complaints by one customer in the period that make an exception
-- description: The customer made at least the minimum number of complaints
--   within the reporting period. One exception per customer, detected at the
--   complaint that reached the minimum.
WITH numbered AS (
    SELECT coalesce(c.customer_id, o.customer_id) AS customer_id,
           c.complaint_id, c.created_at, c.category,
           row_number() OVER (PARTITION BY coalesce(c.customer_id, o.customer_id)
                              ORDER BY c.created_at, c.complaint_id) AS complaint_no,
           min(c.created_at) OVER (PARTITION BY coalesce(c.customer_id, o.customer_id))
               AS first_at,
           string_agg(coalesce(c.category, '?'), ', ') OVER (
               PARTITION BY coalesce(c.customer_id, o.customer_id)
               ORDER BY c.created_at, c.complaint_id) AS categories
    FROM complaints c
    LEFT JOIN orders o USING (order_id)
    WHERE c.created_at >= $period_start AND c.created_at < $period_end
      AND c.created_at < $as_of
      AND coalesce(c.customer_id, o.customer_id) IS NOT NULL
)
SELECT CAST(NULL AS VARCHAR) AS order_id, customer_id,
       created_at AS detected_at,
       CAST(NULL AS DECIMAL(18,2)) AS amount_at_risk,
       complaint_no || ' complaints from ' || strftime(first_at, '%Y-%m-%d')
           || ' to ' || strftime(created_at, '%Y-%m-%d') || ' (' || categories
           || '), limit ' || $min_complaints AS evidence
FROM numbered
WHERE complaint_no = CAST($min_complaints AS BIGINT)

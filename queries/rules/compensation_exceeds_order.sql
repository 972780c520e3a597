-- id: compensation_exceeds_order
-- title: Compensation above the order amount
-- category: after_sales
-- class: ordering-error
-- severity: important
-- responsible: customer_service
-- time_limit: 2bd
-- action: Have a team lead confirm the compensation. Recover the excess if it
--   was not approved.
-- needs: complaints.compensation_amount, orders.order_amount
-- param max_share: 1.0  largest compensation as a share of the order amount
-- description: The compensation granted on a complaint is more than the allowed
--   share of the order amount.
SELECT c.complaint_id, c.order_id,
       coalesce(c.customer_id, o.customer_id) AS customer_id,
       o.seller_id, o.carrier,
       coalesce(c.resolved_at, c.created_at) AS detected_at,
       CAST(c.compensation_amount - o.order_amount * CAST($max_share AS DECIMAL(9,4))
            AS DECIMAL(18,2)) AS amount_at_risk,
       'Compensation ' || CAST(c.compensation_amount AS VARCHAR) || ' on an order of '
           || CAST(o.order_amount AS VARCHAR) || ' (limit ' || $max_share
           || ' times the order amount)' AS evidence
FROM complaints c
JOIN orders o USING (order_id)
WHERE c.compensation_amount > o.order_amount * CAST($max_share AS DECIMAL(9,4))
  AND coalesce(c.resolved_at, c.created_at) < $as_of

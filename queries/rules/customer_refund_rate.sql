-- id: customer_refund_rate
-- title: Customer's refund rate above the limit
-- category: fraud
-- class: ordering-error
-- severity: general
-- responsible: customer
-- time_limit: 3bd
-- action: Review the customer's refunds for abuse (wardrobing, false damage
--   claims). Require a return or evidence before the next refund.
-- needs: refunds.amount, orders.delivered_at
-- param max_share: 0.5  share of delivered orders refunded after delivery that is still accepted
-- param min_orders: 4  fewest delivered orders in the period for a customer's rate to count
-- description: Of the customer's orders delivered in the reporting period, the
--   share refunded after delivery exceeds the limit. Refunds before delivery
--   (cancellations) do not count. One exception per customer, dated at the
--   last refund counted.
WITH delivered AS (
    SELECT order_id, customer_id, delivered_at
    FROM orders
    WHERE customer_id IS NOT NULL
      AND delivered_at >= $period_start AND delivered_at < $period_end
      AND delivered_at < $as_of
),
refunded AS (
    SELECT d.order_id, min(coalesce(r.refunded_at, r.approved_at, r.requested_at))
               AS refund_at, sum(r.amount) AS amount
    FROM delivered d
    JOIN refunds r USING (order_id)
    WHERE coalesce(r.refunded_at, r.approved_at, r.requested_at) > d.delivered_at
      AND coalesce(r.refunded_at, r.approved_at, r.requested_at) < $as_of
    GROUP BY d.order_id
),
per_customer AS (
    SELECT d.customer_id,
           count(*) AS delivered_orders,
           count(f.order_id) AS refunded_orders,
           sum(f.amount) AS refunded_amount,
           max(f.refund_at) AS last_refund_at
    FROM delivered d
    LEFT JOIN refunded f USING (order_id)
    GROUP BY d.customer_id
)
SELECT CAST(NULL AS VARCHAR) AS order_id, customer_id,
       last_refund_at AS detected_at,
       CAST(refunded_amount AS DECIMAL(18,2)) AS amount_at_risk,
       refunded_orders || ' of ' || delivered_orders
           || ' delivered order(s) refunded after delivery ('
           || round(100.0 * refunded_orders / delivered_orders) || '%, limit '
           || round(100.0 * CAST($max_share AS DOUBLE)) || '%)' AS evidence
FROM per_customer
WHERE delivered_orders >= CAST($min_orders AS BIGINT)
  AND refunded_orders > CAST($max_share AS DOUBLE) * delivered_orders

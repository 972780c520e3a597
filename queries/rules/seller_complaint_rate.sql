-- id: seller_complaint_rate
-- title: Seller's quality complaints per 1,000 orders above the limit
-- category: complaints
-- class: quality
-- severity: important
-- responsible: seller
-- time_limit: 3bd
-- action: Review the seller's products and packing with the seller. Agree a
--   correction plan and check the rate again next period.
-- needs: complaints.category, orders.seller_id
-- param max_per_thousand: 20  counted complaints per 1,000 of the seller's orders still accepted
-- param min_orders: 50  fewest orders in the period before a seller's rate is judged
-- param categories: ["quality", "damaged", "wrong_item"]  complaint categories counted
-- description: Among the seller's orders created in the reporting period, the
--   complaints in the counted categories per 1,000 orders exceed the limit.
--   One exception per seller, dated at the last complaint counted.
WITH period_orders AS (
    SELECT order_id, seller_id
    FROM orders
    WHERE seller_id IS NOT NULL
      AND created_at >= $period_start AND created_at < $period_end
      AND created_at < $as_of
),
per_seller AS (
    SELECT p.seller_id,
           count(DISTINCT p.order_id) AS orders,
           count(c.complaint_id) AS complaints,
           max(c.created_at) AS last_complaint_at
    FROM period_orders p
    LEFT JOIN complaints c
        ON c.order_id = p.order_id AND c.created_at < $as_of
       AND list_contains($categories, lower(trim(c.category)))
    GROUP BY p.seller_id
)
SELECT CAST(NULL AS VARCHAR) AS order_id, seller_id,
       last_complaint_at AS detected_at,
       CAST(NULL AS DECIMAL(18,2)) AS amount_at_risk,
       complaints || ' quality complaint(s) on ' || orders || ' order(s): '
           || round(complaints * 1000.0 / orders, 1) || ' per 1,000, limit '
           || $max_per_thousand AS evidence
FROM per_seller
WHERE orders >= CAST($min_orders AS BIGINT)
  AND complaints * 1000.0 / orders > CAST($max_per_thousand AS DOUBLE)

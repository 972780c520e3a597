-- id: customer_order_burst
-- title: One customer placed many orders in a short time
-- category: fraud
-- class: ordering-error
-- severity: important
-- responsible: platform
-- time_limit: 24h
-- action: Hold the customer's unshipped orders and verify the account and the
--   payment method before releasing them.
-- needs: orders.customer_id, orders.created_at
-- param min_orders: 5  orders by one customer within the window that make a burst
-- param window_minutes: 60  length of the window in minutes
-- description: A customer placed at least the minimum number of orders within
--   the window. There is one exception per customer, detected at the order
--   that first completed a burst. The amount at risk is the total of the
--   orders in that burst.
WITH placed AS NOT MATERIALIZED (
    -- Read twice below, and scanning orders again is cheaper than storing it.
    SELECT customer_id, order_id, created_at, order_amount
    FROM orders
    WHERE customer_id IS NOT NULL AND created_at < $as_of
),
counted AS (
    SELECT customer_id, order_id, created_at,
           count(*) OVER recent AS orders_in_window,
           sum(order_amount) OVER recent AS amount_in_window,
           min(created_at) OVER recent AS window_first_at
    FROM placed
    -- Customers with fewer orders than a burst cannot have one, so the
    -- window skips them (usually most customers).
    WHERE customer_id IN (
        SELECT customer_id FROM placed
        GROUP BY customer_id HAVING count(*) >= CAST($min_orders AS BIGINT))
    WINDOW recent AS (
        PARTITION BY customer_id ORDER BY created_at
        RANGE BETWEEN to_minutes(CAST($window_minutes AS BIGINT)) PRECEDING
              AND CURRENT ROW)
)
SELECT CAST(NULL AS VARCHAR) AS order_id, customer_id,
       created_at AS detected_at,
       CAST(amount_in_window AS DECIMAL(18,2)) AS amount_at_risk,
       orders_in_window || ' orders between '
           || strftime(window_first_at, '%Y-%m-%d %H:%M')
           || ' and ' || strftime(created_at, '%Y-%m-%d %H:%M') || ' (limit '
           || $min_orders || ' in ' || $window_minutes || ' min), the last '
           || order_id AS evidence
FROM counted
WHERE orders_in_window >= CAST($min_orders AS BIGINT)
QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY created_at, order_id) = 1

-- id: amount_outlier_customer
-- title: Order amount far outside the customer's usual range
-- category: creation
-- class: ordering-error
-- severity: general
-- responsible: customer_service
-- time_limit: 2bd
-- action: Confirm the order with the customer before it ships. Check for a
--   mistyped quantity or price, or a taken-over account.
-- needs: orders.customer_id, orders.order_amount
-- param history_orders: 50  the customer's previous orders that make up the usual range
-- param min_history: 5  fewest previous orders before the customer's range is trusted
-- param max_robust_z: 5  robust z-score (scaled MADs from the median) above which an amount is an outlier
-- param min_spread_share: 0.10  smallest spread used, as a share of the median
-- description: The order amount lies further from the median of the customer's
--   previous orders than the robust z-score allows. The spread is the median
--   absolute deviation (MAD) scaled by 1.4826 to match a standard deviation,
--   but never less than the minimum share of the median.
WITH placed AS NOT MATERIALIZED (
    -- Read twice below, and scanning orders again is cheaper than storing it.
    SELECT order_id, customer_id, seller_id, created_at, order_amount
    FROM orders
    WHERE customer_id IS NOT NULL AND order_amount IS NOT NULL
      AND created_at < $as_of
),
history AS (
    SELECT *,
           median(order_amount) OVER previous AS usual_amount,
           mad(order_amount) OVER previous AS deviation,
           count(order_amount) OVER previous AS previous_orders
    FROM placed
    -- Customers with no more orders than the minimum history cannot be
    -- flagged, so the costly window skips them (usually most customers).
    WHERE customer_id IN (
        SELECT customer_id FROM placed
        GROUP BY customer_id HAVING count(*) > CAST($min_history AS BIGINT))
    WINDOW previous AS (
        PARTITION BY customer_id ORDER BY created_at, order_id
        ROWS BETWEEN CAST($history_orders AS BIGINT) PRECEDING AND 1 PRECEDING)
),
scored AS (
    -- The score is a ratio, so it is computed in DOUBLE: DECIMAL(18,2)
    -- amounts near their limit overflow when multiplied.
    SELECT *,
           abs(CAST(order_amount AS DOUBLE) - CAST(usual_amount AS DOUBLE))
               / greatest(1.4826 * CAST(deviation AS DOUBLE),
                          abs(CAST(usual_amount AS DOUBLE))
                              * CAST($min_spread_share AS DOUBLE),
                          0.01) AS robust_z
    FROM history
    WHERE previous_orders >= CAST($min_history AS BIGINT)
)
SELECT order_id, customer_id, seller_id,
       created_at AS detected_at,
       order_amount AS amount_at_risk,
       'Amount ' || CAST(order_amount AS VARCHAR) || ' against a median of '
           || CAST(usual_amount AS VARCHAR) || ' over the customer''s '
           || previous_orders || ' previous order(s), robust z '
           || round(robust_z, 1) || ' (limit ' || $max_robust_z || ')' AS evidence
FROM scored
WHERE robust_z > CAST($max_robust_z AS DOUBLE)

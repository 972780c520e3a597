-- id: price_outlier_sku
-- title: Unit price far outside the SKU's usual range
-- category: creation
-- class: ordering-error
-- severity: important
-- responsible: seller
-- time_limit: 1bd
-- action: Check the price with the seller before the order ships. Correct the
--   price list if it was mistyped.
-- needs: order_lines.sku, order_lines.unit_price
-- param history_lines: 100  the SKU's previous order lines that make up its usual range
-- param min_history: 5  fewest previous lines before the SKU's range is trusted
-- param max_robust_z: 5  robust z-score (scaled MADs from the median) above which a price is an outlier
-- param min_spread_share: 0.05  smallest spread used, as a share of the median
-- description: A line's unit price lies further from the median price of the
--   SKU's previous lines (ordered by the orders' creation time) than the robust
--   z-score allows. The spread is the median absolute deviation (MAD) scaled by
--   1.4826 to match a standard deviation, but never less than the minimum share
--   of the median.
WITH priced AS (
    SELECT l.order_id, l.line_no, l.sku, l.unit_price, l.quantity,
           coalesce(l.seller_id, o.seller_id) AS seller_id,
           o.customer_id, o.created_at
    FROM order_lines l
    JOIN orders o USING (order_id)
    WHERE l.sku IS NOT NULL AND l.unit_price IS NOT NULL AND o.created_at < $as_of
),
-- Materialized, so the candidates and their previous lines share one order
-- of the lines, ties included.
history AS MATERIALIZED (
    SELECT *,
           median(unit_price) OVER previous AS usual_price,
           count(unit_price) OVER previous AS previous_lines,
           row_number() OVER previous AS position
    FROM priced
    WINDOW previous AS (
        -- line_no and the price break ties, so a rerun orders the lines of
        -- one order the same way and finds the same outliers.
        PARTITION BY sku ORDER BY created_at, order_id, line_no, unit_price
        ROWS BETWEEN CAST($history_lines AS BIGINT) PRECEDING AND 1 PRECEDING)
),
-- The spread is never below the floor used here, so a line within the limit
-- of the floor alone cannot be an outlier. Only the few others need the MAD,
-- which costs as much as the median when computed over every line.
candidates AS (
    SELECT *
    FROM history
    WHERE previous_lines >= CAST($min_history AS BIGINT)
      AND abs(unit_price - usual_price)
          / greatest(abs(usual_price) * CAST($min_spread_share AS DOUBLE), 0.01)
          > CAST($max_robust_z AS DOUBLE)
),
deviations AS (
    SELECT c.sku, c.position, mad(p.unit_price) AS deviation
    FROM candidates c
    JOIN history p
      ON p.sku = c.sku
     AND p.position BETWEEN c.position - CAST($history_lines AS BIGINT) AND c.position - 1
    GROUP BY c.sku, c.position
),
scored AS (
    -- The score is a ratio, so it is computed in DOUBLE: DECIMAL(18,2)
    -- prices near their limit overflow when multiplied.
    SELECT c.*,
           abs(CAST(c.unit_price AS DOUBLE) - CAST(c.usual_price AS DOUBLE))
               / greatest(1.4826 * CAST(d.deviation AS DOUBLE),
                          abs(CAST(c.usual_price AS DOUBLE))
                              * CAST($min_spread_share AS DOUBLE),
                          0.01) AS robust_z
    FROM candidates c
    JOIN deviations d USING (sku, position)
)
SELECT order_id, sku, seller_id, customer_id,
       created_at AS detected_at,
       abs(unit_price - usual_price) * coalesce(quantity, 1) AS amount_at_risk,
       'SKU ' || sku || ' at ' || CAST(unit_price AS VARCHAR) || ' against a median of '
           || CAST(usual_price AS VARCHAR) || ' over its ' || previous_lines
           || ' previous line(s), robust z ' || round(robust_z, 1)
           || ' (limit ' || $max_robust_z || ')' AS evidence
FROM scored
WHERE robust_z > CAST($max_robust_z AS DOUBLE)
QUALIFY row_number() OVER (PARTITION BY order_id, sku ORDER BY robust_z DESC) = 1

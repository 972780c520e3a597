-- id: address_shared_by_customers
-- title: Many customers ship to one address
-- category: fraud
-- class: ordering-error
-- severity: important
-- responsible: platform
-- time_limit: 2bd
-- action: Review the accounts that ship to the address for a fraud ring or
--   reseller. Hold their unshipped orders until they are cleared.
-- needs: orders.ship_address_key, orders.customer_id
-- param min_customers: 4  customers first shipping to one address within the window that flag it
-- param window_days: 30  length of the window in days
-- description: At least the minimum number of different customers first sent
--   an order to the same address within the window. There is one exception
--   per address, keyed by the order that brought the count to the minimum,
--   and the evidence names the address.
WITH first_use AS (
    SELECT ship_address_key, customer_id,
           min(created_at) AS first_at,
           -- Orders placed at the same moment: the lowest ID, so a rerun
           -- picks the same one.
           arg_min(order_id, (created_at, order_id)) AS order_id
    FROM orders
    WHERE ship_address_key IS NOT NULL AND customer_id IS NOT NULL
      AND created_at < $as_of
    GROUP BY ship_address_key, customer_id
),
counted AS (
    SELECT *,
           count(*) OVER recent AS customers_in_window,
           min(first_at) OVER recent AS window_first_at
    FROM first_use
    -- Addresses used by fewer customers than the minimum cannot be flagged,
    -- so the window skips them (usually most addresses).
    WHERE ship_address_key IN (
        SELECT ship_address_key FROM first_use
        GROUP BY ship_address_key
        HAVING count(*) >= CAST($min_customers AS BIGINT))
    WINDOW recent AS (
        PARTITION BY ship_address_key ORDER BY first_at
        RANGE BETWEEN to_days(CAST($window_days AS INTEGER)) PRECEDING AND CURRENT ROW)
)
SELECT c.order_id, c.customer_id, o.seller_id, o.ship_region AS region,
       c.first_at AS detected_at,
       o.order_amount AS amount_at_risk,
       c.customers_in_window || ' customers first shipped to address '
           || c.ship_address_key || ' between '
           || strftime(c.window_first_at, '%Y-%m-%d') || ' and '
           || strftime(c.first_at, '%Y-%m-%d') || ' (limit ' || $min_customers
           || ' in ' || $window_days || ' days)' AS evidence
FROM counted c
JOIN orders o USING (order_id)
WHERE c.customers_in_window >= CAST($min_customers AS BIGINT)
QUALIFY row_number() OVER (
    PARTITION BY c.ship_address_key ORDER BY c.first_at, c.order_id
) = 1

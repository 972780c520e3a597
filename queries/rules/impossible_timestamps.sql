-- id: impossible_timestamps
-- title: Timestamps in an impossible order
-- category: fulfilment
-- class: ordering-error
-- severity: general
-- responsible: platform
-- time_limit: 2bd
-- action: Correct the order's timestamps at the source. Find the system or
--   time-zone setting that records them out of order.
-- needs: orders.created_at
-- param tolerance_minutes: 0  minutes a step may precede the step before it (clock skew)
-- description: A step of the order is recorded before a step that must come
--   first: paid, shipped, delivered or cancelled before the order was created,
--   the first carrier scan before creation, or delivered before shipped. The
--   first such pair is the evidence, and the exception dates from the later of
--   the two timestamps, when both were on record.
WITH scan_limits AS (
    -- A first scan matters only when it is before the creation, so only
    -- events before it are kept (the earliest is among them when it counts).
    -- An order_id on several rows keeps all its events, because its first
    -- scan is compared with the creation time of each row.
    SELECT order_id, tracking_no,
           created_at - to_minutes(CAST($tolerance_minutes AS BIGINT)) AS scan_limit,
           order_id IN (SELECT order_id FROM orders
                        GROUP BY order_id HAVING count(*) > 1) AS repeated
    FROM orders
    -- Rows without a tracking number reach no event. Leaving them out also
    -- makes DuckDB build the join below on orders, not on carrier_events.
    WHERE tracking_no IS NOT NULL
),
early_scans AS (
    -- The events as the order_events view ties them: all that carry an
    -- order_id (usually few), else through the order's tracking number.
    SELECT e.order_id, e.event_at
    FROM carrier_events e
    WHERE e.order_id IS NOT NULL
    UNION ALL
    SELECT o.order_id, e.event_at
    FROM scan_limits o
    JOIN carrier_events e ON e.tracking_no = o.tracking_no
    WHERE e.order_id IS NULL AND (e.event_at < o.scan_limit OR o.repeated)
),
first_scan AS (
    SELECT order_id, min(event_at) AS first_scan_at
    FROM early_scans
    WHERE order_id IS NOT NULL AND event_at < $as_of
    GROUP BY order_id
),
suspect AS (
    -- Orders with a step recorded before the step it must follow. Only these
    -- few get the pairs below, instead of six pairs for every order.
    SELECT o.*, f.first_scan_at
    FROM (SELECT *,
                 created_at - to_minutes(CAST($tolerance_minutes AS BIGINT)) AS created_limit
          FROM orders) o
    LEFT JOIN first_scan f USING (order_id)
    WHERE o.paid_at < o.created_limit
       OR o.shipped_at < o.created_limit
       OR f.first_scan_at < o.created_limit
       OR o.delivered_at < o.created_limit
       OR o.cancelled_at < o.created_limit
       OR o.delivered_at < o.shipped_at - to_minutes(CAST($tolerance_minutes AS BIGINT))
),
pairs AS (
    SELECT o.order_id, o.customer_id, o.seller_id, o.carrier, o.tracking_no,
           unnest([
               {'step': 'Paid', 'at': o.paid_at,
                'before': 'created', 'ref': o.created_at},
               {'step': 'Shipped', 'at': o.shipped_at,
                'before': 'created', 'ref': o.created_at},
               {'step': 'First carrier scan', 'at': o.first_scan_at,
                'before': 'created', 'ref': o.created_at},
               {'step': 'Delivered', 'at': o.delivered_at,
                'before': 'created', 'ref': o.created_at},
               {'step': 'Cancelled', 'at': o.cancelled_at,
                'before': 'created', 'ref': o.created_at},
               {'step': 'Delivered', 'at': o.delivered_at,
                'before': 'shipped', 'ref': o.shipped_at}
           ]) AS pair
    FROM suspect o
),
broken AS (
    SELECT order_id, customer_id, seller_id, carrier, tracking_no,
           pair.step, pair.before, pair.at, pair.ref,
           greatest(pair.at, pair.ref) AS known_at
    FROM pairs
    WHERE pair.at IS NOT NULL AND pair.ref IS NOT NULL
      AND greatest(pair.at, pair.ref) < $as_of
      AND pair.at < pair.ref - to_minutes(CAST($tolerance_minutes AS BIGINT))
)
SELECT order_id, customer_id, seller_id, carrier, tracking_no,
       known_at AS detected_at,
       CAST(NULL AS DECIMAL(18,2)) AS amount_at_risk,
       step || ' ' || strftime("at", '%Y-%m-%d %H:%M') || ' is before '
           || before || ' ' || strftime(ref, '%Y-%m-%d %H:%M') AS evidence
FROM broken
QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY known_at, step) = 1

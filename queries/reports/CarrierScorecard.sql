-- id: CarrierScorecard
-- title: Carrier scorecard
-- description: Per carrier, the orders shipped in the period (by shipped_at).
--   on_time_rate counts deliveries on or before the promised calendar day, over
--   the delivered orders with a promise. avg_delay_days is the mean number of
--   calendar days late, over the late deliveries only. lost_damaged counts
--   parcels with a lost or damaged carrier event, and complaints counts the
--   complaints created in the period about the carrier's shipped orders. Both
--   are also given per 1,000 shipments. The carrier is the order's, else the one
--   its carrier events name, else 'unknown'. rank 1 is the best on-time rate.
--   Ties share a rank, and a carrier without a rate has none.
-- A parcel's events are found by the order's ID and by its tracking number.
-- Each way is summed up per key before it meets the orders, which is much
-- cheaper than joining every event to its order. least() and OR merge the
-- two sums, as a minimum and an any over all the events would.
WITH by_order AS (
    SELECT
        order_id,
        min(carrier) AS carrier,
        bool_or(event_code IN ('lost', 'damaged')) AS lost_or_damaged
    FROM carrier_events
    WHERE order_id IS NOT NULL
    GROUP BY order_id
),
by_tracking AS (
    SELECT
        tracking_no,
        min(carrier) AS carrier,
        bool_or(event_code IN ('lost', 'damaged')) AS lost_or_damaged
    FROM carrier_events
    WHERE tracking_no IS NOT NULL
    GROUP BY tracking_no
),
-- Read twice below, so it is computed once.
shipped AS MATERIALIZED (
    SELECT
        o.order_id,
        coalesce(o.carrier, least(a.carrier, b.carrier), 'unknown') AS carrier,
        o.shipped_at,
        CAST(o.delivered_at AS DATE) AS delivered_on,
        CAST(o.promised_delivery_by AS DATE) AS promised_on,
        coalesce(a.lost_or_damaged, false) OR coalesce(b.lost_or_damaged, false)
            AS lost_or_damaged
    FROM orders AS o
    LEFT JOIN by_order AS a ON a.order_id = o.order_id
    LEFT JOIN by_tracking AS b ON b.tracking_no = o.tracking_no
    WHERE o.shipped_at IS NOT NULL
),
shipment_stats AS (
    SELECT
        carrier,
        count(*) AS shipments,
        count(delivered_on) AS delivered,
        count(*) FILTER (WHERE delivered_on IS NOT NULL AND promised_on IS NOT NULL)
            AS delivered_with_promise,
        count(*) FILTER (WHERE delivered_on <= promised_on) AS delivered_on_time,
        avg(date_diff('day', promised_on, delivered_on))
            FILTER (WHERE delivered_on > promised_on) AS avg_delay_days,
        count(*) FILTER (WHERE lost_or_damaged) AS lost_damaged
    FROM shipped
    WHERE shipped_at >= $period_start AND shipped_at < $period_end
    GROUP BY carrier
),
complaint_counts AS (
    SELECT s.carrier, count(*) AS complaints
    FROM complaints AS c
    JOIN shipped AS s ON s.order_id = c.order_id
    WHERE c.created_at >= $period_start AND c.created_at < $period_end
    GROUP BY s.carrier
),
scores AS (
    SELECT
        k.carrier,
        coalesce(s.shipments, 0) AS shipments,
        coalesce(s.delivered, 0) AS delivered,
        s.delivered_on_time / nullif(s.delivered_with_promise, 0) AS on_time_rate,
        CAST(s.avg_delay_days AS DOUBLE) AS avg_delay_days,
        coalesce(s.lost_damaged, 0) AS lost_damaged,
        1000.0 * s.lost_damaged / nullif(s.shipments, 0) AS lost_damaged_per_1000,
        coalesce(c.complaints, 0) AS complaints,
        1000.0 * coalesce(c.complaints, 0) / nullif(s.shipments, 0)
            AS complaints_per_1000
    FROM (
        SELECT carrier FROM shipment_stats
        UNION
        SELECT carrier FROM complaint_counts
    ) AS k
    LEFT JOIN shipment_stats AS s USING (carrier)
    LEFT JOIN complaint_counts AS c USING (carrier)
)
SELECT
    *,
    CASE WHEN on_time_rate IS NOT NULL
        THEN rank() OVER (ORDER BY on_time_rate DESC NULLS LAST)
    END AS rank
FROM scores
ORDER BY rank NULLS LAST, carrier

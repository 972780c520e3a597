-- id: not_delivered_by_promise
-- title: Not delivered by the promised date
-- category: fulfilment
-- class: delivery-date
-- severity: important
-- responsible: carrier
-- time_limit: 1bd
-- action: Trace the parcel with the carrier and tell the customer the new
--   date. Offer the agreed compensation, or a refund if it cannot be found.
-- needs: orders.promised_delivery_by
-- param grace_days: 0  calendar days after the promised date still counted as on time
-- description: The promised delivery date (a calendar day in the business time
--   zone) and the grace days had passed without the order being cancelled, and
--   it was still not delivered at the as-of date. Orders delivered late are the
--   rule delivered_late. The warehouse is responsible when the order had not
--   shipped when the promise ran out, the carrier otherwise.
WITH due AS (
    SELECT o.*,
           CAST(CAST(o.promised_delivery_by AS DATE) AS TIMESTAMP)
               + to_days(1 + CAST($grace_days AS INTEGER)) AS late_from
    FROM orders o
    WHERE o.promised_delivery_by IS NOT NULL
)
SELECT d.order_id, d.customer_id, d.seller_id, d.carrier, d.tracking_no,
       d.late_from AS detected_at,
       d.order_amount AS amount_at_risk,
       CASE WHEN d.shipped_at IS NULL OR d.shipped_at >= d.late_from
            THEN 'warehouse' END AS responsible_override,
       'Promised by ' || strftime(d.promised_delivery_by, '%Y-%m-%d') || ', '
           || CASE WHEN d.shipped_at IS NULL OR d.shipped_at >= $as_of
                   THEN 'not shipped'
                   ELSE 'shipped ' || strftime(d.shipped_at, '%Y-%m-%d') END
           || ', not delivered by the as-of date' AS evidence
FROM due d
LEFT JOIN cancelled_orders c USING (order_id)
WHERE d.late_from < $as_of
  AND (d.delivered_at IS NULL OR d.delivered_at >= $as_of)
  AND (c.order_id IS NULL OR c.cancelled_known_at >= d.late_from)

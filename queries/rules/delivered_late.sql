-- id: delivered_late
-- title: Delivered after the promised date
-- category: fulfilment
-- class: delivery-date
-- severity: important
-- responsible: carrier
-- time_limit: 2bd
-- action: Apologise to the customer and offer the agreed compensation; review
--   the carrier's record for the lane.
-- needs: orders.delivered_at, orders.promised_delivery_by
-- param grace_days: 0  calendar days after the promised date still counted as on time
-- description: The order was delivered on a calendar day after its promised
--   delivery date, both read in the business time zone.
SELECT order_id, customer_id, seller_id, carrier, tracking_no,
       delivered_at AS detected_at,
       order_amount AS amount_at_risk,
       'Delivered ' || strftime(delivered_at, '%Y-%m-%d')
           || ', ' || date_diff('day', CAST(promised_delivery_by AS DATE),
                                CAST(delivered_at AS DATE))
           || ' day(s) after the promised date '
           || strftime(promised_delivery_by, '%Y-%m-%d') AS evidence
FROM orders
WHERE CAST(delivered_at AS DATE)
      > CAST(promised_delivery_by AS DATE) + CAST($grace_days AS INTEGER)

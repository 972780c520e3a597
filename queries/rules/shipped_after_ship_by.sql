-- id: shipped_after_ship_by
-- title: Shipped after the ship-by deadline
-- category: fulfilment
-- class: delivery-date
-- severity: important
-- responsible: seller
-- time_limit: 1bd
-- action: Tell the customer why the parcel left late; find the cause with the
--   seller or warehouse and fix the picking or stock problem behind it.
-- needs: orders.shipped_at, orders.promised_ship_by
-- param grace_hours: 0  hours after the ship-by deadline still counted as on time
-- description: The order was handed to the carrier after the deadline by which
--   it had to ship (the seller's ship-by time), plus the configured grace.
SELECT order_id, customer_id, seller_id, carrier, tracking_no,
       shipped_at AS detected_at,
       order_amount AS amount_at_risk,
       'Shipped ' || strftime(shipped_at, '%Y-%m-%d %H:%M')
           || ', ' || round(epoch(shipped_at - promised_ship_by) / 3600, 1)
           || ' h after the ship-by deadline of '
           || strftime(promised_ship_by, '%Y-%m-%d %H:%M') AS evidence
FROM orders
WHERE shipped_at > promised_ship_by + to_hours(CAST($grace_hours AS BIGINT))

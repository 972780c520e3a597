-- id: shipped_before_payment
-- title: Shipped before the order was paid
-- category: payment
-- class: ordering-error
-- severity: urgent
-- responsible: warehouse
-- time_limit: 24h
-- action: Collect the payment or intercept the parcel. Find why the warehouse
--   released an unpaid order.
-- needs: orders.shipped_at, orders.paid_at
-- description: The order was handed to the carrier before it was paid, or it
--   had shipped and was still unpaid at the as-of date.
SELECT order_id, customer_id, seller_id, carrier, tracking_no,
       shipped_at AS detected_at,
       order_amount AS amount_at_risk,
       'Shipped ' || strftime(shipped_at, '%Y-%m-%d %H:%M') || ', '
           || CASE WHEN paid_at IS NOT NULL AND paid_at < $as_of
                   THEN 'paid ' || round(epoch(paid_at - shipped_at) / 3600, 1)
                        || ' h later at ' || strftime(paid_at, '%Y-%m-%d %H:%M')
                   ELSE 'not paid by the as-of date' END AS evidence
FROM orders
WHERE shipped_at < $as_of
  AND (paid_at IS NULL OR paid_at >= $as_of OR paid_at > shipped_at)

-- id: cancelled_not_refunded
-- title: Cancelled but not refunded within the time limit
-- category: cancellation
-- class: ordering-error
-- severity: important
-- responsible: finance
-- time_limit: 1bd
-- action: Refund the customer now and tell them; find why the cancellation did
--   not trigger the refund.
-- needs: refunds.amount
-- param max_days: 3  days from cancellation to a full refund of what was paid
-- description: A cancelled order that was paid had not been refunded in full
--   within the time limit after the cancellation (as of the as-of date).
SELECT c.order_id, c.customer_id, c.seller_id,
       c.cancelled_known_at + to_days(CAST($max_days AS INTEGER)) AS detected_at,
       c.paid_amount - coalesce(r.refunded_amount, 0) AS amount_at_risk,
       'Cancelled ' || strftime(c.cancelled_known_at, '%Y-%m-%d')
           || ', paid ' || CAST(c.paid_amount AS VARCHAR) || ', refunded '
           || CAST(coalesce(r.refunded_amount, 0) AS VARCHAR) || ' within '
           || $max_days || ' day(s)' AS evidence
FROM cancelled_orders c
LEFT JOIN (
    SELECT r.order_id, sum(r.amount) AS refunded_amount
    FROM refunds r JOIN cancelled_orders c2 USING (order_id)
    WHERE coalesce(r.refunded_at, r.approved_at, r.requested_at)
          <= c2.cancelled_known_at + to_days(CAST($max_days AS INTEGER))
    GROUP BY r.order_id
) r USING (order_id)
WHERE c.paid_amount > 0
  AND coalesce(r.refunded_amount, 0) < c.paid_amount
  AND c.cancelled_known_at + to_days(CAST($max_days AS INTEGER)) < $as_of

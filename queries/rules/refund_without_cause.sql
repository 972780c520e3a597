-- id: refund_without_cause
-- title: Refund with no cancellation, return or complaint behind it
-- category: refund
-- class: ordering-error
-- severity: important
-- responsible: finance
-- time_limit: 2bd
-- action: Ask who approved the refund and on what grounds. Recover it if there
--   were none.
-- needs: refunds.amount, complaints.created_at
-- param grace_hours: 24  hours after the refund request within which its cause may be recorded
-- description: Nothing on record explains the refund by the end of the grace
--   period after its request. The order was not cancelled, no parcel came
--   back (a returned carrier event), the customer made no complaint about the
--   order, and the order was not overpaid.
WITH timed AS (
    SELECT refund_id, order_id, amount,
           coalesce(requested_at, approved_at, refunded_at) AS started_at,
           coalesce(requested_at, approved_at, refunded_at)
               + to_hours(CAST($grace_hours AS BIGINT)) AS cause_by
    FROM refunds
)
SELECT r.refund_id, r.order_id, o.customer_id, o.seller_id,
       r.cause_by AS detected_at,
       r.amount AS amount_at_risk,
       'Refund of ' || CAST(r.amount AS VARCHAR) || ' requested '
           || strftime(r.started_at, '%Y-%m-%d %H:%M')
           || ' with no cancellation, return, complaint or overpayment on the order'
           AS evidence
FROM timed r
LEFT JOIN orders o USING (order_id)
WHERE r.cause_by < $as_of
  AND NOT EXISTS (
      SELECT 1 FROM cancelled_orders c
      WHERE c.order_id = r.order_id
        AND coalesce(c.cancel_requested_at, c.cancelled_known_at) <= r.cause_by)
  AND NOT EXISTS (
      SELECT 1 FROM order_events e
      WHERE e.order_id = r.order_id AND e.event_code = 'returned'
        AND e.event_at <= r.cause_by)
  AND NOT EXISTS (
      SELECT 1 FROM complaints c
      WHERE c.order_id = r.order_id AND c.created_at <= r.cause_by)
  AND NOT coalesce(o.paid_amount > o.order_amount, false)

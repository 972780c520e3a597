-- id: refund_late
-- title: Refund paid later than its time limit
-- category: refund
-- class: ordering-error
-- severity: important
-- responsible: finance
-- time_limit: 1bd
-- action: Pay the refund now and tell the customer. Find where the refund was
--   held up.
-- needs: refunds.requested_at, refunds.refunded_at
-- param max_hours: 72  hours from the refund request (else its approval) to the payment
-- description: The refund was paid after the time limit, or was still unpaid
--   when the limit ran out before the as-of date.
WITH timed AS (
    SELECT r.*, coalesce(r.requested_at, r.approved_at) AS started_at,
           coalesce(r.requested_at, r.approved_at)
               + to_hours(CAST($max_hours AS BIGINT)) AS due_at
    FROM refunds r
)
SELECT t.refund_id, t.order_id, o.customer_id, o.seller_id,
       t.due_at AS detected_at,
       t.amount AS amount_at_risk,
       'Refund of ' || CAST(t.amount AS VARCHAR) || ' requested '
           || strftime(t.started_at, '%Y-%m-%d %H:%M') || ', '
           || CASE WHEN t.refunded_at IS NOT NULL AND t.refunded_at < $as_of
                   THEN 'paid after '
                        || round(epoch(t.refunded_at - t.started_at) / 3600, 1) || ' h'
                   ELSE 'not paid by the as-of date' END
           || ' (limit ' || $max_hours || ' h)' AS evidence
FROM timed t
LEFT JOIN orders o USING (order_id)
WHERE t.started_at IS NOT NULL
  AND t.due_at < $as_of
  AND (t.refunded_at IS NULL OR t.refunded_at > t.due_at)

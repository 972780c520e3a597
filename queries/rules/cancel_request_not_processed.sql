-- id: cancel_request_not_processed
-- title: Cancellation request not processed in time
-- category: cancellation
-- class: flexible-handling
-- severity: important
-- responsible: customer_service
-- time_limit: 24h
-- action: Process the cancellation now, intercepting the parcel if it has
--   shipped, and refund the customer.
-- needs: orders.cancel_requested_at
-- param max_hours: 24  hours from a cancellation request to its processing
-- description: The customer asked to cancel the order and the cancellation had
--   not been processed when the time limit ran out. An order whose status is
--   cancelled but which has no cancellation time counts as processed.
SELECT o.order_id, o.customer_id, o.seller_id, o.carrier, o.tracking_no,
       o.cancel_requested_at + to_hours(CAST($max_hours AS BIGINT)) AS detected_at,
       coalesce(o.paid_amount, o.order_amount) AS amount_at_risk,
       'Cancellation requested ' || strftime(o.cancel_requested_at, '%Y-%m-%d %H:%M')
           || ', ' || CASE WHEN o.cancelled_at IS NOT NULL AND o.cancelled_at < $as_of
                           THEN 'processed after '
                                || round(epoch(o.cancelled_at - o.cancel_requested_at)
                                         / 3600, 1) || ' h'
                           ELSE 'not processed by the as-of date' END
           || ' (limit ' || $max_hours || ' h)' AS evidence
FROM orders o
WHERE o.cancel_requested_at IS NOT NULL
  AND o.cancel_requested_at + to_hours(CAST($max_hours AS BIGINT)) < $as_of
  AND (o.cancelled_at > o.cancel_requested_at + to_hours(CAST($max_hours AS BIGINT))
       OR (o.cancelled_at IS NULL
           AND o.order_id NOT IN (SELECT order_id FROM cancelled_orders)))

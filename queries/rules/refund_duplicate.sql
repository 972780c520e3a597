-- id: refund_duplicate
-- title: Duplicate refund
-- category: refund
-- class: ordering-error
-- severity: urgent
-- responsible: finance
-- time_limit: 1bd
-- action: Stop or recover the duplicate refund. Check how the same refund was
--   entered twice.
-- needs: refunds.amount
-- param window_days: 30  days after a refund within which an equal refund is a duplicate
-- description: The order received another refund of the same amount within the
--   window after an earlier one. The later refund is the exception, while
--   partial refunds of different amounts are not.
WITH timed AS (
    SELECT refund_id, order_id, amount,
           coalesce(refunded_at, approved_at, requested_at) AS refund_at
    FROM refunds
    WHERE coalesce(refunded_at, approved_at, requested_at) < $as_of
)
SELECT later.refund_id, later.order_id, o.customer_id, o.seller_id,
       later.refund_at AS detected_at,
       later.amount AS amount_at_risk,
       'Refund ' || later.refund_id || ' of ' || CAST(later.amount AS VARCHAR)
           || ' repeats refund ' || earlier.refund_id || ' of '
           || strftime(earlier.refund_at, '%Y-%m-%d %H:%M') AS evidence
FROM timed later
JOIN timed earlier
    ON earlier.order_id = later.order_id
   AND earlier.amount = later.amount
   AND earlier.refund_id <> later.refund_id
   AND (earlier.refund_at < later.refund_at
        OR (earlier.refund_at = later.refund_at
            AND earlier.refund_id < later.refund_id))
   AND later.refund_at <= earlier.refund_at + to_days(CAST($window_days AS INTEGER))
LEFT JOIN orders o ON o.order_id = later.order_id
QUALIFY row_number() OVER (
    PARTITION BY later.refund_id ORDER BY earlier.refund_at DESC, earlier.refund_id
) = 1

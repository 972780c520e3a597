-- id: refund_lines
-- title: Refunds that the refund check counts
-- description: One row per refund, from the refunds export when it has any row.
--   Otherwise each order with a non-zero refunded_amount on the orders export
--   is one refund, dated by its refunded_at, with no reason or method. A refund
--   is dated by refunded_at, else approved_at, else requested_at, and falls in
--   the month of that date. Reason and method are compared in lower case
--   without surrounding spaces, because Excel's SUMIFS ignores case, and an
--   empty one reads '(none given)'. The responsible party is that of the
--   reason in refund_reason_parties, else that of the category of the order's
--   first complaint, else that of the reason 'cancelled' when the order was
--   cancelled, else 'unassigned'. party_from names the one that applied:
--   reason, complaint, cancellation or none.
WITH from_refunds AS (
    SELECT refund_id, order_id, 'refunds export' AS source,
           requested_at, approved_at, refunded_at,
           coalesce(refunded_at, approved_at, requested_at) AS refund_at,
           amount, reason, method
    FROM refunds
),
from_orders AS (
    SELECT CAST(NULL AS VARCHAR) AS refund_id, order_id, 'orders export' AS source,
           CAST(NULL AS TIMESTAMP) AS requested_at,
           CAST(NULL AS TIMESTAMP) AS approved_at,
           refunded_at, refunded_at AS refund_at, refunded_amount AS amount,
           CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS VARCHAR) AS method
    FROM orders
    WHERE refunded_amount <> 0
      AND NOT EXISTS (SELECT 1 FROM refunds)
),
lines AS (
    SELECT * FROM from_refunds
    UNION ALL
    SELECT * FROM from_orders
),
first_complaint AS (
    SELECT order_id,
           arg_min(lower(trim(category)), (created_at, complaint_id)) AS category
    FROM complaints
    WHERE order_id IS NOT NULL AND nullif(trim(category), '') IS NOT NULL
    GROUP BY order_id
),
found AS (
    SELECT l.*,
           by_reason.responsible_party AS reason_party,
           by_complaint.responsible_party AS complaint_party,
           l.order_id IN (SELECT order_id FROM cancelled_orders) AS cancelled,
           (SELECT responsible_party FROM refund_reason_parties
            WHERE reason = 'cancelled') AS cancellation_party
    FROM lines l
    LEFT JOIN refund_reason_parties by_reason
        ON by_reason.reason = lower(trim(l.reason))
    LEFT JOIN first_complaint c ON c.order_id = l.order_id
    LEFT JOIN refund_reason_parties by_complaint ON by_complaint.reason = c.category
)
SELECT refund_id, order_id, source,
       CASE WHEN refunded_at IS NOT NULL THEN 'paid'
            WHEN approved_at IS NOT NULL THEN 'approved'
            WHEN requested_at IS NOT NULL THEN 'requested'
            ELSE 'undated' END AS status,
       requested_at, approved_at, refunded_at, refund_at,
       CAST(date_trunc('month', refund_at) AS DATE) AS month,
       amount,
       coalesce(nullif(lower(trim(reason)), ''), '(none given)') AS reason,
       coalesce(nullif(lower(trim(method)), ''), '(none given)') AS method,
       CASE WHEN reason_party IS NOT NULL THEN reason_party
            WHEN complaint_party IS NOT NULL THEN complaint_party
            WHEN cancelled AND cancellation_party IS NOT NULL THEN cancellation_party
            ELSE 'unassigned' END AS responsible_party,
       CASE WHEN reason_party IS NOT NULL THEN 'reason'
            WHEN complaint_party IS NOT NULL THEN 'complaint'
            WHEN cancelled AND cancellation_party IS NOT NULL THEN 'cancellation'
            ELSE 'none' END AS party_from
FROM found

-- id: Reconciliation
-- title: Refunds reconciled between exports
-- description: Per order, the total of the refunds export against the
--   refunded_amount of the orders export (compared_with 'orders'), and against
--   the compensation recorded on the order's complaints (compared_with
--   'complaints'). The second comparison covers the orders that have a
--   complaint and counts every refund of such an order. Each side is the
--   order's total over the whole export, not only the period, because
--   refunded_amount is a running total. An order is listed when a record on
--   either side is dated in the period, or when no record on either side has a
--   date. status is 'matched' when the sides differ by at most $tolerance,
--   'differing' when they differ by more, and 'refunds_only', 'orders_only' or
--   'complaints_only' when one side has no amount. A refunded_amount or a
--   compensation of zero counts as none. difference is the refunds side minus
--   the other side. $compare_orders and $compare_complaints turn a comparison
--   off when one of its exports records nothing at all.
WITH refund_side AS (
    SELECT order_id, count(*) AS refunds, sum(amount) AS amount,
           string_agg(refund_id, ', ' ORDER BY refund_id) AS refund_ids,
           bool_or(refund_at >= $period_start AND refund_at < $period_end)
               AS in_period,
           bool_and(refund_at IS NULL) AS undated
    FROM (
        SELECT order_id, refund_id, amount,
               coalesce(refunded_at, approved_at, requested_at) AS refund_at
        FROM refunds
    )
    GROUP BY order_id
),
order_side AS (
    SELECT order_id, refunded_amount AS amount,
           coalesce(refunded_at >= $period_start AND refunded_at < $period_end, false)
               AS in_period,
           refunded_at IS NULL AS undated
    FROM orders
    WHERE refunded_amount <> 0
),
compensated AS (
    SELECT order_id, complaint_id, compensation_amount, created_at
    FROM complaints
    WHERE order_id IS NOT NULL AND compensation_amount <> 0
),
complaint_side AS (
    SELECT order_id,
           sum(compensation_amount) AS amount,
           string_agg(complaint_id, ', ' ORDER BY complaint_id) AS complaint_ids,
           bool_or(created_at >= $period_start AND created_at < $period_end)
               AS in_period
    FROM compensated
    GROUP BY order_id
),
complained AS (
    SELECT DISTINCT order_id FROM complaints WHERE order_id IS NOT NULL
),
against_orders AS (
    SELECT order_id, 'orders' AS compared_with,
           r.refunds, r.amount AS refunds_amount, o.amount AS other_amount,
           r.refund_ids, CAST(NULL AS VARCHAR) AS complaint_ids,
           coalesce(r.in_period, false) OR coalesce(o.in_period, false) AS in_period,
           coalesce(r.undated, true) AND coalesce(o.undated, true) AS undated
    FROM refund_side r
    FULL JOIN order_side o USING (order_id)
    WHERE $compare_orders
),
against_complaints AS (
    SELECT order_id, 'complaints' AS compared_with,
           r.refunds, r.amount AS refunds_amount, c.amount AS other_amount,
           r.refund_ids, c.complaint_ids,
           coalesce(r.in_period, false) OR coalesce(c.in_period, false) AS in_period,
           -- Complaints always carry created_at, so only the refunds can be undated.
           coalesce(r.undated, true) AND c.amount IS NULL AS undated
    FROM complained
    LEFT JOIN complaint_side c USING (order_id)
    LEFT JOIN refund_side r USING (order_id)
    WHERE $compare_complaints AND (c.amount IS NOT NULL OR r.amount IS NOT NULL)
),
compared AS (
    SELECT * FROM against_orders
    UNION ALL
    SELECT * FROM against_complaints
),
graded AS (
    SELECT *,
           CASE WHEN refunds_amount IS NULL THEN compared_with || '_only'
                WHEN other_amount IS NULL THEN 'refunds_only'
                WHEN abs(refunds_amount - other_amount) <= $tolerance THEN 'matched'
                ELSE 'differing' END AS status,
           coalesce(refunds_amount, 0) - coalesce(other_amount, 0) AS difference
    FROM compared
    WHERE in_period OR undated
)
SELECT order_id, compared_with, status,
       coalesce(refunds, 0) AS refunds,
       CAST(refunds_amount AS DECIMAL(18, 2)) AS refunds_amount,
       CAST(other_amount AS DECIMAL(18, 2)) AS other_amount,
       CAST(difference AS DECIMAL(18, 2)) AS difference,
       refund_ids, complaint_ids
FROM graded
ORDER BY compared_with DESC,
         list_position(['differing', 'refunds_only', 'orders_only',
                        'complaints_only', 'matched'], status),
         abs(difference) DESC, order_id

-- Reviews scored 1 or 2 are the complaints. The answer to the review is the
-- first response; Olist records no resolution time. A review id that Olist
-- reused for several orders is made unique by adding the order id. The score
-- is not passed on as a satisfaction score: it is what made the review a
-- complaint, so a low-satisfaction rule would only repeat every complaint.
SELECT CASE WHEN count(*) OVER (PARTITION BY r.review_id) > 1
            THEN r.review_id || '/' || r.order_id ELSE r.review_id END AS complaint_id,
       r.order_id,
       coalesce(c.customer_unique_id, o.customer_id) AS customer_id,
       r.review_creation_date AS created_at,
       'review' AS channel,
       'low_rating' AS category,
       r.review_answer_timestamp AS first_response_at,
       CAST(NULL AS TIMESTAMP) AS resolved_at,
       CAST(NULL AS VARCHAR) AS status,
       CAST(NULL AS DECIMAL(18,2)) AS compensation_amount,
       CAST(NULL AS BIGINT) AS satisfaction_score,
       nullif(concat_ws(' ', r.review_comment_title, r.review_comment_message), '') AS text
FROM in_olist_reviews r
LEFT JOIN in_olist_orders o USING (order_id)
LEFT JOIN in_olist_customers c ON c.customer_id = o.customer_id
WHERE r.review_score <= 2

-- id: shipping_info_missing
-- title: Shipping address missing or invalid
-- category: creation
-- class: ordering-error
-- severity: important
-- responsible: customer_service
-- time_limit: 24h
-- action: Contact the customer for a complete address before the order ships.
--   Hold the order until it is confirmed.
-- needs: orders.ship_address_key
-- param min_address_length: 6  fewest characters in an address that can be valid
-- param placeholders: ["unknown", "n/a", "na", "none", "null", "-", "test", "tbd"]  addresses meaning none
-- description: The order has no shipping address, an address shorter than the
--   minimum or a placeholder such as "unknown", or no region when the export
--   records regions for other orders.
WITH region_recorded AS (
    SELECT count(ship_region) > 0 AS recorded FROM orders
)
SELECT o.order_id, o.customer_id, o.seller_id,
       o.created_at AS detected_at,
       o.order_amount AS amount_at_risk,
       CASE
           WHEN o.ship_address_key IS NULL THEN 'No shipping address'
           WHEN list_contains($placeholders, lower(trim(o.ship_address_key)))
               THEN 'Shipping address is the placeholder '''
                    || o.ship_address_key || ''''
           WHEN length(trim(o.ship_address_key)) < CAST($min_address_length AS INTEGER)
               THEN 'Shipping address ''' || o.ship_address_key || ''' has '
                    || length(trim(o.ship_address_key)) || ' character(s), fewer than '
                    || $min_address_length
           ELSE 'No shipping region'
       END AS evidence
FROM orders o, region_recorded r
WHERE o.created_at < $as_of
  AND (o.ship_address_key IS NULL
       OR list_contains($placeholders, lower(trim(o.ship_address_key)))
       OR length(trim(o.ship_address_key)) < CAST($min_address_length AS INTEGER)
       OR (o.ship_region IS NULL AND r.recorded))

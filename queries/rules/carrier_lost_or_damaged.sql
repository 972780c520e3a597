-- id: carrier_lost_or_damaged
-- title: Carrier reported the parcel lost or damaged
-- category: fulfilment
-- class: quality
-- severity: urgent
-- responsible: carrier
-- time_limit: 24h
-- action: Reship or refund the customer at once; file a claim with the
--   carrier and review its record.
-- needs: carrier_events.event_code
-- description: A carrier event for the order's parcel says it was lost or
--   damaged; the first such event is the evidence.
SELECT e.order_id, e.tracking_no, e.carrier, o.customer_id, o.seller_id,
       min(e.event_at) AS detected_at,
       any_value(o.order_amount) AS amount_at_risk,
       -- Events at the same moment are ordered by their code and place,
       -- so a rerun names the same one.
       'Carrier reported '
           || arg_min(e.event_code, (e.event_at, e.event_code, coalesce(e.location, '')))
           || ' on ' || strftime(min(e.event_at), '%Y-%m-%d %H:%M')
           || coalesce(' at ' || arg_min(e.location, (e.event_at, e.event_code,
                                                      coalesce(e.location, ''))), '')
           AS evidence
FROM order_events e
LEFT JOIN orders o USING (order_id)
WHERE e.event_code IN ('lost', 'damaged') AND e.order_id IS NOT NULL
GROUP BY e.order_id, e.tracking_no, e.carrier, o.customer_id, o.seller_id

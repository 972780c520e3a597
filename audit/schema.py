"""The canonical tables: columns, types and which columns are required."""

from __future__ import annotations

from dataclasses import dataclass

# Column types as the validation step understands them.
ID, TEXT, TIMESTAMP, MONEY, INTEGER, BOOLEAN = (
    "id", "text", "timestamp", "money", "integer", "boolean",
)
SQL_TYPES = {
    ID: "VARCHAR",
    TEXT: "VARCHAR",
    TIMESTAMP: "TIMESTAMP",
    MONEY: "DECIMAL(18,2)",
    INTEGER: "BIGINT",
    BOOLEAN: "BOOLEAN",
}

EVENT_CODES = [
    "picked_up", "in_transit", "out_for_delivery", "delivery_failed",
    "exception", "damaged", "lost", "returned", "delivered",
]


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    required: bool = False
    unique: bool = False
    allowed: tuple[str, ...] | None = None


def _columns(*specs: tuple) -> tuple[ColumnSpec, ...]:
    return tuple(ColumnSpec(*spec) for spec in specs)


CANONICAL: dict[str, tuple[ColumnSpec, ...]] = {
    "orders": _columns(
        ("order_id", ID, True, True),
        ("customer_id", ID),
        ("created_at", TIMESTAMP, True),
        ("paid_at", TIMESTAMP),
        ("order_status", TEXT),
        ("order_amount", MONEY),
        ("paid_amount", MONEY),
        ("currency", TEXT),
        ("promised_ship_by", TIMESTAMP),
        ("promised_delivery_by", TIMESTAMP),
        ("shipped_at", TIMESTAMP),
        ("delivered_at", TIMESTAMP),
        ("cancel_requested_at", TIMESTAMP),
        ("cancelled_at", TIMESTAMP),
        ("carrier", TEXT),
        ("tracking_no", ID),
        ("seller_id", ID),
        ("warehouse_id", ID),
        ("ship_region", TEXT),
        ("ship_address_key", TEXT),
        ("is_key_order", BOOLEAN),
        ("refunded_amount", MONEY),
        ("refunded_at", TIMESTAMP),
    ),
    "order_lines": _columns(
        ("order_id", ID, True),
        ("line_no", INTEGER),
        ("sku", ID),
        ("quantity", INTEGER),
        ("unit_price", MONEY),
        ("seller_id", ID),
        ("ship_by", TIMESTAMP),
    ),
    "carrier_events": _columns(
        ("tracking_no", ID),
        ("order_id", ID),
        ("carrier", TEXT),
        ("event_at", TIMESTAMP, True),
        ("event_code", TEXT, True, False, tuple(EVENT_CODES)),
        ("location", TEXT),
        ("detail", TEXT),
    ),
    "complaints": _columns(
        ("complaint_id", ID, True, True),
        ("order_id", ID),
        ("customer_id", ID),
        ("created_at", TIMESTAMP, True),
        ("channel", TEXT),
        ("category", TEXT),
        ("first_response_at", TIMESTAMP),
        ("resolved_at", TIMESTAMP),
        ("status", TEXT),
        ("compensation_amount", MONEY),
        ("satisfaction_score", INTEGER),
        ("text", TEXT),
    ),
    "refunds": _columns(
        ("refund_id", ID, True, True),
        ("order_id", ID, True),
        ("requested_at", TIMESTAMP),
        ("approved_at", TIMESTAMP),
        ("refunded_at", TIMESTAMP),
        ("amount", MONEY, True),
        ("reason", TEXT),
        ("method", TEXT),
    ),
    "disruptions": _columns(
        ("disruption_id", ID),
        ("starts_at", TIMESTAMP, True),
        ("ends_at", TIMESTAMP, True),
        ("region", TEXT),
        ("kind", TEXT),
    ),
}

# Canonical tables a run can do without; the rules that need them are skipped.
OPTIONAL_TABLES = {"order_lines", "carrier_events", "complaints", "refunds", "disruptions"}

# carrier_events must name a parcel: the tracking number or the order.
ONE_OF_REQUIRED = {"carrier_events": ("tracking_no", "order_id")}

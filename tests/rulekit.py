"""Run one rule on a few rows in an in-memory DuckDB, as the pipeline would.

The canonical tables are created empty from ``audit.schema``, the rows given
as dicts are inserted, the shared views are created, and the rule runs with
its header's default parameters (overridable) into ``rule_hits``. The hits
returned are those the register keeps: detected before the as-of moment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb

from audit.rules import RULE_HITS_DDL, bind_parameters, parse_rule, run_rule
from audit.schema import CANONICAL, SQL_TYPES

REPOSITORY = Path(__file__).resolve().parent.parent
RULES_DIR = REPOSITORY / "queries" / "rules"
VIEWS_DIR = REPOSITORY / "queries" / "views"

# The end of the as-of day 2026-03-31, and a period covering the quarter.
AS_OF = dt.datetime(2026, 4, 1)
PERIOD_START = dt.datetime(2026, 1, 1)


def at(text: str) -> dt.datetime:
    """Parse 'YYYY-MM-DD HH:MM' (or with seconds) into a datetime."""
    return dt.datetime.fromisoformat(text)


def rule_ids() -> list[str]:
    return sorted(path.stem for path in RULES_DIR.glob("*.sql"))


def create_tables(tables: dict[str, list[dict]]) -> duckdb.DuckDBPyConnection:
    """Create every canonical table and the shared views, then insert ``tables``."""
    con = duckdb.connect()
    for table, columns in CANONICAL.items():
        definition = ", ".join(f'"{c.name}" {SQL_TYPES[c.type]}' for c in columns)
        con.execute(f'CREATE TABLE "{table}" ({definition})')
    for table, rows in tables.items():
        _insert(con, table, rows)
    for path in sorted(VIEWS_DIR.glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
    return con


def _insert(con, table: str, rows: list[dict]) -> None:
    known = {column.name for column in CANONICAL[table]}
    for row in rows:
        unknown = set(row) - known
        if unknown:
            raise ValueError(f"{table} has no column(s) {', '.join(sorted(unknown))}")
        names = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join("?" for _ in row)
        con.execute(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})', list(row.values())
        )


def run(
    rule_id: str,
    tables: dict[str, list[dict]],
    params: dict | None = None,
    as_of: dt.datetime = AS_OF,
    period_start: dt.datetime = PERIOD_START,
    period_end: dt.datetime | None = None,
) -> list[dict]:
    """Run the rule ``rule_id`` on ``tables``; return the hits the register keeps."""
    rule = parse_rule(RULES_DIR / f"{rule_id}.sql")
    con = create_tables(tables)
    con.execute(RULE_HITS_DDL)
    global_values = {
        "as_of": as_of,
        "period_start": period_start,
        "period_end": period_end or as_of,
    }
    run_rule(con, rule, bind_parameters(rule, params or {}, global_values))
    cursor = con.execute(
        "SELECT * FROM rule_hits WHERE detected_at IS NULL OR detected_at < ? "
        "ORDER BY detected_at",
        [as_of],
    )
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def order(order_id: str, created: str = "2026-03-02 10:00", **overrides) -> dict:
    """Return an orders row that no rule flags: paid, shipped and delivered on time.

    The order is paid 5 minutes after creation, must ship within 48 hours and
    ships after 20, is promised for 5 days after creation and is delivered
    after 3. ``overrides`` replace any column, None included.
    """
    created_at = at(created)
    row = {
        "order_id": order_id,
        "customer_id": f"C-{order_id}",
        "created_at": created_at,
        "paid_at": created_at + dt.timedelta(minutes=5),
        "order_status": "delivered",
        "order_amount": Decimal("100.00"),
        "paid_amount": Decimal("100.00"),
        "currency": "CNY",
        "promised_ship_by": created_at + dt.timedelta(hours=48),
        "promised_delivery_by": created_at + dt.timedelta(days=5),
        "shipped_at": created_at + dt.timedelta(hours=20),
        "delivered_at": created_at + dt.timedelta(days=3),
        "carrier": "SF Express",
        "tracking_no": f"SF{order_id}",
        "seller_id": "S1",
        "warehouse_id": "W1",
        "ship_region": "Zhejiang",
        "ship_address_key": f"ADDR-{order_id}",
        "is_key_order": False,
    }
    row.update(overrides)
    return row


def scans(row: dict, *codes: str) -> list[dict]:
    """Return carrier events for an orders row: pick-up when shipped, then delivery.

    With ``codes`` given, those events are returned instead, one hour apart
    from the shipment on.
    """
    base = {
        "order_id": row["order_id"],
        "tracking_no": row["tracking_no"],
        "carrier": row["carrier"],
    }
    if not codes:
        return [
            {**base, "event_at": row["shipped_at"], "event_code": "picked_up"},
            {**base, "event_at": row["delivered_at"], "event_code": "delivered"},
        ]
    return [
        {
            **base,
            "event_at": row["shipped_at"] + dt.timedelta(hours=hour),
            "event_code": code,
        }
        for hour, code in enumerate(codes)
    ]


def complaint(
    complaint_id: str, order_id: str | None, created: str, **overrides
) -> dict:
    """Return a complaints row with a first response at 2 hours, resolved at 2 days."""
    created_at = at(created)
    row = {
        "complaint_id": complaint_id,
        "order_id": order_id,
        "customer_id": None,
        "created_at": created_at,
        "channel": "chat",
        "category": "quality",
        "first_response_at": created_at + dt.timedelta(hours=2),
        "resolved_at": created_at + dt.timedelta(days=2),
        "status": "resolved",
        "compensation_amount": None,
        "satisfaction_score": 4,
        "text": None,
    }
    row.update(overrides)
    return row


def refund(refund_id: str, order_id: str, requested: str, **overrides) -> dict:
    """Return a refunds row of 100.00 approved after 1 hour and paid after 1 day."""
    requested_at = at(requested)
    row = {
        "refund_id": refund_id,
        "order_id": order_id,
        "requested_at": requested_at,
        "approved_at": requested_at + dt.timedelta(hours=1),
        "refunded_at": requested_at + dt.timedelta(days=1),
        "amount": Decimal("100.00"),
        "reason": None,
        "method": "original",
    }
    row.update(overrides)
    return row

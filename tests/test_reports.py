"""Review pack statistics, checked against values worked out by hand.

The data below is one small shop: March 2024 is the period, February 2024 the
previous one. The comments next to the rows give the facts each check relies on.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from audit.errors import AuditError
from audit.reports import (
    REPORT_COLUMNS,
    compute_reports,
    load_reports,
    parse_report,
    run_report,
)
from audit.schema import CANONICAL, SQL_TYPES

REGISTER_COLUMNS = {
    "exception_id": "VARCHAR", "rule_id": "VARCHAR", "rule_title": "VARCHAR",
    "category": "VARCHAR", "exception_class": "VARCHAR", "severity": "VARCHAR",
    "responsible_party": "VARCHAR", "order_id": "VARCHAR", "customer_id": "VARCHAR",
    "carrier": "VARCHAR", "seller_id": "VARCHAR", "complaint_id": "VARCHAR",
    "refund_id": "VARCHAR", "sku": "VARCHAR", "tracking_no": "VARCHAR",
    "evidence": "VARCHAR", "amount_at_risk": "DECIMAL(18,2)",
    "detected_at": "TIMESTAMP", "due_by": "TIMESTAMP", "overdue": "BOOLEAN",
    "age_days": "INTEGER", "suggested_action": "VARCHAR", "force_majeure": "BOOLEAN",
    "owner": "VARCHAR", "status": "VARCHAR", "root_cause": "VARCHAR",
    "corrective_action": "VARCHAR", "target_date": "DATE", "notes": "VARCHAR",
}

MARCH = {
    "period_start": dt.datetime(2024, 3, 1),
    "period_end": dt.datetime(2024, 4, 1),
    "prev_start": dt.datetime(2024, 2, 1),
    "prev_end": dt.datetime(2024, 3, 1),
    "as_of": dt.datetime(2024, 3, 31, 23, 59, 59),
}
MARCH_ALONE = MARCH | {"prev_start": None, "prev_end": None}

NO_PREVIOUS = "no comparison: the inputs do not cover the previous period"
NO_STATUS = "no comparison: the register keeps no status for the previous period"

ORDERS = [
    # March orders O1-O5; O6, P1 and P2 are February's; Q1 is January's but
    # ships in March. Seller S3 sells on O1 and S2 on O4 through order lines.
    {"order_id": "O1", "customer_id": "C1", "created_at": "2024-03-02 10:00",
     "seller_id": "S1", "carrier": "SF", "tracking_no": "T1",
     "promised_ship_by": "2024-03-03 12:00", "shipped_at": "2024-03-03 10:00",
     "promised_delivery_by": "2024-03-05 18:00", "delivered_at": "2024-03-05 20:00"},
    {"order_id": "O2", "customer_id": "C2", "created_at": "2024-03-04 09:00",
     "seller_id": "S1", "carrier": "SF", "tracking_no": "T2",
     "promised_ship_by": "2024-03-05 12:00", "shipped_at": "2024-03-06 09:00",
     "promised_delivery_by": "2024-03-07 18:00", "delivered_at": "2024-03-09 09:00"},
    {"order_id": "O3", "customer_id": "C3", "created_at": "2024-03-10 11:00",
     "seller_id": "S2", "carrier": "ZTO", "tracking_no": "T3",
     "promised_ship_by": "2024-03-11 12:00", "shipped_at": "2024-03-11 08:00",
     "delivered_at": "2024-03-13 10:00"},
    {"order_id": "O4", "customer_id": "C1", "created_at": "2024-03-15 10:00",
     "carrier": "ZTO", "tracking_no": "T4", "shipped_at": "2024-03-16 10:00",
     "promised_delivery_by": "2024-03-18 18:00", "delivered_at": "2024-03-18 10:00"},
    {"order_id": "O5", "customer_id": "C4", "created_at": "2024-03-20 10:00",
     "seller_id": "S1"},
    {"order_id": "O6", "customer_id": "C2", "created_at": "2024-02-25 10:00",
     "seller_id": "S1", "carrier": "SF", "tracking_no": "T6",
     "promised_ship_by": "2024-02-28 12:00", "shipped_at": "2024-03-01 09:00",
     "promised_delivery_by": "2024-03-02 18:00", "delivered_at": "2024-03-05 09:00"},
    {"order_id": "P1", "customer_id": "C5", "created_at": "2024-02-10 10:00",
     "seller_id": "S2", "carrier": "ZTO", "tracking_no": "T7",
     "promised_ship_by": "2024-02-12 12:00", "shipped_at": "2024-02-11 10:00",
     "promised_delivery_by": "2024-02-14 18:00", "delivered_at": "2024-02-14 10:00"},
    {"order_id": "P2", "customer_id": "C6", "created_at": "2024-02-12 10:00",
     "seller_id": "S1"},
    {"order_id": "Q1", "customer_id": "C7", "created_at": "2024-01-20 10:00",
     "tracking_no": "T9", "shipped_at": "2024-03-01 12:00"},
]
ORDER_LINES = [
    {"order_id": "O1", "line_no": 1, "sku": "A", "seller_id": "S1"},
    {"order_id": "O1", "line_no": 2, "sku": "B", "seller_id": "S3"},
    {"order_id": "O4", "line_no": 1, "sku": "C", "seller_id": "S2"},
]
CARRIER_EVENTS = [
    # O3's parcel is lost (named by tracking number), O4's damaged (by order).
    {"tracking_no": "T3", "carrier": "ZTO", "event_at": "2024-03-12 10:00",
     "event_code": "lost"},
    {"order_id": "O4", "carrier": "ZTO", "event_at": "2024-03-17 10:00",
     "event_code": "in_transit"},
    {"order_id": "O4", "carrier": "ZTO", "event_at": "2024-03-17 12:00",
     "event_code": "damaged"},
    # Q1 has no carrier in orders, so its carrier comes from this event.
    {"order_id": "Q1", "carrier": "YTO", "event_at": "2024-03-01 15:00",
     "event_code": "in_transit"},
]
REFUNDS = [
    {"refund_id": "R1", "order_id": "O2", "amount": "50.00",
     "refunded_at": "2024-03-10 10:00"},
    {"refund_id": "R2", "order_id": "O2", "amount": "25.50",
     "refunded_at": "2024-03-12 10:00"},
    # Not refunded yet: dated by its request.
    {"refund_id": "R3", "order_id": "O6", "amount": "30.00",
     "requested_at": "2024-03-05 10:00"},
    {"refund_id": "R4", "order_id": "P1", "amount": "10.00",
     "refunded_at": "2024-02-20 10:00"},
]
COMPLAINTS = [
    # The comment after each complaint gives its hours to first response and
    # to resolution, "-" where there is none.
    {"complaint_id": "K1", "order_id": "O1", "customer_id": "C1",
     "created_at": "2024-03-05 09:00", "category": "quality",
     "first_response_at": "2024-03-05 11:00",
     "resolved_at": "2024-03-06 09:00"},  # 2/24
    {"complaint_id": "K2", "order_id": "O2", "customer_id": "C2",
     "created_at": "2024-03-06 10:00", "category": "delivery",
     "first_response_at": "2024-03-06 14:00",
     "resolved_at": "2024-03-08 10:00"},  # 4/48
    # No customer_id: the customer is O4's, C1.
    {"complaint_id": "K3", "order_id": "O4", "created_at": "2024-03-19 08:00",
     "category": "damaged", "first_response_at": "2024-03-19 09:00"},  # 1/-
    {"complaint_id": "K4", "order_id": "O3", "customer_id": "C3",
     "created_at": "2024-03-12 12:00", "category": "delivery",
     "resolved_at": "2024-03-13 00:00"},  # -/12
    # The response precedes the complaint, so it is left out.
    {"complaint_id": "K5", "order_id": "O5", "customer_id": "C4",
     "created_at": "2024-03-21 10:00", "category": "wrong_item",
     "first_response_at": "2024-03-21 09:00",
     "resolved_at": "2024-03-22 10:00"},  # -/24
    {"complaint_id": "K6", "order_id": "O1", "customer_id": "C1",
     "created_at": "2024-03-25 10:00", "category": "quality",
     "first_response_at": "2024-03-25 13:00"},  # 3/-
    {"complaint_id": "KF", "order_id": "P1", "created_at": "2024-02-15 10:00",
     "category": "quality", "first_response_at": "2024-02-15 16:00",
     "resolved_at": "2024-02-16 16:00"},  # 6/30
    {"complaint_id": "KA", "order_id": "O1", "customer_id": "C1",
     "created_at": "2024-04-02 10:00", "category": "quality"},
]


def _exception(exception_id, rule_id, category, severity, party, order_id,
               seller_id, amount, detected_at, age_days, status):
    return {
        "exception_id": exception_id, "rule_id": rule_id,
        "rule_title": rule_id.replace("_", " ").capitalize(), "category": category,
        "severity": severity, "responsible_party": party, "order_id": order_id,
        "seller_id": seller_id, "amount_at_risk": amount, "detected_at": detected_at,
        "age_days": age_days, "status": status,
    }


REGISTER = [
    # Open ages: E10 0-2 (no age_days: 2 days 12 hours before as_of), E08 3-7,
    # E06 8-14, E01 E02 E04 E05 15-30, E07 over 30. E03 and E09 are closed.
    _exception("E01", "late_shipment", "fulfilment", "important", "seller", "O2",
               "S1", "100.00", "2024-03-06 10:00", 25, "open"),
    _exception("E02", "late_shipment", "fulfilment", "important", "seller", "O6",
               None, "40.00", "2024-03-01 10:00", 30, None),
    _exception("E03", "late_shipment", "fulfilment", "urgent", "seller", "O1",
               "S1", "10.00", "2024-03-03 10:00", 28, "closed"),
    _exception("E04", "late_shipment", "fulfilment", "general", "seller", "O3",
               "S2", "0.00", "2024-03-11 10:00", 20, "open"),
    _exception("E05", "late_shipment", "fulfilment", "general", "warehouse", "O4",
               None, None, "2024-03-16 10:00", 15, "Open"),
    _exception("E06", "duplicate_order", "creation", "general", "customer", "O5",
               "S1", "300.00", "2024-03-20 10:00", 11, "open"),
    _exception("E07", "duplicate_order", "creation", "general", "customer", "O1",
               None, "20.00", "2024-02-29 10:00", 31, "open"),
    _exception("E08", "duplicate_order", "creation", "important", "platform", None,
               "S4", "5.00", "2024-03-24 10:00", 7, "open"),
    _exception("E09", "lost_parcel", "fulfilment", "urgent", "carrier", "O3",
               None, "200.00", "2024-03-12 10:00", 19, "已解决"),
    _exception("E10", "refund_late", "refund", "important", "finance", "O2",
               "S1", "75.50", "2024-03-29 12:00", None, "in progress"),
]
EARLIER_EXCEPTIONS = [
    _exception("F1", "late_shipment", "fulfilment", "general", "seller", "P1",
               "S2", "5.00", "2024-02-10 10:00", 50, "closed"),
    # F2 was reported in two periods: the previous period counts it once.
    _exception("F2", "duplicate_order", "creation", "general", "customer", "P2",
               "S1", "5.00", "2024-02-20 10:00", 40, "open"),
    _exception("F2", "duplicate_order", "creation", "general", "customer", "P2",
               "S1", "5.00", "2024-02-20 10:00", 40, "open"),
    _exception("F3", "lost_parcel", "fulfilment", "urgent", "carrier", "Q1",
               None, "9.00", "2024-01-15 10:00", 70, "closed"),
    _exception("G1", "lost_parcel", "fulfilment", "urgent", "carrier", "O1",
               None, "9.00", "2024-04-02 10:00", 0, "open"),
]


# February's register: F1, F2 (once) and E07, which March's register also lists.
PREVIOUS_REGISTER = [EARLIER_EXCEPTIONS[0], EARLIER_EXCEPTIONS[1],
                     next(row for row in REGISTER if row["exception_id"] == "E07")]


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name, columns in CANONICAL.items():
        definition = ", ".join(f"{c.name} {SQL_TYPES[c.type]}" for c in columns)
        con.execute(f"CREATE TABLE {name} ({definition})")
    definition = ", ".join(f"{name} {kind}" for name, kind in REGISTER_COLUMNS.items())
    con.execute(f"CREATE TABLE register ({definition})")
    con.execute(f"CREATE TABLE register_all ({definition})")
    con.execute(f"CREATE TABLE register_previous ({definition})")


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    for row in rows:
        names = ", ".join(row)
        placeholders = ", ".join("?" for _ in row)
        con.execute(
            f"INSERT INTO {table} ({names}) VALUES ({placeholders})", list(row.values())
        )


def empty_connection() -> duckdb.DuckDBPyConnection:
    """Return an in-memory database with every input table, all empty."""
    con = duckdb.connect()
    _create_tables(con)
    return con


def shop_connection() -> duckdb.DuckDBPyConnection:
    """Return an in-memory database holding the shop described above."""
    con = empty_connection()
    _insert(con, "orders", ORDERS)
    _insert(con, "order_lines", ORDER_LINES)
    _insert(con, "carrier_events", CARRIER_EVENTS)
    _insert(con, "refunds", REFUNDS)
    _insert(con, "complaints", COMPLAINTS)
    _insert(con, "register", REGISTER)
    _insert(con, "register_all", REGISTER + EARLIER_EXCEPTIONS)
    # The previous period's register holds each of February's exceptions once.
    _insert(con, "register_previous", PREVIOUS_REGISTER)
    return con


@pytest.fixture(scope="module")
def march() -> dict:
    return compute_reports(shop_connection(), MARCH)


@pytest.fixture(scope="module")
def march_alone() -> dict:
    return compute_reports(shop_connection(), MARCH_ALONE)


def _by(table, column: str) -> dict:
    return {row[column]: row for row in table.to_pylist()}


def _column(table, column: str) -> list:
    return table.column(column).to_pylist()


def test_compute_reports_columns_match_template(march):
    assert set(march) == set(REPORT_COLUMNS)
    for name, table in march.items():
        assert table.column_names == REPORT_COLUMNS[name], name


def test_report_files_have_headers():
    reports = load_reports()
    assert [report.id for report in reports] == sorted(REPORT_COLUMNS)
    for report in reports:
        assert report.title, report.id
        assert report.description, report.id


def test_headline_counts_and_rates(march):
    rows = _by(march["Headline"], "indicator")
    assert rows["orders"]["value"] == 5
    assert rows["exceptions_per_1000_orders"]["numerator"] == 10
    assert rows["exceptions_per_1000_orders"]["denominator"] == 5
    assert rows["exceptions_per_1000_orders"]["value"] == pytest.approx(2000)
    assert rows["exceptions_per_1000_orders.fulfilment"]["value"] == pytest.approx(1200)
    assert rows["exceptions_per_1000_orders.creation"]["value"] == pytest.approx(600)
    assert rows["exceptions_per_1000_orders.refund"]["value"] == pytest.approx(200)
    assert rows["exceptions_per_1000_orders.payment"]["value"] == 0
    # O1 and O3 shipped on time of O1, O2, O3 and O6; O4 had no promise.
    assert rows["on_time_shipping_rate"]["numerator"] == 2
    assert rows["on_time_shipping_rate"]["denominator"] == 4
    assert rows["on_time_shipping_rate"]["value"] == pytest.approx(0.5)
    # O1 arrived late in the day but on the promised day; O2 and O6 were late.
    assert rows["on_time_delivery_rate"]["numerator"] == 2
    assert rows["on_time_delivery_rate"]["denominator"] == 4
    assert rows["on_time_delivery_rate"]["value"] == pytest.approx(0.5)
    # O3 lost and O4 damaged, of six March shipments (O6 and Q1 included).
    assert rows["lost_damaged_per_1000_shipments"]["numerator"] == 2
    assert rows["lost_damaged_per_1000_shipments"]["denominator"] == 6
    assert rows["lost_damaged_per_1000_shipments"]["value"] == pytest.approx(2000 / 6)


def test_headline_refunds_and_complaints(march):
    rows = _by(march["Headline"], "indicator")
    assert rows["refund_total"]["numerator"] == Decimal("105.50")
    assert rows["refund_total"]["value"] == pytest.approx(105.5)
    assert rows["refund_rate"]["numerator"] == 1
    assert rows["refund_rate"]["denominator"] == 5
    assert rows["refund_rate"]["value"] == pytest.approx(0.2)
    assert rows["complaints_per_1000_orders"]["numerator"] == 6
    assert rows["complaints_per_1000_orders"]["value"] == pytest.approx(1200)
    # Response hours 1, 2, 3, 4; resolution hours 12, 24, 24, 48.
    assert rows["first_response_hours_median"]["denominator"] == 4
    assert rows["first_response_hours_median"]["value"] == pytest.approx(2.5)
    assert rows["first_response_hours_p90"]["value"] == pytest.approx(3.7)
    assert rows["resolution_hours_median"]["value"] == pytest.approx(24)
    assert rows["resolution_hours_p90"]["value"] == pytest.approx(40.8)


def test_headline_open_exceptions_by_age(march):
    rows = _by(march["Headline"], "indicator")
    expected = {"0_2": 1, "3_7": 1, "8_14": 1, "15_30": 4, "over_30": 1}
    for band, count in expected.items():
        row = rows[f"open_exceptions_age_{band}"]
        assert row["value"] == count, band
        assert row["denominator"] == 8, band
        assert row["previous_value"] is None, band
        assert row["note"] == NO_STATUS, band


def test_headline_previous_values_and_change(march):
    rows = _by(march["Headline"], "indicator")
    assert rows["orders"]["previous_value"] == 3
    assert rows["orders"]["change"] == 2
    # F1, F2 (listed twice) and E07 were detected in February.
    assert rows["exceptions_per_1000_orders"]["previous_value"] == pytest.approx(1000)
    assert rows["exceptions_per_1000_orders"]["change"] == pytest.approx(1000)
    creation = rows["exceptions_per_1000_orders.creation"]
    assert creation["previous_value"] == pytest.approx(2000 / 3)
    assert rows["exceptions_per_1000_orders.refund"]["previous_value"] == 0
    assert rows["on_time_shipping_rate"]["previous_value"] == pytest.approx(1.0)
    assert rows["on_time_shipping_rate"]["change"] == pytest.approx(-0.5)
    assert rows["lost_damaged_per_1000_shipments"]["previous_value"] == 0
    assert rows["refund_total"]["previous_value"] == pytest.approx(10)
    assert rows["refund_total"]["change"] == pytest.approx(95.5)
    # O6 (refund dated in March) and P1 of February's O6, P1 and P2.
    assert rows["refund_rate"]["previous_value"] == pytest.approx(2 / 3)
    assert rows["complaints_per_1000_orders"]["previous_value"] == pytest.approx(
        1000 / 3
    )
    assert rows["first_response_hours_median"]["previous_value"] == pytest.approx(6)
    assert rows["resolution_hours_p90"]["previous_value"] == pytest.approx(30)
    assert rows["orders"]["note"] is None
    assert rows["refund_rate"]["note"] is None


def test_headline_without_previous_period_notes(march_alone):
    for row in march_alone["Headline"].to_pylist():
        assert row["previous_value"] is None, row["indicator"]
        assert row["change"] is None, row["indicator"]
        assert row["note"] == NO_PREVIOUS, row["indicator"]


def test_headline_empty_inputs_give_null_rates():
    tables = compute_reports(empty_connection(), MARCH_ALONE)
    rows = _by(tables["Headline"], "indicator")
    assert rows["orders"]["value"] == 0
    for indicator in [
        "exceptions_per_1000_orders", "on_time_shipping_rate",
        "on_time_delivery_rate", "lost_damaged_per_1000_shipments",
        "complaints_per_1000_orders",
    ]:
        assert rows[indicator]["value"] is None, indicator
        assert rows[indicator]["denominator"] == 0, indicator
        assert rows[indicator]["note"] == (
            f"{NO_PREVIOUS}; no value: the denominator is zero"
        ), indicator
    assert rows["first_response_hours_median"]["value"] is None
    # With no refund in the inputs the refund figures stay empty and say why.
    assert rows["refund_total"]["value"] is None
    assert rows["refund_rate"]["value"] is None
    assert rows["refund_rate"]["note"] == (
        f"{NO_PREVIOUS}; no value: the inputs hold no refunds; "
        "no value: the denominator is zero"
    )


def test_headline_previous_zero_denominator_note():
    con = empty_connection()
    _insert(con, "orders", ORDERS[:1])
    rows = _by(compute_reports(con, MARCH)["Headline"], "indicator")
    assert rows["orders"]["previous_value"] == 0
    assert rows["complaints_per_1000_orders"]["value"] == 0
    assert rows["complaints_per_1000_orders"]["previous_value"] is None
    assert rows["complaints_per_1000_orders"]["note"] == (
        "no previous value: the previous denominator is zero"
    )


def test_by_category_severity_counts(march):
    table = march["ByCategorySeverity"]
    assert table.num_rows == 27
    rows = {(r["category"], r["severity"]): r for r in table.to_pylist()}
    assert rows[("fulfilment", "urgent")]["exceptions"] == 2
    assert rows[("fulfilment", "important")]["exceptions"] == 2
    assert rows[("fulfilment", "general")]["exceptions"] == 2
    assert rows[("creation", "general")]["exceptions"] == 2
    assert rows[("creation", "important")]["exceptions"] == 1
    assert rows[("refund", "important")]["per_1000_orders"] == pytest.approx(200)
    assert rows[("fraud", "urgent")]["exceptions"] == 0
    assert rows[("fraud", "urgent")]["per_1000_orders"] == 0
    assert _column(table, "category")[:3] == ["creation"] * 3
    assert _column(table, "severity")[:3] == ["urgent", "important", "general"]


def test_by_category_severity_without_orders_gives_null():
    con = empty_connection()
    _insert(con, "register", REGISTER[:1])
    rows = compute_reports(con, MARCH)["ByCategorySeverity"].to_pylist()
    late = [r for r in rows if r["category"] == "fulfilment"]
    assert late[1]["exceptions"] == 1
    assert late[1]["per_1000_orders"] is None


def test_by_rule_pareto_vital_few(march):
    table = march["ByRule"]
    assert _column(table, "rule_id") == [
        "late_shipment", "duplicate_order", "lost_parcel", "refund_late",
    ]
    assert _column(table, "exceptions") == [5, 3, 1, 1]
    assert _column(table, "share") == pytest.approx([0.5, 0.3, 0.1, 0.1])
    assert _column(table, "cumulative_share") == pytest.approx([0.5, 0.8, 0.9, 1.0])
    # duplicate_order reaches exactly 80 percent, so lost_parcel starts at 80.
    assert _column(table, "vital_few") == [True, True, False, False]
    assert _column(table, "rule_title")[0] == "Late shipment"


def test_by_rule_amount_pareto(march):
    table = march["ByRuleAmount"]
    assert _column(table, "rule_id") == [
        "duplicate_order", "lost_parcel", "late_shipment", "refund_late",
    ]
    assert _column(table, "amount_at_risk") == [
        Decimal("325.00"), Decimal("200.00"), Decimal("150.00"), Decimal("75.50"),
    ]
    assert _column(table, "cumulative_share") == pytest.approx(
        [325 / 750.5, 525 / 750.5, 675 / 750.5, 1.0]
    )
    assert _column(table, "vital_few") == [True, True, True, False]


def test_by_rule_amount_zero_total_marks_nothing():
    con = empty_connection()
    _insert(con, "register", [REGISTER[3], REGISTER[4]])
    table = compute_reports(con, MARCH)["ByRuleAmount"]
    assert _column(table, "amount_at_risk") == [Decimal("0.00")]
    assert _column(table, "share") == [None]
    assert _column(table, "vital_few") == [False]


def test_by_party_pareto(march):
    table = march["ByParty"]
    assert _column(table, "responsible_party") == [
        "seller", "customer", "carrier", "finance", "platform", "warehouse",
    ]
    assert _column(table, "exceptions") == [4, 2, 1, 1, 1, 1]
    assert _column(table, "amount_at_risk") == [
        Decimal("150.00"), Decimal("320.00"), Decimal("200.00"), Decimal("75.50"),
        Decimal("5.00"), Decimal("0.00"),
    ]
    assert _column(table, "cumulative_share") == pytest.approx(
        [0.4, 0.6, 0.7, 0.8, 0.9, 1.0]
    )
    assert _column(table, "vital_few") == [True, True, True, True, False, False]


def test_carrier_scorecard_rates_and_rank(march):
    table = march["CarrierScorecard"]
    assert _column(table, "carrier") == ["ZTO", "SF", "YTO"]
    rows = _by(table, "carrier")
    sf, zto, yto = rows["SF"], rows["ZTO"], rows["YTO"]
    assert sf["shipments"] == 3
    assert sf["delivered"] == 3
    assert sf["on_time_rate"] == pytest.approx(1 / 3)
    # O2 two days late, O6 three days late.
    assert sf["avg_delay_days"] == pytest.approx(2.5)
    assert sf["complaints"] == 3
    assert sf["complaints_per_1000"] == pytest.approx(1000)
    assert sf["rank"] == 2
    assert zto["on_time_rate"] == pytest.approx(1.0)
    assert zto["avg_delay_days"] is None
    assert zto["lost_damaged"] == 2
    assert zto["lost_damaged_per_1000"] == pytest.approx(1000)
    assert zto["complaints"] == 2
    assert zto["rank"] == 1
    # Q1 has not been delivered: no rate and no rank.
    assert yto["shipments"] == 1
    assert yto["on_time_rate"] is None
    assert yto["rank"] is None
    assert yto["lost_damaged_per_1000"] == 0


def test_seller_scorecard_attribution_and_rank(march):
    table = march["SellerScorecard"]
    assert _column(table, "seller_id") == ["S1", "S2", "S3", "S4"]
    rows = _by(table, "seller_id")
    assert [rows["S1"]["orders"], rows["S2"]["orders"], rows["S3"]["orders"]] == [
        3, 2, 1,
    ]
    # E02 and E07 have no seller: they count for the sellers of O6 and O1.
    assert rows["S1"]["exceptions"] == 6
    assert rows["S1"]["exceptions_per_1000"] == pytest.approx(2000)
    assert rows["S2"]["exceptions"] == 3
    assert rows["S3"]["exceptions"] == 1
    assert rows["S1"]["late_shipments"] == 2
    assert rows["S2"]["late_shipments"] == 0
    assert rows["S1"]["quality_complaints"] == 3
    assert rows["S2"]["quality_complaints"] == 1
    assert rows["S3"]["quality_complaints"] == 2
    assert _column(table, "rank") == [1, 2, 3, None]
    assert rows["S4"]["orders"] == 0
    assert rows["S4"]["exceptions_per_1000"] is None


def test_complaint_trend_weeks(march):
    rows = march["ComplaintTrend"].to_pylist()
    keys = [(row["week_start"], row["category"]) for row in rows]
    assert keys == [
        (dt.date(2024, 3, 4), "delivery"),
        (dt.date(2024, 3, 4), "quality"),
        (dt.date(2024, 3, 11), "delivery"),
        (dt.date(2024, 3, 18), "damaged"),
        (dt.date(2024, 3, 18), "wrong_item"),
        (dt.date(2024, 3, 25), "quality"),
    ]
    assert [row["complaints"] for row in rows] == [1] * 6
    # Orders per week: O2 and O3 (Sunday) in the week of the 4th, O4, O5, none.
    assert [row["per_1000_orders"] for row in rows] == pytest.approx(
        [500, 500, 1000, 1000, 1000, None]
    )
    assert [row["median_first_response_hours"] for row in rows] == pytest.approx(
        [4, 2, None, 1, None, 3]
    )
    assert [row["median_resolution_hours"] for row in rows] == pytest.approx(
        [48, 24, 12, None, 24, None]
    )


def test_complaint_monthly_repeat_complainants(march):
    rows = march["ComplaintMonthly"].to_pylist()
    keys = [(row["month"], row["category"]) for row in rows]
    assert keys == [
        (dt.date(2024, 2, 1), "quality"),
        (dt.date(2024, 3, 1), "damaged"),
        (dt.date(2024, 3, 1), "delivery"),
        (dt.date(2024, 3, 1), "quality"),
        (dt.date(2024, 3, 1), "wrong_item"),
    ]
    assert [row["complaints"] for row in rows] == [1, 1, 2, 2, 1]
    assert [row["per_1000_orders"] for row in rows] == pytest.approx(
        [1000 / 3, 200, 400, 400, 200]
    )
    # C1 complained three times in March: K1 and K6 (quality), K3 (damaged,
    # C1 through its order).
    assert [row["repeat_complainants"] for row in rows] == [0, 1, 0, 1, 0]


def test_open_ageing_bands(march):
    table = march["OpenAgeing"]
    assert _column(table, "age_band") == ["0-2", "3-7", "8-14", "15-30", "over 30"]
    assert _column(table, "exceptions") == [1, 1, 1, 4, 1]


def test_open_ageing_empty_register_has_every_band():
    table = compute_reports(empty_connection(), MARCH)["OpenAgeing"]
    assert _column(table, "exceptions") == [0, 0, 0, 0, 0]


def test_exception_trend_distinct_months(march):
    rows = march["ExceptionTrend"].to_pylist()
    assert [(r["month"], r["category"], r["exceptions"]) for r in rows] == [
        (dt.date(2024, 1, 1), "fulfilment", 1),
        (dt.date(2024, 2, 1), "creation", 2),
        (dt.date(2024, 2, 1), "fulfilment", 1),
        (dt.date(2024, 3, 1), "creation", 2),
        (dt.date(2024, 3, 1), "fulfilment", 6),
        (dt.date(2024, 3, 1), "refund", 1),
    ]


def test_response_times_hours(march):
    table = march["ResponseTimes"]
    assert _column(table, "complaint_id") == ["K1", "K2", "K4", "K3", "K5", "K6"]
    assert _column(table, "first_response_hours") == pytest.approx(
        [2, 4, None, 1, None, 3]
    )
    assert _column(table, "resolution_hours") == pytest.approx(
        [24, 48, 12, None, 24, None]
    )


def test_parse_report_missing_header_raises(tmp_path: Path):
    path = tmp_path / "Broken.sql"
    path.write_text("-- id: Other\nSELECT 1 AS x\n", encoding="utf-8")
    with pytest.raises(AuditError) as caught:
        parse_report(path)
    assert "missing header field 'title'" in caught.value.message
    assert "missing header field 'description'" in caught.value.message
    assert "differs from the file name 'Broken'" in caught.value.message


def test_parse_report_reads_continued_description(tmp_path: Path):
    path = tmp_path / "Extra.sql"
    path.write_text(
        "-- id: Extra\n-- title: Extra\n-- description: first line\n"
        "--   second line\nSELECT $as_of AS x -- not $period_end\n",
        encoding="utf-8",
    )
    report = parse_report(path)
    assert report.description == "first line second line"
    assert report.parameters == {"as_of"}


def test_run_report_missing_parameter_raises(tmp_path: Path):
    path = tmp_path / "Extra.sql"
    path.write_text(
        "-- id: Extra\n-- title: t\n-- description: d\nSELECT $month_end AS x\n",
        encoding="utf-8",
    )
    with pytest.raises(AuditError, match=r"not given: \$month_end"):
        run_report(empty_connection(), parse_report(path), MARCH)


def test_run_report_wrong_columns_raises(tmp_path: Path):
    path = tmp_path / "OpenAgeing.sql"
    path.write_text(
        "-- id: OpenAgeing\n-- title: t\n-- description: d\n"
        "SELECT 'x' AS band, 1 AS exceptions\n",
        encoding="utf-8",
    )
    with pytest.raises(AuditError, match="expected \\['age_band', 'exceptions'\\]"):
        run_report(empty_connection(), parse_report(path), MARCH)


def test_run_report_sql_error_names_file(tmp_path: Path):
    path = tmp_path / "Extra.sql"
    path.write_text(
        "-- id: Extra\n-- title: t\n-- description: d\nSELECT * FROM missing_table\n",
        encoding="utf-8",
    )
    with pytest.raises(AuditError, match="Extra.sql failed in DuckDB"):
        run_report(empty_connection(), parse_report(path), MARCH)

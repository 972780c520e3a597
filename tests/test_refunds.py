"""The refund check's tables and totals, computed in DuckDB from a few rows.

Each test builds the canonical tables with ``rulekit`` and a small register,
then runs ``build_refund_check`` as ``write_outputs`` does.
"""

from __future__ import annotations

import datetime as dt
import runpy
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import rulekit
from rulekit import complaint, order, refund

from audit.errors import ConfigError
from audit.refunds import (
    DEFAULT_TOLERANCE,
    REFUND_RULES,
    TABLE_COLUMNS,
    build_refund_check,
    parse_settings,
)
from audit.rules import load_rules
from audit.workbook import fill_workbook

REPOSITORY = Path(__file__).resolve().parents[1]
TEMPLATE = REPOSITORY / "templates" / "refund_check.xlsx"
MARCH = {"period_start": dt.datetime(2026, 3, 1), "period_end": dt.datetime(2026, 4, 1)}

REGISTER_DDL = """CREATE TABLE register (
    exception_id VARCHAR, rule_id VARCHAR, rule_title VARCHAR, category VARCHAR,
    order_id VARCHAR, refund_id VARCHAR, amount_at_risk DECIMAL(18, 2),
    detected_at TIMESTAMP, evidence VARCHAR, severity VARCHAR)"""


def money(text: str) -> Decimal:
    return Decimal(text)


def check(tables: dict[str, list[dict]], settings: dict | None = None, **period):
    """Build the refund check of March 2026 (or ``period``) over ``tables``."""
    con = rulekit.create_tables(tables)
    con.execute(REGISTER_DDL)
    return build_refund_check(con, period or MARCH, settings), con


def rows(result, table: str) -> list[dict]:
    return result.tables[table].to_pylist()


def column(result, table: str, name: str) -> list:
    return result.tables[table].column(name).to_pylist()


def reconciled(result, compared_with: str) -> dict[str, dict]:
    return {
        row["order_id"]: row
        for row in rows(result, "Reconciliation")
        if row["compared_with"] == compared_with
    }


# Settings


def test_settings_default_tolerance():
    assert parse_settings({}).tolerance == DEFAULT_TOLERANCE


def test_settings_tolerance_from_text():
    assert parse_settings({"tolerance": "0.05"}).tolerance == Decimal("0.05")


@pytest.mark.parametrize("value", [0.01, "-0.01", "abc", "0.001", "NaN"])
def test_settings_invalid_tolerance_rejected(value):
    with pytest.raises(ConfigError, match="refund_check.tolerance"):
        parse_settings({"tolerance": value})


def test_settings_unknown_key_rejected():
    with pytest.raises(ConfigError, match="tolerence"):
        parse_settings({"tolerence": "0.01"})


def test_settings_unknown_party_rejected():
    with pytest.raises(ConfigError, match="refund_check.parties.damaged"):
        parse_settings({"parties": {"damaged": "postman"}})


def test_settings_party_reason_folded():
    assert parse_settings({"parties": {" Damaged ": "seller"}}).parties == {
        "damaged": "seller"
    }


# Refund totals


def test_totals_by_month_reason_method_party():
    result, _ = check(
        {
            "orders": [order("A1"), order("A2"), order("A3")],
            "refunds": [
                refund("R1", "A1", "2026-03-05 09:00", reason="damaged"),
                refund(
                    "R2",
                    "A2",
                    "2026-03-20 09:00",
                    reason=" Damaged ",
                    amount=money("0.20"),
                    method="Bank",
                ),
                refund(
                    "R3",
                    "A3",
                    "2026-03-21 09:00",
                    reason="quality",
                    amount=money("0.10"),
                    method="bank",
                ),
            ],
        }
    )
    assert rows(result, "RefundsByReason") == [
        {"reason": "damaged", "refunds": 2, "amount": money("100.20")},
        {"reason": "quality", "refunds": 1, "amount": money("0.10")},
    ]
    assert rows(result, "RefundsByMethod") == [
        {"method": "original", "refunds": 1, "amount": money("100.00")},
        {"method": "bank", "refunds": 2, "amount": money("0.30")},
    ]
    assert rows(result, "RefundsByParty") == [
        {"responsible_party": "carrier", "refunds": 2, "amount": money("100.20")},
        {"responsible_party": "seller", "refunds": 1, "amount": money("0.10")},
    ]
    assert rows(result, "RefundsByMonth") == [
        {"month": dt.date(2026, 3, 1), "refunds": 3, "amount": money("100.30")}
    ]


def test_totals_exact_decimals():
    amounts = ["0.10", "0.20", "12345678.91"]
    result, _ = check(
        {
            "orders": [order(f"A{i}") for i in range(3)],
            "refunds": [
                refund(f"R{i}", f"A{i}", "2026-03-05 09:00", amount=money(amount))
                for i, amount in enumerate(amounts)
            ],
        }
    )
    assert result.values["tool_total_refunds"] == money("12345679.21")
    assert result.values["tool_total_by_month"] == money("12345679.21")
    assert column(result, "RefundsByMonth", "amount") == [money("12345679.21")]


def test_totals_only_refunds_of_the_period():
    result, _ = check(
        {
            "orders": [order("A1"), order("A2")],
            "refunds": [
                refund("R1", "A1", "2026-02-27 09:00"),
                refund("R2", "A2", "2026-03-30 09:00"),
            ],
        }
    )
    assert column(result, "Refunds", "refund_id") == ["R2"]
    assert result.values["tool_count_refunds"] == 1


def test_totals_refund_dated_by_payment_first():
    # Requested in February, paid in March: the payment decides the month.
    result, _ = check(
        {
            "orders": [order("A1")],
            "refunds": [refund("R1", "A1", "2026-02-28 23:00")],
        }
    )
    assert column(result, "Refunds", "month") == [dt.date(2026, 3, 1)]


def test_totals_undated_refunds_counted_apart():
    undated = refund(
        "R2",
        "A2",
        "2026-03-05 09:00",
        requested_at=None,
        approved_at=None,
        refunded_at=None,
        amount=money("7.50"),
    )
    result, _ = check(
        {
            "orders": [order("A1"), order("A2")],
            "refunds": [refund("R1", "A1", "2026-03-05 09:00"), undated],
        }
    )
    assert column(result, "Refunds", "refund_id") == ["R1"]
    assert result.values["undated_refunds"] == 1
    assert result.values["undated_amount"] == money("7.50")


def test_totals_paid_refunds_apart():
    waiting = refund("R2", "A2", "2026-03-30 09:00", refunded_at=None)
    result, _ = check(
        {
            "orders": [order("A1"), order("A2")],
            "refunds": [refund("R1", "A1", "2026-03-05 09:00"), waiting],
        }
    )
    assert column(result, "Refunds", "status") == ["paid", "approved"]
    assert result.values["tool_count_paid_refunds"] == 1
    assert result.values["tool_total_paid_refunds"] == money("100.00")


def test_source_refunds_export():
    result, _ = check(
        {
            "orders": [order("A1", refunded_amount=money("5.00"))],
            "refunds": [refund("R1", "A1", "2026-03-05 09:00")],
        }
    )
    assert result.values["refund_source"] == "refunds export: 1 refund"
    assert column(result, "Refunds", "source") == ["refunds export"]


def test_source_orders_export_when_refunds_empty():
    refunded = order(
        "A1", refunded_amount=money("40.00"), refunded_at=rulekit.at("2026-03-09 10:00")
    )
    never = order("A2", refunded_amount=money("0.00"))
    result, _ = check({"orders": [refunded, never]})
    assert result.values["refund_source"].startswith("orders export:")
    assert rows(result, "RefundsByMonth") == [
        {"month": dt.date(2026, 3, 1), "refunds": 1, "amount": money("40.00")}
    ]
    assert column(result, "Refunds", "source") == ["orders export"]
    assert column(result, "Refunds", "reason") == ["(none given)"]


def test_source_none():
    result, _ = check({"orders": [order("A1")]})
    assert result.values["refund_source"].startswith("none:")
    assert result.values["tool_total_refunds"] == money("0.00")
    assert result.tables["Refunds"].num_rows == 0


# Responsible party


def test_party_from_reason_before_complaint():
    result, _ = check(
        {
            "orders": [order("A1")],
            "complaints": [
                complaint("K1", "A1", "2026-03-04 09:00", category="quality")
            ],
            "refunds": [refund("R1", "A1", "2026-03-05 09:00", reason="wrong_item")],
        }
    )
    (row,) = rows(result, "Refunds")
    assert (row["responsible_party"], row["party_from"]) == ("warehouse", "reason")


def test_party_from_first_complaint():
    result, _ = check(
        {
            "orders": [order("A1")],
            "complaints": [
                complaint("K2", "A1", "2026-03-04 12:00", category="quality"),
                complaint("K1", "A1", "2026-03-04 09:00", category="Damaged"),
            ],
            "refunds": [refund("R1", "A1", "2026-03-05 09:00", reason="complaint")],
        }
    )
    (row,) = rows(result, "Refunds")
    assert (row["responsible_party"], row["party_from"]) == ("carrier", "complaint")


def test_party_from_cancellation():
    cancelled = order(
        "A1", cancelled_at=rulekit.at("2026-03-02 12:00"), order_status="cancelled"
    )
    result, _ = check(
        {"orders": [cancelled], "refunds": [refund("R1", "A1", "2026-03-02 12:00")]}
    )
    (row,) = rows(result, "Refunds")
    assert (row["responsible_party"], row["party_from"]) == ("customer", "cancellation")


def test_party_unassigned():
    result, _ = check(
        {"orders": [order("A1")], "refunds": [refund("R1", "A1", "2026-03-05 09:00")]}
    )
    (row,) = rows(result, "Refunds")
    assert (row["responsible_party"], row["party_from"]) == ("unassigned", "none")


def test_party_from_configuration():
    result, _ = check(
        {
            "orders": [order("A1"), order("A2")],
            "refunds": [
                refund("R1", "A1", "2026-03-05 09:00", reason="damaged"),
                refund("R2", "A2", "2026-03-05 09:00", reason="Price match"),
            ],
        },
        {"parties": {"damaged": "warehouse", "price match": "seller"}},
    )
    assert column(result, "Refunds", "responsible_party") == ["warehouse", "seller"]


# Reconciliation


def test_reconciliation_against_orders():
    tables = {
        "orders": [
            order("M", refunded_amount=money("100.00")),
            order("T", refunded_amount=money("100.01")),
            order("D", refunded_amount=money("100.02")),
            order("R"),
            order(
                "O",
                refunded_amount=money("60.00"),
                refunded_at=rulekit.at("2026-03-07 10:00"),
            ),
        ],
        "refunds": [
            refund(f"R-{key}", key, "2026-03-05 09:00") for key in ("M", "T", "D", "R")
        ],
    }
    result, _ = check(tables)
    found = {
        key: (row["status"], row["difference"])
        for key, row in reconciled(result, "orders").items()
    }
    assert found == {
        "M": ("matched", money("0.00")),
        "T": ("matched", money("-0.01")),
        "D": ("differing", money("-0.02")),
        "R": ("refunds_only", money("100.00")),
        "O": ("orders_only", money("-60.00")),
    }


def test_reconciliation_tolerance_from_settings():
    tables = {
        "orders": [order("T", refunded_amount=money("100.01"))],
        "refunds": [refund("R-T", "T", "2026-03-05 09:00")],
    }
    result, _ = check(tables, {"tolerance": "0"})
    assert reconciled(result, "orders")["T"]["status"] == "differing"


def test_reconciliation_against_complaints():
    tables = {
        "orders": [order(key) for key in ("M", "D", "C", "R", "N")],
        "complaints": [
            complaint("K-M", "M", "2026-03-04 09:00", compensation_amount=money("100")),
            complaint("K-D", "D", "2026-03-04 09:00", compensation_amount=money("30")),
            complaint("K-C", "C", "2026-03-04 09:00", compensation_amount=money("40")),
            complaint("K-R", "R", "2026-03-04 09:00"),
        ],
        # N has no complaint, so its refund is not compared with compensation.
        "refunds": [
            refund("R-M", "M", "2026-03-05 09:00"),
            refund("R-D", "D", "2026-03-05 09:00", amount=money("25.00")),
            refund("R-R", "R", "2026-03-05 09:00", amount=money("50.00")),
            refund("R-N", "N", "2026-03-05 09:00"),
        ],
    }
    result, _ = check(tables)
    found = {
        key: (row["status"], row["difference"])
        for key, row in reconciled(result, "complaints").items()
    }
    assert found == {
        "M": ("matched", money("0.00")),
        "D": ("differing", money("-5.00")),
        "C": ("complaints_only", money("-40.00")),
        "R": ("refunds_only", money("50.00")),
    }
    assert reconciled(result, "complaints")["D"]["complaint_ids"] == "K-D"


def test_reconciliation_sides_are_whole_export_totals():
    # The February refund is outside the period but still part of the order's total.
    tables = {
        "orders": [order("A", refunded_amount=money("150.00"))],
        "refunds": [
            refund("R1", "A", "2026-02-05 09:00"),
            refund("R2", "A", "2026-03-05 09:00", amount=money("50.00")),
        ],
    }
    result, _ = check(tables)
    row = reconciled(result, "orders")["A"]
    assert (row["status"], row["refunds"], row["refund_ids"]) == (
        "matched",
        2,
        "R1, R2",
    )


def test_reconciliation_orders_outside_period_left_out():
    tables = {
        "orders": [
            order(
                "A",
                refunded_amount=money("90.00"),
                refunded_at=rulekit.at("2026-02-06 09:00"),
            )
        ],
        "refunds": [refund("R1", "A", "2026-02-05 09:00")],
    }
    result, _ = check(tables)
    assert reconciled(result, "orders") == {}


def test_reconciliation_undated_orders_listed():
    tables = {
        "orders": [order("A", refunded_amount=money("90.00"))],
        "refunds": [
            refund("R1", "A", "2026-03-05 09:00"),
            refund(
                "R2",
                "B",
                "2026-03-05 09:00",
                requested_at=None,
                approved_at=None,
                refunded_at=None,
            ),
        ],
    }
    result, _ = check(tables)
    assert set(reconciled(result, "orders")) == {"A", "B"}


def test_reconciliation_left_out_without_order_refunds():
    result, _ = check(
        {"orders": [order("A")], "refunds": [refund("R1", "A", "2026-03-05 09:00")]}
    )
    assert reconciled(result, "orders") == {}
    assert result.values["reconciliation_orders_note"] == (
        "not compared: no order in the orders export has a refunded_amount"
    )
    assert result.values["reconciliation_complaints_note"] == (
        "not compared: no complaint has a compensation_amount"
    )


def test_reconciliation_totals():
    tables = {
        "orders": [
            order("A", refunded_amount=money("90.00")),
            order("B", refunded_amount=money("0.10")),
        ],
        "refunds": [
            refund("R1", "A", "2026-03-05 09:00"),
            refund("R2", "B", "2026-03-05 09:00", amount=money("0.20")),
        ],
    }
    result, _ = check(tables)
    values = result.values
    assert values["tool_orders_refunds_amount"] == money("100.20")
    assert values["tool_orders_other_amount"] == money("90.10")
    assert values["tool_orders_difference"] == money("10.10")
    assert values["tool_orders_differing"] == 2
    assert values["tool_total_difference"] == money("10.10")
    assert values["reconciliation_orders_note"] == "compared: 2 orders"


# Refund exceptions


def test_exceptions_only_refund_rules():
    result, con = check({"orders": [order("A")]})
    rows_in = [
        ("E1", "refund_late", "refund", Decimal("10.00")),
        ("E2", "cancelled_not_refunded", "cancellation", Decimal("20.00")),
        ("E3", "cancel_request_not_processed", "cancellation", Decimal("30.00")),
        ("E4", "customer_refund_rate", "fraud", Decimal("40.00")),
        ("E5", "refund_late", "refund", None),
    ]
    for exception_id, rule_id, category, amount in rows_in:
        con.execute(
            "INSERT INTO register VALUES (?, ?, 'title', ?, 'A', NULL, ?, "
            "TIMESTAMP '2026-03-05 09:00', 'evidence', 'general')",
            [exception_id, rule_id, category, amount],
        )
    result = build_refund_check(con, MARCH)
    assert column(result, "RefundExceptions", "exception_id") == ["E2", "E1", "E5"]
    assert result.values["tool_count_refund_late"] == 2
    assert result.values["tool_total_refund_late"] == money("10.00")
    assert result.values["tool_count_refund_exceptions"] == 3
    assert result.values["tool_total_refund_exceptions"] == money("30.00")
    assert result.values["tool_count_refund_duplicate"] == 0


def test_refund_rules_cover_refund_category():
    built_in = {rule.id for rule in load_rules() if rule.category == "refund"} | {
        "cancelled_not_refunded"
    }
    assert set(REFUND_RULES) == built_in


# The template and the values agree


def builder_namespace() -> dict:
    return runpy.run_path(str(REPOSITORY / "tools" / "make_templates.py"))


def template_names() -> set[str]:
    return set(openpyxl.load_workbook(TEMPLATE).defined_names)


def test_template_rules_match_refund_rules():
    assert builder_namespace()["REFUND_RULES"] == REFUND_RULES


def test_template_tables_have_the_query_columns():
    workbook = openpyxl.load_workbook(TEMPLATE)
    found = {
        table.displayName: [column.name for column in table.tableColumns]
        for sheet in workbook.worksheets
        for table in sheet.tables.values()
        if table.displayName in TABLE_COLUMNS
    }
    assert found == TABLE_COLUMNS


def test_template_names_every_value():
    result, _ = check({"orders": [order("A")]})
    assert set(result.values) - template_names() == set()


def test_template_tool_names_all_filled():
    result, _ = check({"orders": [order("A")]})
    tool_names = {name for name in template_names() if name.startswith("tool_")}
    assert tool_names - set(result.values) == set()


def test_workbook_cells_keep_cents(tmp_path):
    amounts = ["0.10", "0.20", "12345678.91"]
    result, _ = check(
        {
            "orders": [order(f"A{i}") for i in range(3)],
            "refunds": [
                refund(f"R{i}", f"A{i}", "2026-03-05 09:00", amount=money(amount))
                for i, amount in enumerate(amounts)
            ],
        }
    )
    path = tmp_path / "refund_check.xlsx"
    fill_workbook(TEMPLATE, path, tables=result.tables, values=result.values)
    workbook = openpyxl.load_workbook(path)
    ((_, coordinate),) = workbook.defined_names["tool_total_refunds"].destinations
    cell = workbook["Refunds"][coordinate.replace("$", "")]
    assert Decimal(repr(cell.value)) == money("12345679.21")
    sheet = workbook["Refunds"]
    cells = sheet[sheet.tables["Refunds"].ref]
    amount_index = TABLE_COLUMNS["Refunds"].index("amount")
    written = [Decimal(repr(row[amount_index].value)) for row in cells[1:]]
    assert written == [money(amount) for amount in amounts]

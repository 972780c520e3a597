"""End to end on the real Olist sample: three workbooks, counts that reconcile,
and rule counts checked against plain SQL over the raw CSV files."""

import csv
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from audit.cli import main


@pytest.fixture(scope="module")
def olist_run(tmp_path_factory, request):
    olist = request.getfixturevalue("olist_dir")
    out = tmp_path_factory.mktemp("olist-out")
    result = CliRunner().invoke(
        main, ["run", "--quiet", "--profile", "olist", "--out", str(out), str(olist)]
    )
    assert result.exit_code == 0, result.output
    return olist, out


@pytest.fixture(scope="module")
def register(olist_run):
    _, out = olist_run
    sheet = load_workbook(out / "exception_register.xlsx", read_only=True)["Register"]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip(header, row)) for row in rows if row[0] is not None]


def raw(olist: Path, name: str) -> str:
    return f"read_csv('{olist / name}', all_varchar = true, header = true)"


def count_by_rule(register, rule_id: str) -> int:
    return sum(1 for row in register if row["rule_id"] == rule_id)


def csv_records(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_olist_writes_three_workbooks(olist_run):
    _, out = olist_run
    for name in ("exception_register.xlsx", "review_pack.xlsx", "refund_check.xlsx"):
        assert (out / name).is_file(), name


def test_olist_every_row_accepted_or_rejected(olist_run):
    _, out = olist_run
    sheet = load_workbook(out / "exception_register.xlsx")["Run record"]
    table = sheet.tables["RunInputs"]
    cells = sheet[table.ref]
    header = [cell.value for cell in cells[0]]
    records = [dict(zip(header, (cell.value for cell in row))) for row in cells[1:]]
    assert len(records) == 5
    for record in records:
        assert record["rows_read"] == record["rows_accepted"] + record["rows_rejected"]
        assert record["rows_read"] == csv_records(Path(record["path"])), record["input"]


def test_olist_delivered_late_matches_plain_sql(olist_run, register):
    olist, _ = olist_run
    expected = duckdb.execute(
        f"""SELECT count(*) FROM {raw(olist, 'olist_orders_dataset.csv')}
        WHERE CAST(order_delivered_customer_date AS TIMESTAMP)::DATE
            > CAST(order_estimated_delivery_date AS TIMESTAMP)::DATE"""
    ).fetchone()[0]
    assert expected == 343
    assert count_by_rule(register, "delivered_late") == expected


def test_olist_shipped_after_ship_by_matches_plain_sql(olist_run, register):
    olist, _ = olist_run
    expected = duckdb.execute(
        f"""WITH limits AS (
            SELECT order_id, min(CAST(shipping_limit_date AS TIMESTAMP)) AS ship_by
            FROM {raw(olist, 'olist_order_items_dataset.csv')} GROUP BY order_id)
        SELECT count(*) FROM {raw(olist, 'olist_orders_dataset.csv')} o
        JOIN limits USING (order_id)
        WHERE CAST(o.order_delivered_carrier_date AS TIMESTAMP) > limits.ship_by"""
    ).fetchone()[0]
    assert expected > 0
    assert count_by_rule(register, "shipped_after_ship_by") == expected


def test_olist_paid_amount_mismatch_matches_plain_sql(olist_run, register):
    olist, _ = olist_run
    expected = duckdb.execute(
        f"""WITH items AS (
            SELECT order_id, sum(CAST(price AS DECIMAL(18,2))
                                 + CAST(freight_value AS DECIMAL(18,2))) AS amount
            FROM {raw(olist, 'olist_order_items_dataset.csv')} GROUP BY order_id),
        paid AS (
            SELECT order_id, sum(CAST(payment_value AS DECIMAL(18,2))) AS amount
            FROM {raw(olist, 'olist_order_payments_dataset.csv')} GROUP BY order_id)
        SELECT count(*) FROM items JOIN paid USING (order_id)
        WHERE abs(items.amount - paid.amount) > 0.01"""
    ).fetchone()[0]
    assert expected > 0
    assert count_by_rule(register, "paid_amount_mismatch") == expected


def test_olist_ids_stay_text(register):
    ids = [row["order_id"] for row in register if row["order_id"]]
    assert ids
    assert all(isinstance(value, str) and len(value) == 32 for value in ids)


def test_olist_skipped_rules_are_recorded(olist_run):
    _, out = olist_run
    sheet = load_workbook(out / "exception_register.xlsx")["Run record"]
    cells = sheet[sheet.tables["RuleVersions"].ref]
    header = [cell.value for cell in cells[0]]
    records = {row[0].value: dict(zip(header, (c.value for c in row))) for row in cells[1:]}
    assert records["refund_exceeds_paid"]["status"] == "skipped"
    assert "refunds.amount" in records["refund_exceeds_paid"]["note"]
    assert records["delivered_late"]["status"] == "ran"

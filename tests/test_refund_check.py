"""The refund check: totals the tool computes tie out with the workbook's own
formulas after a real spreadsheet application recalculates them."""

from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from audit.cli import main
from tests.libreoffice import recalculate

ORDERS = """order_id,customer_id,created_at,paid_at,order_status,order_amount,paid_amount
A1,C1,2024-03-01 10:00,2024-03-01 10:05,delivered,120.00,120.00
A2,C2,2024-03-02 10:00,2024-03-02 10:05,cancelled,35.50,35.50
A3,C3,2024-03-03 10:00,2024-03-03 10:05,delivered,50.00,50.00
A4,C4,2024-04-03 10:00,2024-04-03 10:05,delivered,80.10,80.10
"""
REFUNDS = """refund_id,order_id,requested_at,refunded_at,amount,reason,method
R1,A1,2024-03-05 09:00,2024-03-06 09:00,20.01,damaged,original
R2,A2,2024-03-02 11:00,2024-03-03 11:00,35.50,cancelled,original
R3,A3,2024-03-20 09:00,2024-04-01 09:00,"1,000.07",return,bank
R4,A4,2024-04-04 09:00,2024-04-05 09:00,0.33,damaged,original
"""


@pytest.fixture(scope="module")
def refund_check(tmp_path_factory):
    folder = tmp_path_factory.mktemp("refund-inputs")
    (folder / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (folder / "refunds.csv").write_text(REFUNDS, encoding="utf-8")
    out = folder / "out"
    result = CliRunner().invoke(main, ["run", "--quiet", "--as-of", "2024-04-30",
                                       "--out", str(out), str(folder)])
    assert result.exit_code == 0, result.output
    return out / "refund_check.xlsx"


def table_rows(sheet, name):
    cells = sheet[sheet.tables[name].ref]
    header = [cell.value for cell in cells[0]]
    return [dict(zip(header, (cell.value for cell in row))) for row in cells[1:]]


def test_refund_check_totals_by_month(refund_check):
    rows = table_rows(load_workbook(refund_check)["Totals"], "RefundsByMonth")
    assert [(row["month"], row["refunds"]) for row in rows] == [("2024-03", 2), ("2024-04", 2)]
    assert [Decimal(str(row["amount"])) for row in rows] == [Decimal("55.51"), Decimal("1000.40")]


def test_refund_check_lists_refund_above_paid(refund_check):
    rows = table_rows(load_workbook(refund_check)["Refund exceptions"], "RefundExceptions")
    above = [row for row in rows if row["rule_id"] == "refund_exceeds_paid"]
    assert [row["order_id"] for row in above] == ["A3"]
    assert Decimal(str(above[0]["amount_at_risk"])) == Decimal("950.07")


@pytest.mark.libreoffice
def test_refund_check_formulas_tie_out_in_libreoffice(refund_check, soffice, tmp_path):
    recalculated = recalculate(soffice, refund_check, tmp_path)
    original = load_workbook(refund_check)
    checks = 0
    for sheet in original.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("=IF(ROUND("):
                    assert recalculated[sheet.title][cell.coordinate].value == "OK", (
                        f"{sheet.title}!{cell.coordinate}")
                    checks += 1
    assert checks >= 4


@pytest.mark.libreoffice
def test_refund_check_sum_formulas_equal_tool_totals(refund_check, soffice, tmp_path):
    recalculated = recalculate(soffice, refund_check, tmp_path)
    totals = recalculated["Totals"]
    # B3/F3 hold the tool's totals, B4/F4 the SUM formulas over the tables.
    assert Decimal(str(totals["B4"].value)).quantize(Decimal("0.01")) == Decimal("1055.91")
    assert Decimal(str(totals["F4"].value)).quantize(Decimal("0.01")) == Decimal("1055.91")
    assert Decimal(str(totals["B3"].value)) == Decimal("1055.91")

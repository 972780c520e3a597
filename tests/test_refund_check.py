"""The refund check workbook: its tables, and formulas that tie out with the tool.

The tests marked ``libreoffice`` open each generated workbook in LibreOffice
headless, which recalculates every formula. Every check cell must then read
"OK", and every formula total must equal the value the tool wrote to the
cent. The inputs are the demo exports and small hand-built exports with
awkward reasons and amounts.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from audit.cli import main
from audit.config import load_config
from audit.demo import DEMO_AS_OF, write_demo
from audit.output import write_outputs
from audit.pipeline import RunOptions, prepare, run_rules
from audit.progress import Progress
from audit.refunds import REFUND_RULES, build_refund_check
from tests.libreoffice import recalculate

CENT = Decimal("0.01")
TOOL_HEADER = "By the tool"
KEYS_HEADER = "Keys that differ from the listing"
CHECK_HEADER = "Check"

ORDERS = """\
order_id,customer_id,created_at,paid_at,order_status,order_amount,paid_amount,\
cancelled_at,refunded_amount,refunded_at
A1,C1,2024-03-01 10:00,2024-03-01 10:05,delivered,120.00,120.00,,20.01,2024-03-06 09:00
A2,C2,2024-03-02 10:00,2024-03-02 10:05,cancelled,35.50,35.50,2024-03-02 11:00,\
35.50,2024-03-03 11:00
A3,C3,2024-03-03 10:00,2024-03-03 10:05,delivered,50.00,50.00,,1000.00,2024-04-01 09:00
A4,C4,2024-04-03 10:00,2024-04-03 10:05,delivered,80.10,80.10,,,
A5,C5,2024-04-05 10:00,2024-04-05 10:05,delivered,"12,345,678.91","12,345,678.91",,\
"12,345,678.91",2024-04-07 10:00
A6,C6,2024-04-06 10:00,2024-04-06 10:05,delivered,9.99,9.99,,0.10,2024-04-08 10:00
A7,C7,2024-04-07 10:00,2024-04-07 10:05,delivered,9.99,9.99,,0.30,2024-04-09 10:00
"""
# Reasons and methods that spreadsheet criteria would read as comparisons,
# wildcards or numbers if the formulas did not escape them.
REFUNDS = """\
refund_id,order_id,requested_at,refunded_at,amount,reason,method
R1,A1,2024-03-05 09:00,2024-03-06 09:00,20.01,damaged,original
R2,A2,2024-03-02 11:00,2024-03-03 11:00,35.50,cancelled,original
R3,A3,2024-03-20 09:00,2024-04-01 09:00,"1,000.07",return,bank
R4,A4,2024-04-04 09:00,2024-04-05 09:00,0.33,Damaged,Original
R5,A5,2024-04-06 09:00,2024-04-07 10:00,"12,345,678.91",<none>,a*b
R6,A7,2024-04-08 09:00,2024-04-09 09:00,0.10,a?b,~x
R7,A7,2024-04-08 10:00,2024-04-09 10:00,0.20,axb,100
R8,A7,2024-04-08 11:00,,0.00,=x,>5
"""
COMPLAINTS = """\
complaint_id,order_id,customer_id,created_at,category,compensation_amount
K1,A1,C1,2024-03-04 09:00,damaged,20.01
K3,A3,C3,2024-03-19 09:00,quality,50.00
K7,A7,C7,2024-04-07 20:00,quality,
"""
ORDERS_WITHOUT_REFUNDS = """\
order_id,customer_id,created_at,paid_at,order_status,order_amount,paid_amount
A1,C1,2024-03-01 10:00,2024-03-01 10:05,delivered,120.00,120.00
"""
INPUTS = {
    "hand_built": {
        "orders.csv": ORDERS,
        "refunds.csv": REFUNDS,
        "complaints.csv": COMPLAINTS,
    },
    "orders_only": {"orders.csv": ORDERS},
    "no_refunds": {"orders.csv": ORDERS_WITHOUT_REFUNDS},
}


def run_cli(folder: Path, files: dict[str, str], *options: str) -> Path:
    """Write ``files`` into ``folder``, run order-audit, return its output folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    out = folder / "out"
    arguments = ["run", "--quiet", "--as-of", "2024-04-30", "--out", str(out), *options]
    result = CliRunner().invoke(main, [*arguments, str(folder)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """Output folders of a run on each hand-built input."""
    return {
        name: run_cli(tmp_path_factory.mktemp(name), files)
        for name, files in INPUTS.items()
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo exports run through the pipeline: (manifest, run, output folder)."""
    folder = tmp_path_factory.mktemp("demo")
    manifest = write_demo(folder, order_count=2000)
    config = load_config()
    config.as_of = DEMO_AS_OF
    config.out = folder / "out"
    run = prepare(RunOptions(config, folder=folder), Progress(quiet=True))
    run_rules(run, Progress(quiet=True))
    write_outputs(run, Progress(quiet=True))
    yield manifest, run, config.out
    run.close()


@pytest.fixture(scope="module")
def workbooks(outputs, demo) -> dict[str, Path]:
    return {
        **{name: out / "refund_check.xlsx" for name, out in outputs.items()},
        "demo": demo[2] / "refund_check.xlsx",
    }


@pytest.fixture(scope="module")
def recalculated(workbooks, tmp_path_factory, request):
    """Recalculate each workbook in LibreOffice once, on first use."""
    cache = {}

    def get(name: str):
        if name not in cache:
            soffice = request.getfixturevalue("soffice")
            folder = tmp_path_factory.mktemp(f"recalculated-{name}")
            cache[name] = recalculate(soffice, workbooks[name], folder)
        return cache[name]

    return get


# Reading workbooks


def table_rows(sheet, name: str) -> list[dict]:
    cells = sheet[sheet.tables[name].ref]
    header = [cell.value for cell in cells[0]]
    rows = [dict(zip(header, (cell.value for cell in row))) for row in cells[1:]]
    return [row for row in rows if any(value is not None for value in row.values())]


def workbook_table(path: Path, sheet: str, name: str) -> list[dict]:
    return table_rows(load_workbook(path)[sheet], name)


def named_cell(workbook, name: str):
    ((sheet, coordinate),) = workbook.defined_names[name].destinations
    return workbook[sheet.strip("'")][coordinate.replace("$", "")]


def exact(value) -> Decimal:
    """Return a cell's number as the decimal it was written as."""
    return Decimal(repr(value))


def formula_cells(workbook) -> list:
    return [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def control_expectations(workbook) -> list[tuple[object, object, str]]:
    """Return (formula cell, tool cell, expectation) for every control row.

    The expectation comes from the header of the formula's column: "zero"
    for the count of keys that differ, "OK" for a check cell, else "tool"
    (the formula must equal the tool's value).
    """
    found = []
    for name in workbook.defined_names:
        if not name.startswith("tool_"):
            continue
        tool = named_cell(workbook, name)
        sheet = tool.parent
        header_row = next(
            row
            for row in range(tool.row, 0, -1)
            if sheet.cell(row, tool.column).value == TOOL_HEADER
        )
        for column in range(tool.column + 1, sheet.max_column + 1):
            header = sheet.cell(header_row, column).value
            cell = sheet.cell(tool.row, column)
            if header is None:
                break
            if cell.data_type == "f":
                expectation = {KEYS_HEADER: "zero", CHECK_HEADER: "OK"}.get(
                    header, "tool"
                )
                found.append((cell, tool, expectation))
    return found


# Every check cell and every formula total, recalculated by LibreOffice

WORKBOOKS = ["demo", "hand_built", "orders_only", "no_refunds"]


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", WORKBOOKS)
def test_libreoffice_every_check_cell_ok(name, workbooks, recalculated):
    original = load_workbook(workbooks[name])
    result = recalculated(name)
    checks = [cell for cell in formula_cells(original) if '"OK"' in cell.value]
    failed = [
        f"{cell.parent.title}!{cell.coordinate}"
        for cell in checks
        if result[cell.parent.title][cell.coordinate].value != "OK"
    ]
    assert failed == []
    assert len(checks) >= 40


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", WORKBOOKS)
def test_libreoffice_formula_totals_equal_tool(name, workbooks, recalculated):
    original = load_workbook(workbooks[name])
    result = recalculated(name)
    wrong = []
    for cell, tool, expectation in control_expectations(original):
        value = result[cell.parent.title][cell.coordinate].value
        expected = {"zero": 0, "OK": "OK"}.get(expectation)
        if expectation == "tool":
            expected = exact(tool.value).quantize(CENT)
            value = exact(value).quantize(CENT)
        if value != expected:
            wrong.append((cell.parent.title, cell.coordinate, value, expected))
    assert wrong == []


@pytest.mark.parametrize("name", WORKBOOKS)
def test_every_formula_is_checked(name, workbooks):
    original = load_workbook(workbooks[name])
    covered = {
        (cell.parent.title, cell.coordinate)
        for cell, _, _ in control_expectations(original)
    }
    summary = {
        "check_all",
        "check_totals",
        "check_reconciliation",
        "check_refund_exceptions",
        "check_refunds",
    }
    covered |= {
        (named_cell(original, name).parent.title, named_cell(original, name).coordinate)
        for name in summary
    }
    every = {(cell.parent.title, cell.coordinate) for cell in formula_cells(original)}
    assert every - covered == set()


@pytest.mark.libreoffice
def test_libreoffice_sums_keep_cents(recalculated):
    result = recalculated("hand_built")
    refunds = exact(named_cell(result, "tool_total_refunds").value)
    assert refunds == Decimal("12346735.12")
    sheet = result["Refunds"]
    # The sum of the table is the cell right of the tool's value.
    tool = named_cell(result, "tool_total_refunds")
    assert exact(sheet.cell(tool.row, tool.column + 1).value) == refunds


@pytest.mark.libreoffice
def test_libreoffice_checks_in_chinese(tmp_path, soffice):
    out = run_cli(tmp_path / "zh", INPUTS["hand_built"], "--lang", "zh-CN")
    original = load_workbook(out / "refund_check.xlsx")
    result = recalculate(soffice, out / "refund_check.xlsx", tmp_path)
    assert original.sheetnames[0] == "合计"
    assert named_cell(result, "check_all").value == "OK"
    checks = [cell for cell in formula_cells(original) if '"OK"' in cell.value]
    failed = [
        cell.coordinate
        for cell in checks
        if result[cell.parent.title][cell.coordinate].value != "OK"
    ]
    assert failed == []


# Check cells that must fail when the workbook is wrong


def edited_copy(path: Path, folder: Path, sheet: str, table: str, edit) -> Path:
    """Save a copy of the workbook after ``edit(row_cells, header)`` changes a table."""
    workbook = load_workbook(path)
    cells = workbook[sheet][workbook[sheet].tables[table].ref]
    header = [cell.value for cell in cells[0]]
    edit(cells[1:], header)
    copy = folder / "edited" / path.name
    copy.parent.mkdir()
    workbook.save(copy)
    return copy


def check_of(workbook, sheet: str, label: str, measure: str) -> str:
    """Return the value of the check cell in the control row ``label``/``measure``."""
    rows = workbook[sheet].iter_rows()
    for row in rows:
        if row[0].value == label and row[1].value == measure:
            check = next(cell for cell in row[2:] if cell.value in ("OK", "DIFFERENT"))
            return check.value
    raise LookupError(f"no control row {label} {measure} on {sheet}")


@pytest.mark.libreoffice
def test_libreoffice_edited_amount_shows_different(workbooks, tmp_path, soffice):
    def raise_first_amount(rows, header):
        cell = rows[0][header.index("amount")]
        cell.value = cell.value + 1

    copy = edited_copy(
        workbooks["hand_built"],
        tmp_path,
        "Totals",
        "RefundsByReason",
        raise_first_amount,
    )
    result = recalculate(soffice, copy, tmp_path)
    assert check_of(result, "Totals", "By reason", "amount") == "DIFFERENT"
    assert check_of(result, "Totals", "By month", "amount") == "OK"
    assert named_cell(result, "check_totals").value == "DIFFERENT"
    assert named_cell(result, "check_all").value == "DIFFERENT"


@pytest.mark.libreoffice
def test_libreoffice_moved_refund_shows_key_difference(workbooks, tmp_path, soffice):
    # Every sum still agrees, but one refund now counts under another reason.
    def move_refund(rows, header):
        reasons = [row[header.index("reason")] for row in rows]
        reasons[0].value, reasons[1].value = reasons[1].value, reasons[0].value

    copy = edited_copy(
        workbooks["hand_built"], tmp_path, "Refunds", "Refunds", move_refund
    )
    result = recalculate(soffice, copy, tmp_path)
    assert check_of(result, "Totals", "By reason", "amount") == "DIFFERENT"
    assert check_of(result, "Totals", "By method", "amount") == "OK"
    assert named_cell(result, "check_all").value == "DIFFERENT"


# The hand-built input


def test_hand_built_totals_by_month(outputs):
    path = outputs["hand_built"] / "refund_check.xlsx"
    rows = workbook_table(path, "Totals", "RefundsByMonth")
    months = [row["month"].strftime("%Y-%m") for row in rows]
    assert months == ["2024-03", "2024-04"]
    assert [row["refunds"] for row in rows] == [2, 6]
    assert [exact(row["amount"]) for row in rows] == [
        Decimal("55.51"),
        Decimal("12346679.61"),
    ]


def test_hand_built_reasons_kept_literal(outputs):
    path = outputs["hand_built"] / "refund_check.xlsx"
    rows = workbook_table(path, "Totals", "RefundsByReason")
    reasons = {row["reason"]: row["refunds"] for row in rows}
    assert reasons == {
        "<none>": 1,
        "return": 1,
        "cancelled": 1,
        "damaged": 2,
        "axb": 1,
        "a?b": 1,
        "=x": 1,
    }


def test_hand_built_parties(outputs):
    path = outputs["hand_built"] / "refund_check.xlsx"
    rows = workbook_table(path, "Totals", "RefundsByParty")
    parties = {row["responsible_party"]: exact(row["amount"]) for row in rows}
    assert parties == {
        "unassigned": Decimal("12345678.91"),
        "customer": Decimal("1035.57"),
        "carrier": Decimal("20.34"),
        "seller": Decimal("0.30"),
    }


def test_hand_built_source_named(outputs):
    workbook = load_workbook(outputs["hand_built"] / "refund_check.xlsx")
    assert named_cell(workbook, "refund_source").value == "refunds export: 8 refunds"


def test_orders_only_source_named(outputs):
    workbook = load_workbook(outputs["orders_only"] / "refund_check.xlsx")
    source = named_cell(workbook, "refund_source").value
    assert source.startswith("orders export: the refunded_amount of 6 orders")
    assert exact(named_cell(workbook, "tool_total_refunds").value) == Decimal(
        "12346734.82"
    )


def test_hand_built_reconciliation(outputs):
    path = outputs["hand_built"] / "refund_check.xlsx"
    rows = workbook_table(path, "Reconciliation", "Reconciliation")
    found = {(row["order_id"], row["compared_with"]): row["status"] for row in rows}
    assert found == {
        ("A1", "orders"): "matched",
        ("A2", "orders"): "matched",
        ("A3", "orders"): "differing",
        ("A4", "orders"): "refunds_only",
        ("A5", "orders"): "matched",
        ("A6", "orders"): "orders_only",
        ("A7", "orders"): "matched",
        ("A1", "complaints"): "matched",
        ("A3", "complaints"): "differing",
        ("A7", "complaints"): "refunds_only",
    }
    differences = {
        (row["order_id"], row["compared_with"]): exact(row["difference"])
        for row in rows
    }
    assert differences[("A3", "orders")] == Decimal("0.07")
    assert differences[("A3", "complaints")] == Decimal("950.07")


def test_hand_built_refund_above_paid_listed(outputs):
    path = outputs["hand_built"] / "refund_check.xlsx"
    rows = workbook_table(path, "Refund exceptions", "RefundExceptions")
    above = [row for row in rows if row["rule_id"] == "refund_exceeds_paid"]
    assert [row["order_id"] for row in above] == ["A3"]
    assert exact(above[0]["amount_at_risk"]) == Decimal("950.07")


# Refund exceptions equal the register's rows


def register_rows(out: Path) -> list[dict]:
    return workbook_table(out / "exception_register.xlsx", "Register", "Register")


@pytest.mark.parametrize("name", ["hand_built", "demo"])
def test_exceptions_equal_register_rows(name, outputs, demo):
    out = demo[2] if name == "demo" else outputs[name]
    listed = workbook_table(
        out / "refund_check.xlsx", "Refund exceptions", "RefundExceptions"
    )
    expected = [row for row in register_rows(out) if row["rule_id"] in REFUND_RULES]
    assert sorted(row["exception_id"] for row in listed) == sorted(
        row["exception_id"] for row in expected
    )


@pytest.mark.parametrize("name", ["hand_built", "demo"])
def test_exception_totals_equal_register_sums(name, outputs, demo):
    out = demo[2] if name == "demo" else outputs[name]
    workbook = load_workbook(out / "refund_check.xlsx")
    register = register_rows(out)
    for rule_id in REFUND_RULES:
        rows = [row for row in register if row["rule_id"] == rule_id]
        amount = sum(
            (
                exact(row["amount_at_risk"])
                for row in rows
                if row["amount_at_risk"] is not None
            ),
            Decimal(0),
        )
        count = named_cell(workbook, f"tool_count_{rule_id}").value
        total = exact(named_cell(workbook, f"tool_total_{rule_id}").value)
        assert (rule_id, count, total) == (rule_id, len(rows), amount)


def test_demo_exception_totals_equal_register_table(demo):
    _, run, out = demo
    workbook = load_workbook(out / "refund_check.xlsx")
    ((count, amount),) = run.con.execute(
        "SELECT count(*), sum(amount_at_risk) FROM register "
        "WHERE list_contains(?, rule_id)",
        [list(REFUND_RULES)],
    ).fetchall()
    assert named_cell(workbook, "tool_count_refund_exceptions").value == count
    assert exact(named_cell(workbook, "tool_total_refund_exceptions").value) == amount
    assert count > 0


# The demo's planted cases


@pytest.mark.parametrize("rule_id", REFUND_RULES)
def test_demo_planted_refund_exception_listed(rule_id, demo):
    manifest, _, out = demo
    case = manifest.rules[rule_id]
    rows = workbook_table(
        out / "refund_check.xlsx", "Refund exceptions", "RefundExceptions"
    )
    keys = {row[case.key] for row in rows if row["rule_id"] == rule_id}
    assert set(case.expected) - keys == set()
    assert set(case.near_misses) & keys == set()


def test_demo_planted_reconciliation_found(demo):
    manifest, _, out = demo
    rows = workbook_table(out / "refund_check.xlsx", "Reconciliation", "Reconciliation")
    found = {
        (row["order_id"], row["compared_with"]): (
            row["status"],
            exact(row["difference"]),
        )
        for row in rows
    }
    missing = [
        case
        for case in manifest.reconciliation
        if found.get((case.order_id, case.compared_with))
        != (case.status, Decimal(case.difference))
    ]
    assert missing == []
    assert len(manifest.reconciliation) >= 10


def test_demo_tool_values_as_computed(demo):
    _, run, out = demo
    workbook = load_workbook(out / "refund_check.xlsx")
    values = build_refund_check(run.con, run.report_parameters, {}).values
    written = {name: named_cell(workbook, name).value for name in values}
    for name, value in values.items():
        if isinstance(value, Decimal):
            written[name] = exact(written[name])
    assert written == values

"""Filling the workbook templates, checked on files reopened from disk.

Set ORDER_AUDIT_UPDATE_GOLDEN=1 to rewrite the expected dumps in tests/golden
after an intended change to a template or to the filler; review the diff.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import runpy
import subprocess
import threading
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest
from openpyxl.utils.units import pixels_to_EMU
from PIL import Image as PILImage

from audit import sheet_xml, workbook
from audit.errors import TemplateError
from audit.refunds import TABLE_COLUMNS as REFUND_CHECK_TABLES
from audit.workbook import CUT_MARKER, MAX_TEXT_LENGTH, fill_workbook

REPOSITORY = Path(__file__).resolve().parents[1]
TEMPLATES = REPOSITORY / "templates"
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = bool(os.environ.get("ORDER_AUDIT_UPDATE_GOLDEN"))

REGISTER_HEADER = [
    "exception_id",
    "rule_id",
    "rule_title",
    "category",
    "exception_class",
    "severity",
    "responsible_party",
    "order_id",
    "customer_id",
    "carrier",
    "seller_id",
    "complaint_id",
    "refund_id",
    "sku",
    "tracking_no",
    "evidence",
    "amount_at_risk",
    "detected_at",
    "due_by",
    "overdue",
    "age_days",
    "suggested_action",
    "force_majeure",
    "owner",
    "status",
    "root_cause",
    "corrective_action",
    "target_date",
    "notes",
]
REJECTED_ROWS_HEADER = [
    "input",
    "file",
    "row",
    "column",
    "value",
    "reason_code",
    "reason",
]
RUN_RECORD_TABLES = {
    "RunInputs": [
        "input",
        "path",
        "sha256",
        "rows_read",
        "rows_accepted",
        "rows_rejected",
    ],
    "RunParameters": ["rule_id", "parameter", "value"],
    "RuleVersions": ["rule_id", "version", "exceptions", "status", "note"],
}
RUN_RECORD_NAMES = [
    "tool_version",
    "command_line",
    "as_of",
    "time_zone",
    "period",
    "profile",
    "generated_at",
    "configuration",
]

# The tables each template must hold, with their columns in order.
EXPECTED_TABLES = {
    "register.xlsx": {
        "Register": REGISTER_HEADER,
        "RegisterSummary": [
            "rule_id",
            "rule_title",
            "category",
            "severity",
            "exceptions",
            "amount_at_risk",
        ],
        "RejectedRows": REJECTED_ROWS_HEADER,
        **RUN_RECORD_TABLES,
    },
    "review_pack.xlsx": {
        "Headline": [
            "indicator",
            "numerator",
            "denominator",
            "value",
            "previous_value",
            "change",
            "unit",
            "note",
        ],
        "ByCategorySeverity": ["category", "severity", "exceptions", "per_1000_orders"],
        "ByRule": [
            "rule_id",
            "rule_title",
            "exceptions",
            "share",
            "cumulative_share",
            "vital_few",
        ],
        "ByParty": [
            "responsible_party",
            "exceptions",
            "amount_at_risk",
            "share",
            "cumulative_share",
            "vital_few",
        ],
        "CarrierScorecard": [
            "carrier",
            "shipments",
            "delivered",
            "on_time_rate",
            "avg_delay_days",
            "lost_damaged",
            "lost_damaged_per_1000",
            "complaints",
            "complaints_per_1000",
            "rank",
        ],
        "SellerScorecard": [
            "seller_id",
            "orders",
            "exceptions",
            "exceptions_per_1000",
            "late_shipments",
            "quality_complaints",
            "rank",
        ],
        "ComplaintTrend": [
            "week_start",
            "category",
            "complaints",
            "per_1000_orders",
            "median_first_response_hours",
            "median_resolution_hours",
        ],
        "RejectedRows": REJECTED_ROWS_HEADER,
        **RUN_RECORD_TABLES,
    },
    "refund_check.xlsx": {
        **REFUND_CHECK_TABLES,
        "RejectedRows": REJECTED_ROWS_HEADER,
        **RUN_RECORD_TABLES,
    },
}

EXPECTED_NAMES = {
    "register.xlsx": RUN_RECORD_NAMES,
    "review_pack.xlsx": RUN_RECORD_NAMES
    + ["title", "previous_period"]
    + [f"chart_{number}" for number in range(1, 7)],
    "refund_check.xlsx": RUN_RECORD_NAMES
    + [
        "tool_total_by_month",
        "tool_total_by_reason",
        "tool_total_refund_exceptions",
        "tool_total_refunds",
    ],
}

FORMULA_LIKE_TEXTS = [
    "=1+2",
    "+x",
    "-12",
    "@SUM(A1)",
    "\tx",
    "\rx",
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "#N/A",
    "a\r\nb",
    " padded ",
]


def money(*amounts: str) -> pa.Array:
    return pa.array([Decimal(amount) for amount in amounts], pa.decimal128(18, 2))


def timestamps(*values: dt.datetime | None) -> pa.Array:
    return pa.array(list(values), pa.timestamp("us"))


def register_rows(count: int = 3) -> pa.Table:
    """Register rows of every type, with nulls and text that looks like a formula."""
    base = dt.datetime(2024, 5, 1, 8, 30)
    return pa.table(
        {
            "exception_id": [f"E{index:06d}" for index in range(count)],
            "rule_id": ["not_shipped_in_time"] * count,
            "rule_title": ["Not shipped in time"] * count,
            "severity": (["urgent", "important", "general"] * count)[:count],
            "order_id": [f"00{index}17" for index in range(count)],
            "tracking_no": ["12345678901234567890"] * count,
            "evidence": [
                f"=shipped {index} days late <&>" if index % 2 else None
                for index in range(count)
            ],
            "amount_at_risk": money(
                *[f"{index}1234.5{index % 10}" for index in range(count)]
            ),
            "detected_at": timestamps(
                *[base + dt.timedelta(hours=index) for index in range(count)]
            ),
            "overdue": [index % 2 == 0 for index in range(count)],
            "age_days": pa.array(range(count), pa.int32()),
            "target_date": pa.array([dt.date(2024, 6, 1)] * count, pa.date32()),
            "notes": ["" if index % 3 == 0 else "checked" for index in range(count)],
        }
    )


def run_record_values() -> dict[str, object]:
    return {
        "tool_version": "order-audit 0.1.0",
        "command_line": "order-audit run --config order-audit.toml",
        "as_of": dt.date(2024, 5, 31),
        "time_zone": "Asia/Shanghai",
        "period": "2024-05",
        "profile": "canonical",
        "generated_at": dt.datetime(2024, 6, 1, 9, 15, 30),
        "configuration": 'period = "2024-05"\n[thresholds]\nlate_days = 2\n',
    }


def run_record_tables() -> dict[str, pa.Table]:
    return {
        "RunInputs": pa.table(
            {
                "input": ["orders"],
                "path": ["exports/orders.csv"],
                "sha256": ["ab" * 32],
                "rows_read": [10],
                "rows_accepted": [9],
                "rows_rejected": [1],
            }
        ),
        "RunParameters": pa.table(
            {
                "rule_id": ["not_shipped_in_time"],
                "parameter": ["late_days"],
                "value": ["2"],
            }
        ),
        "RuleVersions": pa.table(
            {
                "rule_id": ["not_shipped_in_time", "refund_late"],
                "version": ["1", "1"],
                "exceptions": [3, 0],
                "status": ["ran", "skipped"],
                "note": [None, "refunds input missing"],
            }
        ),
        "RejectedRows": pa.table(
            {
                "input": ["orders"],
                "file": ["orders.csv"],
                "row": [7],
                "column": ["created_at"],
                "value": ["31/02/2024"],
                "reason_code": ["invalid_timestamp"],
                "reason": ["not a date"],
            }
        ),
    }


def review_pack_tables() -> dict[str, pa.Table]:
    return {
        "Headline": pa.table(
            {
                "indicator": ["exceptions_per_1000_orders", "on_time_rate"],
                "numerator": money("12.00", "950.00"),
                "denominator": money("1000.00", "1000.00"),
                "value": [12.0, 0.95],
                "previous_value": [10.0, None],
                "change": [2.0, None],
                "unit": ["per_1000_orders", "rate"],
                "note": [None, "no previous period"],
            }
        ),
        "ByCategorySeverity": pa.table(
            {
                "category": ["fulfilment"],
                "severity": ["urgent"],
                "exceptions": [4],
                "per_1000_orders": [4.0],
            }
        ),
        "ByRule": pa.table(
            {
                "rule_id": ["not_shipped_in_time"],
                "rule_title": ["Not shipped in time"],
                "exceptions": [4],
                "share": [1.0],
                "cumulative_share": [1.0],
                "vital_few": [True],
            }
        ),
        "ByParty": pa.table(
            {
                "responsible_party": ["seller"],
                "exceptions": [4],
                "amount_at_risk": money("99.90"),
                "share": [1.0],
                "cumulative_share": [1.0],
                "vital_few": [True],
            }
        ),
        "CarrierScorecard": pa.table(
            {
                "carrier": ["SF", "ZTO"],
                "shipments": [100, 80],
                "delivered": [98, 70],
                "on_time_rate": [0.97, 0.81],
                "avg_delay_days": [0.2, 1.4],
                "lost_damaged": [1, 4],
                "lost_damaged_per_1000": [10.0, 50.0],
                "complaints": [2, 9],
                "complaints_per_1000": [20.0, 112.5],
                "rank": [1, 2],
            }
        ),
        "SellerScorecard": pa.table(
            {
                "seller_id": ["0042"],
                "orders": [50],
                "exceptions": [3],
                "exceptions_per_1000": [60.0],
                "late_shipments": [2],
                "quality_complaints": [1],
                "rank": [1],
            }
        ),
        "ComplaintTrend": pa.table(
            {
                "week_start": pa.array([dt.date(2024, 5, 6)], pa.date32()),
                "category": ["delivery"],
                "complaints": [3],
                "per_1000_orders": [3.0],
                "median_first_response_hours": [2.5],
                "median_resolution_hours": [30.0],
            }
        ),
        **run_record_tables(),
    }


def refund_check_tables() -> dict[str, pa.Table]:
    return {
        "RefundsByMonth": pa.table(
            {
                "month": ["2024-04", "2024-05"],
                "refunds": [1, 2],
                "amount": money("10.10", "20.25"),
            }
        ),
        "RefundsByReason": pa.table(
            {"reason": ["damaged"], "refunds": [3], "amount": money("30.35")}
        ),
        "RefundExceptions": pa.table(
            {
                "exception_id": ["E1"],
                "rule_id": ["refund_late"],
                "rule_title": ["Refund late"],
                "order_id": ["0017"],
                "refund_id": ["R01"],
                "amount_at_risk": money("20.25"),
                "evidence": ["refunded 9 days after"],
                "severity": ["important"],
            }
        ),
        "Refunds": pa.table(
            {
                "refund_id": ["R01", "R02"],
                "order_id": ["0017", "0018"],
                "requested_at": timestamps(dt.datetime(2024, 5, 2, 10), None),
                "approved_at": timestamps(None, dt.datetime(2024, 5, 3, 11)),
                "refunded_at": timestamps(dt.datetime(2024, 5, 11, 9, 5), None),
                "amount": money("20.25", "10.10"),
                "reason": ["damaged", None],
                "method": ["original", "original"],
            }
        ),
        **run_record_tables(),
    }


REFUND_TOTALS = {
    "tool_total_by_month": Decimal("30.35"),
    "tool_total_by_reason": Decimal("30.35"),
    "tool_total_refund_exceptions": Decimal("20.25"),
    "tool_total_refunds": Decimal("30.35"),
}


def chart_png(path: Path, dpi: int = 192) -> Path:
    PILImage.new("RGB", (400, 200), "white").save(path, dpi=(dpi, dpi))
    return path


def fill_samples(template: str, folder: Path) -> Path:
    """Fill one template with the small sample data used by the golden dumps."""
    destination = folder / template
    if template == "register.xlsx":
        tables = {"Register": register_rows(), **run_record_tables()}
        values = run_record_values()
    elif template == "review_pack.xlsx":
        tables = review_pack_tables()
        values = {
            **run_record_values(),
            "title": "Exception review",
            "previous_period": "2024-04",
        }
    else:
        tables = refund_check_tables()
        values = {**run_record_values(), **REFUND_TOTALS}
    fill_workbook(TEMPLATES / template, destination, tables=tables, values=values)
    return destination


def json_value(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return {"datetime": value.isoformat()}
    return value


def dump_workbook(path: Path) -> dict:
    """Describe a workbook by its cells, number formats, tables and names."""
    wb = openpyxl.load_workbook(path)
    dump = {
        "sheets": wb.sheetnames,
        "defined_names": {name: d.attr_text for name, d in wb.defined_names.items()},
        "tables": {},
        "cells": {},
        "sheet_names": {},
        "conditional_formats": {},
        "data_validations": {},
    }
    for ws in wb.worksheets:
        for table in ws.tables.values():
            dump["tables"][table.displayName] = {
                "sheet": ws.title,
                "ref": table.ref,
                "columns": [column.name for column in table.tableColumns],
            }
        dump["cells"][ws.title] = {
            cell.coordinate: [
                json_value(cell.value),
                cell.data_type,
                cell.number_format,
            ]
            for row in ws.iter_rows()
            for cell in row
            if cell.value is not None or cell.number_format != "General"
        }
        dump["sheet_names"][ws.title] = {
            name: d.attr_text for name, d in ws.defined_names.items()
        }
        dump["conditional_formats"][ws.title] = [
            str(formatting.sqref) for formatting in ws.conditional_formatting
        ]
        dump["data_validations"][ws.title] = [
            str(validation.sqref) for validation in ws.data_validations.dataValidation
        ]
    return dump


def build_templates(folder: Path) -> None:
    """Run tools/make_templates.py's builder, writing into ``folder``."""
    namespace = runpy.run_path(str(REPOSITORY / "tools" / "make_templates.py"))
    namespace["build_all"](folder)


def table_columns(path: Path) -> dict[str, list[str]]:
    wb = openpyxl.load_workbook(path)
    return {
        table.displayName: [column.name for column in table.tableColumns]
        for ws in wb.worksheets
        for table in ws.tables.values()
    }


def all_defined_names(path: Path) -> set[str]:
    wb = openpyxl.load_workbook(path)
    names = set(wb.defined_names)
    for ws in wb.worksheets:
        names |= set(ws.defined_names)
    return names


@pytest.fixture(params=["openpyxl", "streamed"])
def write_mode(request, monkeypatch) -> str:
    """Run a test once with openpyxl writing the rows and once streaming them."""
    if request.param == "streamed":
        monkeypatch.setattr(workbook, "STREAM_THRESHOLD", 0)
    return request.param


def fill_register(folder: Path, data: pa.Table, **options) -> tuple[Path, object]:
    destination = folder / "register.xlsx"
    result = fill_workbook(
        TEMPLATES / "register.xlsx",
        destination,
        tables={"Register": data},
        values={},
        **options,
    )
    return destination, result


def register_cell(path: Path, row: int, column: str):
    ws = openpyxl.load_workbook(path)["Register"]
    return ws.cell(row, REGISTER_HEADER.index(column) + 1)


# The templates


@pytest.mark.parametrize("template", sorted(EXPECTED_TABLES))
def test_template_has_tables_and_columns(template):
    assert table_columns(TEMPLATES / template) == EXPECTED_TABLES[template]


@pytest.mark.parametrize("template", sorted(EXPECTED_NAMES))
def test_template_has_defined_names(template):
    missing = set(EXPECTED_NAMES[template]) - all_defined_names(TEMPLATES / template)
    assert missing == set()


@pytest.mark.parametrize("template", sorted(EXPECTED_TABLES))
def test_template_tables_have_one_data_row(template):
    wb = openpyxl.load_workbook(TEMPLATES / template)
    for ws in wb.worksheets:
        for table in ws.tables.values():
            first, last = table.ref.split(":")
            assert ws[last].row == ws[first].row + 1, table.displayName


@pytest.mark.parametrize("template", sorted(EXPECTED_TABLES))
def test_template_matches_builder(template, tmp_path):
    build_templates(tmp_path)
    assert dump_workbook(tmp_path / template) == dump_workbook(TEMPLATES / template)


def test_template_register_status_list():
    ws = openpyxl.load_workbook(TEMPLATES / "register.xlsx")["Register"]
    (validation,) = ws.data_validations.dataValidation
    expected = '"open,in progress,resolved,accepted risk,false positive"'
    assert validation.formula1 == expected


def test_template_chart_anchors_do_not_overlap():
    # 16 x 9 cm at 96 px per inch is 605 x 340 px; default cells are 64 x 20 px.
    wb = openpyxl.load_workbook(TEMPLATES / "review_pack.xlsx")
    anchors = []
    for number in range(1, 7):
        ((_, coordinate),) = wb.defined_names[f"chart_{number}"].destinations
        cell = wb["Charts"][coordinate.replace("$", "")]
        anchors.append((cell.column * 64, cell.row * 20))
    for index, (x, y) in enumerate(anchors):
        for other_x, other_y in anchors[index + 1 :]:
            assert abs(x - other_x) >= 605 or abs(y - other_y) >= 340


# Golden workbooks


@pytest.mark.parametrize("template", sorted(EXPECTED_TABLES))
def test_fill_matches_golden(template, tmp_path):
    dump = dump_workbook(fill_samples(template, tmp_path))
    golden = GOLDEN / template.replace(".xlsx", ".json")
    if UPDATE_GOLDEN:
        golden.write_text(
            json.dumps(dump, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    expected = json.loads(golden.read_text(encoding="utf-8"))
    for part in expected:
        assert dump[part] == expected[part], part


# Text


@pytest.mark.parametrize("text", FORMULA_LIKE_TEXTS)
def test_text_formula_like_stays_literal(text, tmp_path, write_mode):
    path, _ = fill_register(tmp_path, pa.table({"evidence": [text]}))
    cell = register_cell(path, 2, "evidence")
    assert cell.value == text
    assert cell.data_type == "s"


def test_text_no_formula_in_sheet_xml(tmp_path, write_mode):
    path, _ = fill_register(tmp_path, pa.table({"evidence": FORMULA_LIKE_TEXTS}))
    with zipfile.ZipFile(path) as package:
        sheet = package.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet


@pytest.mark.parametrize("order_id", ["0017", "000000", "1e5", "12345678901234567890"])
def test_text_ids_stay_text(order_id, tmp_path, write_mode):
    path, _ = fill_register(tmp_path, pa.table({"order_id": [order_id]}))
    cell = register_cell(path, 2, "order_id")
    assert cell.value == order_id
    assert cell.data_type == "s"


def test_text_tracking_number_keeps_digits(tmp_path, write_mode):
    path, _ = fill_register(
        tmp_path, pa.table({"tracking_no": ["12345678901234567890"]})
    )
    cell = register_cell(path, 2, "tracking_no")
    assert cell.value == "12345678901234567890"
    assert cell.data_type == "s"


def test_text_control_characters_removed(tmp_path, write_mode):
    data = pa.table({"evidence": ["a\x00b\x07c\x1fd", "tab\tand\nline", "e\ufffef"]})
    path, result = fill_register(tmp_path, data)
    ws = openpyxl.load_workbook(path)["Register"]
    evidence = REGISTER_HEADER.index("evidence") + 1
    assert ws.cell(2, evidence).value == "abcd"
    assert ws.cell(3, evidence).value == "tab\tand\nline"
    assert ws.cell(4, evidence).value == "ef"
    assert result.control_chars_removed == 4


def test_text_over_limit_cut(tmp_path, write_mode):
    data = pa.table({"evidence": ["x" * (MAX_TEXT_LENGTH + 10), "y" * MAX_TEXT_LENGTH]})
    path, result = fill_register(tmp_path, data)
    ws = openpyxl.load_workbook(path)["Register"]
    evidence = REGISTER_HEADER.index("evidence") + 1
    cut = ws.cell(2, evidence).value
    assert len(cut) == MAX_TEXT_LENGTH
    assert cut.endswith(CUT_MARKER)
    assert ws.cell(3, evidence).value == "y" * MAX_TEXT_LENGTH
    assert result.texts_cut == 1


def test_text_excel_escape_kept_literal(tmp_path, write_mode):
    # Excel reads "_x000D_" in a string as a carriage return unless its
    # underscore is written as "_x005F_"; openpyxl does not decode either.
    path, _ = fill_register(tmp_path, pa.table({"evidence": ["a_x000D_b"]}))
    assert register_cell(path, 2, "evidence").value == "a_x005F_x000D_b"


def test_text_cut_counts_utf16_units():
    # Each emoji is two UTF-16 units, which is how Excel counts characters.
    cut = workbook._cut_text("😀" * MAX_TEXT_LENGTH)
    assert len(cut.encode("utf-16-le")) // 2 <= MAX_TEXT_LENGTH
    assert cut.endswith(CUT_MARKER)


def test_text_value_cut_and_cleaned(tmp_path):
    destination = tmp_path / "register.xlsx"
    result = fill_workbook(
        TEMPLATES / "register.xlsx",
        destination,
        tables={},
        values={"configuration": "=a\x01" + "z" * MAX_TEXT_LENGTH},
    )
    cell = openpyxl.load_workbook(destination)["Run record"]["B10"]
    assert cell.value.startswith("=az")
    assert cell.data_type == "s"
    assert result.control_chars_removed == 1
    assert result.texts_cut == 1


# Numbers, dates and booleans


def test_decimal_amounts_exact(tmp_path, write_mode):
    amounts = ["0.10", "0.20", "12345678901234.56", "-0.01", "99999999.99"]
    path, _ = fill_register(tmp_path, pa.table({"amount_at_risk": money(*amounts)}))
    ws = openpyxl.load_workbook(path)["Register"]
    column = REGISTER_HEADER.index("amount_at_risk") + 1
    for row, amount in enumerate(amounts, start=2):
        assert Decimal(repr(ws.cell(row, column).value)) == Decimal(amount), amount


def test_decimal_number_format_from_template(tmp_path, write_mode):
    path, _ = fill_register(tmp_path, pa.table({"amount_at_risk": money("1.50")}))
    cell = register_cell(path, 2, "amount_at_risk")
    assert cell.number_format == "#,##0.00"
    assert cell.data_type == "n"


def test_timestamp_written_as_datetime(tmp_path, write_mode):
    when = dt.datetime(2024, 2, 29, 23, 59, 58)
    path, _ = fill_register(tmp_path, pa.table({"due_by": timestamps(when)}))
    cell = register_cell(path, 2, "due_by")
    assert cell.value == when
    assert cell.number_format == "yyyy-mm-dd hh:mm"


def test_timestamp_in_text_column_gets_date_format(tmp_path, write_mode):
    when = dt.datetime(2024, 5, 1, 12, 0)
    path, _ = fill_register(tmp_path, pa.table({"notes": timestamps(when)}))
    cell = register_cell(path, 2, "notes")
    assert cell.value == when
    assert cell.number_format == "yyyy-mm-dd hh:mm:ss"


def test_timestamp_with_time_zone_rejected(tmp_path):
    data = pa.table({"due_by": pa.array([0], pa.timestamp("us", tz="UTC"))})
    with pytest.raises(ValueError, match="time zone UTC"):
        fill_register(tmp_path, data)


def test_float_nan_left_empty(tmp_path, write_mode):
    data = pa.table({"age_days": pa.array([float("nan"), float("inf"), 1.5])})
    path, _ = fill_register(tmp_path, data)
    ws = openpyxl.load_workbook(path)["Register"]
    column = REGISTER_HEADER.index("age_days") + 1
    assert [ws.cell(row, column).value for row in (2, 3, 4)] == [None, None, 1.5]


def test_bool_written_as_bool(tmp_path, write_mode):
    path, _ = fill_register(tmp_path, pa.table({"overdue": [True, False]}))
    cell = register_cell(path, 2, "overdue")
    assert cell.value is True
    assert cell.data_type == "b"


def test_id_column_of_numbers_rejected(tmp_path):
    with pytest.raises(TypeError, match="column order_id is int64"):
        fill_register(tmp_path, pa.table({"order_id": [17]}))


# Tables


def test_table_resized_to_rows(tmp_path, write_mode):
    path, _ = fill_register(tmp_path, register_rows(5))
    ws = openpyxl.load_workbook(path)["Register"]
    assert ws.tables["Register"].ref == "A1:AC6"
    assert ws.tables["Register"].autoFilter.ref == "A1:AC6"


def test_table_zero_rows_keeps_one_row(tmp_path):
    path, result = fill_register(tmp_path, register_rows(0))
    ws = openpyxl.load_workbook(path)["Register"]
    assert ws.tables["Register"].ref == "A1:AC2"
    assert ws["Q2"].number_format == "#,##0.00"
    assert result.rows_written == {"Register": 0}


def test_table_missing_columns_stay_empty_and_styled(tmp_path, write_mode):
    path, _ = fill_register(tmp_path, pa.table({"order_id": ["1", "2"]}))
    cell = register_cell(path, 3, "amount_at_risk")
    assert cell.value is None
    assert cell.number_format == "#,##0.00"


def test_table_formats_extend_to_rows(tmp_path, write_mode):
    path, _ = fill_register(tmp_path, register_rows(4))
    ws = openpyxl.load_workbook(path)["Register"]
    ranges = {str(formatting.sqref) for formatting in ws.conditional_formatting}
    assert ranges == {"F2:F5", "T2:T5"}
    assert str(ws.data_validations.dataValidation[0].sqref) == "Y2:Y5"


def test_table_reviewer_fill_copied(tmp_path, write_mode):
    path, _ = fill_register(tmp_path, register_rows(3))
    template_fill = register_cell(TEMPLATES / "register.xlsx", 2, "owner").fill
    assert register_cell(path, 4, "owner").fill.fgColor.rgb == template_fill.fgColor.rgb


def test_table_missing_raises_template_error(tmp_path):
    with pytest.raises(TemplateError) as raised:
        fill_workbook(
            TEMPLATES / "register.xlsx",
            tmp_path / "out.xlsx",
            tables={"NoSuchTable": pa.table({"a": [1]})},
            values={},
        )
    assert "NoSuchTable" in raised.value.message
    assert "register.xlsx" in raised.value.message


def test_table_missing_skipped_when_allowed(tmp_path):
    result = fill_workbook(
        TEMPLATES / "register.xlsx",
        tmp_path / "out.xlsx",
        tables={"NoSuchTable": pa.table({"a": [1]}), "Register": register_rows(2)},
        values={},
        skip_missing_tables=True,
    )
    assert result.rows_written == {"Register": 2}
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["Register"]
    assert sheet.tables["Register"].ref.endswith("3")


def test_table_extra_column_raises_template_error(tmp_path):
    with pytest.raises(TemplateError) as raised:
        fill_register(tmp_path, pa.table({"order_id": ["1"], "colour": ["red"]}))
    assert "Register" in raised.value.message
    assert "'colour'" in raised.value.message


def test_defined_name_missing_raises_template_error(tmp_path):
    with pytest.raises(TemplateError) as raised:
        fill_workbook(
            TEMPLATES / "register.xlsx",
            tmp_path / "out.xlsx",
            tables={},
            values={"no_such_name": 1},
        )
    assert "no_such_name" in raised.value.message
    assert "register.xlsx" in raised.value.message


def test_template_missing_raises_template_error(tmp_path):
    with pytest.raises(TemplateError, match="template not found"):
        fill_workbook(
            tmp_path / "absent.xlsx", tmp_path / "out.xlsx", tables={}, values={}
        )


def test_template_cell_below_table_rejected(tmp_path):
    template = tmp_path / "template.xlsx"
    wb = openpyxl.load_workbook(TEMPLATES / "register.xlsx")
    wb["Summary"]["B9"] = "note under the table"
    wb.save(template)
    with pytest.raises(TemplateError, match=r"Summary!B9"):
        fill_workbook(
            template,
            tmp_path / "out.xlsx",
            tables={"RegisterSummary": pa.table({"rule_id": ["r"]})},
            values={},
        )


def test_tables_side_by_side_grow_apart(tmp_path, write_mode):
    tables = {
        "RunInputs": pa.table({"input": [f"file{index}" for index in range(4)]}),
        "RunParameters": pa.table({"parameter": ["p1", "p2"]}),
    }
    destination = tmp_path / "register.xlsx"
    fill_workbook(TEMPLATES / "register.xlsx", destination, tables=tables, values={})
    ws = openpyxl.load_workbook(destination)["Run record"]
    assert [ws.cell(row, 1).value for row in range(14, 18)] == [
        "file0",
        "file1",
        "file2",
        "file3",
    ]
    assert [ws.cell(row, 9).value for row in range(14, 17)] == ["p1", "p2", None]
    assert ws.tables["RunParameters"].ref == "H13:J15"
    # The empty RuleVersions table beside them keeps its styled data row.
    assert ws["N14"].number_format == "#,##0"


# Single values and images


def test_values_written_to_every_scope(tmp_path):
    destination = tmp_path / "review_pack.xlsx"
    fill_workbook(
        TEMPLATES / "review_pack.xlsx",
        destination,
        tables={},
        values={"as_of": dt.date(2024, 5, 31), "title": "Exception review"},
    )
    wb = openpyxl.load_workbook(destination)
    assert wb["Overview"]["B5"].value == dt.datetime(2024, 5, 31)
    assert wb["Run record"]["B5"].value == dt.datetime(2024, 5, 31)
    assert wb["Overview"]["A1"].value == "Exception review"


def test_values_keep_template_formulas(tmp_path):
    destination = fill_samples("refund_check.xlsx", tmp_path)
    cell = openpyxl.load_workbook(destination)["Totals"]["D11"]
    assert cell.value == "=SUM(RefundsByMonth[amount])"
    assert cell.data_type == "f"


def test_images_placed_at_anchor(tmp_path):
    png = chart_png(tmp_path / "chart.png", dpi=192)
    destination = tmp_path / "review_pack.xlsx"
    fill_workbook(
        TEMPLATES / "review_pack.xlsx",
        destination,
        tables={},
        values={},
        images={"chart_2": png},
    )
    (image,) = openpyxl.load_workbook(destination)["Charts"]._images
    assert (image.anchor._from.col, image.anchor._from.row) == (16, 2)
    # 400 px drawn at 192 dpi is shown 200 px wide at Excel's 96 px per inch.
    assert image.anchor.ext.width == pixels_to_EMU(200)


# Labels


ZH_LABELS = {
    "Register": "异常登记表",
    "Run record": "运行记录",
    "order_id": "订单编号",
    "amount": "金额",
    "Totals": "合计",
    "Tool version": "工具版本",
}


def test_labels_rename_sheets_and_headers(tmp_path):
    path, _ = fill_register(
        tmp_path, pa.table({"order_id": ["0017"]}), labels=ZH_LABELS
    )
    wb = openpyxl.load_workbook(path)
    table = wb["异常登记表"].tables["Register"]
    assert wb.sheetnames[0] == "异常登记表"
    assert wb["异常登记表"]["H1"].value == "订单编号"
    assert table.tableColumns[7].name == "订单编号"
    assert wb["异常登记表"]["H2"].value == "0017"


def test_labels_fix_defined_name_sheets(tmp_path):
    destination = tmp_path / "register.xlsx"
    fill_workbook(
        TEMPLATES / "register.xlsx",
        destination,
        tables={},
        values={"tool_version": "order-audit 0.1.0"},
        labels=ZH_LABELS,
    )
    wb = openpyxl.load_workbook(destination)
    ws = wb["运行记录"]
    assert ws.defined_names["tool_version"].attr_text == "'运行记录'!$B$3"
    assert ws["B3"].value == "order-audit 0.1.0"
    assert ws["A3"].value == "工具版本"


def test_labels_rewrite_structured_references(tmp_path):
    destination = tmp_path / "refund_check.xlsx"
    fill_workbook(
        TEMPLATES / "refund_check.xlsx",
        destination,
        tables={},
        values={},
        labels=ZH_LABELS,
    )
    wb = openpyxl.load_workbook(destination)
    assert wb["合计"]["D11"].value == "=SUM(RefundsByMonth[金额])"
    assert wb.defined_names["tool_total_by_month"].attr_text == "'合计'!$C$11"


def test_labels_leave_data_untranslated(tmp_path):
    path, _ = fill_register(
        tmp_path, pa.table({"notes": ["Register"]}), labels=ZH_LABELS
    )
    ws = openpyxl.load_workbook(path)["异常登记表"]
    assert ws.cell(2, REGISTER_HEADER.index("notes") + 1).value == "Register"


# Saving


def test_fill_returns_counts(tmp_path):
    path, result = fill_register(tmp_path, register_rows(3))
    assert result.path == path
    assert result.rows_written == {"Register": 3}
    assert result.control_chars_removed == 0
    assert result.texts_cut == 0


@pytest.mark.parametrize("failing", ["building", "deflating", "writing"])
def test_fill_failure_keeps_destination(tmp_path, monkeypatch, failing):
    # The streamed rows are built and written in this thread and deflated in
    # others, and a failure in any of them must reach the caller.
    destination = tmp_path / "register.xlsx"
    destination.write_bytes(b"the earlier workbook")
    monkeypatch.setattr(workbook, "STREAM_THRESHOLD", 0)
    monkeypatch.setattr(sheet_xml, "STREAM_CHUNK_ROWS", 1)

    def fail(*args):
        raise RuntimeError("disk full")

    failed_in = []
    deflate = sheet_xml._deflated_piece

    def fail_in_worker(chunk):
        if threading.current_thread() is not threading.main_thread():
            failed_in.append("worker")
            fail()
        return deflate(chunk)

    if failing == "building":
        monkeypatch.setattr(sheet_xml, "_cell_fragments", fail)
    elif failing == "deflating":
        monkeypatch.setattr(sheet_xml, "_deflated_piece", fail_in_worker)
    else:
        monkeypatch.setattr(sheet_xml._Pieces, "write", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        fill_register(tmp_path, register_rows(3))
    assert destination.read_bytes() == b"the earlier workbook"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["register.xlsx"]
    assert set(failed_in) == ({"worker"} if failing == "deflating" else set())


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_streamed_part_reads_back_whole(tmp_path, compression):
    # Deflated, the chunks are compressed apart by worker threads and the
    # pieces joined into one stream. Stored, they are written as they are.
    # Either way zipfile must read back every byte with a matching CRC-32.
    chunks = [bytes(range(256)) * 40 + str(n).encode() * 3000 for n in range(9)]
    path = tmp_path / "parts.zip"
    with zipfile.ZipFile(path, "w") as package:
        entry = zipfile.ZipInfo("sheet.xml")
        entry.compress_type = compression
        with package.open(entry, "w", force_zip64=True) as part:
            sheet_xml._deflate_alongside(part, iter(chunks))
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        assert package.read("sheet.xml") == b"".join(chunks)
        info = package.getinfo("sheet.xml")
    assert info.compress_type == compression
    if compression == zipfile.ZIP_DEFLATED:
        assert info.compress_size < info.file_size // 4


def test_fill_bad_image_keeps_destination(tmp_path):
    destination = tmp_path / "review_pack.xlsx"
    destination.write_bytes(b"the earlier workbook")
    with pytest.raises(FileNotFoundError):
        fill_workbook(
            TEMPLATES / "review_pack.xlsx",
            destination,
            tables={},
            values={},
            images={"chart_1": tmp_path / "absent.png"},
        )
    assert destination.read_bytes() == b"the earlier workbook"


def test_fill_replaces_existing_destination(tmp_path):
    destination = tmp_path / "register.xlsx"
    destination.write_bytes(b"the earlier workbook")
    fill_register(tmp_path, register_rows(1))
    assert openpyxl.load_workbook(destination).sheetnames[0] == "Register"


# Streaming


def every_cell(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    cells = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                # Style objects of two workbooks compare unequal, so compare
                # their descriptions.
                cells[(ws.title, cell.coordinate)] = (
                    cell.value,
                    cell.data_type,
                    cell.number_format,
                    repr(cell.font),
                    repr(cell.fill),
                    repr(cell.alignment),
                    repr(cell.border),
                )
    return cells


def mixed_rows(count: int) -> pa.Table:
    """Rows of every kind, including nulls, empty text and awkward characters."""
    data = register_rows(count)
    texts = [
        FORMULA_LIKE_TEXTS[index % len(FORMULA_LIKE_TEXTS)] + "\x01 <b>&amp;"
        for index in range(count)
    ]
    return data.set_column(
        data.schema.get_field_index("evidence"), "evidence", pa.array(texts)
    )


def test_stream_matches_openpyxl_path(tmp_path, monkeypatch):
    data = {"Register": mixed_rows(40), **run_record_tables()}
    slow, fast = tmp_path / "slow.xlsx", tmp_path / "fast.xlsx"
    fill_workbook(
        TEMPLATES / "register.xlsx", slow, tables=data, values=run_record_values()
    )
    monkeypatch.setattr(workbook, "STREAM_THRESHOLD", 0)
    # Small chunks, so rows are built and written in several batches.
    monkeypatch.setattr(sheet_xml, "STREAM_CHUNK_ROWS", 7)
    fill_workbook(
        TEMPLATES / "register.xlsx", fast, tables=data, values=run_record_values()
    )

    slow_cells, fast_cells = every_cell(slow), every_cell(fast)
    assert slow_cells.keys() == fast_cells.keys()
    for key, expected in slow_cells.items():
        assert fast_cells[key] == expected, key
    assert dump_workbook(fast)["tables"] == dump_workbook(slow)["tables"]


def test_stream_large_table_complete(tmp_path):
    rows = workbook.STREAM_THRESHOLD + 1
    path, result = fill_register(tmp_path, register_rows(rows))
    ws = openpyxl.load_workbook(path, read_only=True)["Register"]
    last = next(ws.iter_rows(min_row=rows + 1, max_row=rows + 1, values_only=True))
    assert last[0] == f"E{rows - 1:06d}"
    assert result.rows_written == {"Register": rows}


def test_stream_sets_dimension(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "STREAM_THRESHOLD", 0)
    path, _ = fill_register(tmp_path, register_rows(7))
    with zipfile.ZipFile(path) as package:
        sheet = package.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert '<dimension ref="A1:AC8"' in sheet


def test_stream_rows_continue_on_next_sheet(tmp_path, monkeypatch, write_mode):
    # Ten data rows fit below the header when a sheet has eleven rows.
    monkeypatch.setattr(workbook, "SHEET_MAX_ROWS", 11)
    data = register_rows(25)
    path, result = fill_register(tmp_path, data)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:4] == ["Register", "Register (2)", "Register (3)", "Summary"]
    assert wb["Register"].tables["Register"].ref == "A1:AC11"
    assert wb["Register (2)"].tables["Register_2"].ref == "A1:AC11"
    assert wb["Register (3)"].tables["Register_3"].ref == "A1:AC6"
    assert result.rows_written == {"Register": 25}


def test_stream_next_sheet_keeps_rows_and_layout(tmp_path, monkeypatch, write_mode):
    monkeypatch.setattr(workbook, "SHEET_MAX_ROWS", 11)
    path, _ = fill_register(tmp_path, register_rows(25))
    wb = openpyxl.load_workbook(path)
    ws = wb["Register (3)"]
    order_id = REGISTER_HEADER.index("order_id") + 1
    assert [ws.cell(row, order_id).value for row in range(2, 7)] == [
        f"00{index}17" for index in range(20, 25)
    ]
    assert [cell.value for cell in ws[1]] == REGISTER_HEADER
    assert ws.freeze_panes == "B2"
    assert {str(cf.sqref) for cf in ws.conditional_formatting} == {"F2:F6", "T2:T6"}


def test_stream_next_sheet_title_translated(tmp_path, monkeypatch, write_mode):
    monkeypatch.setattr(workbook, "SHEET_MAX_ROWS", 11)
    path, _ = fill_register(tmp_path, register_rows(12), labels=ZH_LABELS)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["异常登记表", "异常登记表 (2)"]
    assert wb["异常登记表 (2)"]["H1"].value == "订单编号"


# Excel's view, through LibreOffice


def libreoffice_csv(soffice: str, workbook_path: Path, folder: Path) -> list[list[str]]:
    """Return the first sheet's cells as LibreOffice shows them."""
    # Filter options: comma, double quote, UTF-8 (76).
    subprocess.run(
        [
            soffice,
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(folder),
            str(workbook_path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    csv_path = folder / workbook_path.with_suffix(".csv").name
    with open(csv_path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


@pytest.mark.libreoffice
def test_text_literal_in_libreoffice(tmp_path, soffice, write_mode):
    texts = FORMULA_LIKE_TEXTS + ["a_x000D_b", "_x0041_"]
    path, _ = fill_register(tmp_path, pa.table({"evidence": texts}))
    rows = libreoffice_csv(soffice, path, tmp_path / "csv")
    evidence = REGISTER_HEADER.index("evidence")
    displayed = [row[evidence] for row in rows[1 : len(texts) + 1]]
    # LibreOffice keeps a line break in a cell as LF alone.
    assert displayed == [text.replace("\r\n", "\n") for text in texts]

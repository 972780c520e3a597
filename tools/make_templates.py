"""Build the three workbook templates that order-audit fills.

The templates hold the whole layout: sheets, header styles, column widths,
number formats, frozen panes, Excel tables, conditional formatting, data
validation and the defined names of single cells and image anchors. The
filling code only writes values, so a business user can restyle a template in
Excel without touching Python.

Run it from the repository's top after changing a layout:

    python tools/make_templates.py            # writes templates/*.xlsx
    python tools/make_templates.py --output DIR
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import CellIsRule, Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

# Number formats.
TEXT = "@"  # ID and code columns: a value typed in by hand stays text
GENERAL = "General"
COUNT = "#,##0"
MONEY = "#,##0.00"
DECIMAL = "#,##0.00"
ONE_DECIMAL = "#,##0.0"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
DATE_TIME = "yyyy-mm-dd hh:mm"
DATE_TIME_SECONDS = "yyyy-mm-dd hh:mm:ss"
MONTH = "yyyy-mm"

STATUS_VALUES = ("open", "in progress", "resolved", "accepted risk", "false positive")

THIN = Side(style="thin", color="8EA9DB")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
REVIEWER_HEADER_FILL = PatternFill("solid", fgColor="806000")
REVIEWER_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
TITLE_FONT = Font(bold=True, size=14)
LABEL_FONT = Font(bold=True)
CAPTION_FONT = Font(bold=True, size=12)

# Fills of conditional formats, as Excel's built-in "light red fill with dark
# red text" and "yellow fill with dark yellow text" presets.
URGENT_STYLE = {
    "fill": PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE"),
    "font": Font(color="9C0006"),
}
WARNING_STYLE = {
    "fill": PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C"),
    "font": Font(color="9C5700"),
}
GOOD_STYLE = {
    "fill": PatternFill("solid", start_color="C6EFCE", end_color="C6EFCE"),
    "font": Font(color="006100"),
}

# Charts are drawn about 16 x 9 cm. At Excel's default column width (64 px)
# and row height (20 px) that is about 10 columns by 17 rows, so anchors sit
# 11 columns and 20 rows apart.
CHART_ANCHORS = ("B3", "M3", "B23", "M23", "B43", "M43")


@dataclass(frozen=True)
class Column:
    """A column of an Excel table: header text, width in characters, format."""

    name: str
    width: float = 14
    number_format: str = GENERAL
    reviewer: bool = False


REGISTER_COLUMNS = (
    Column("exception_id", 18, TEXT),
    Column("rule_id", 14, TEXT),
    Column("rule_title", 36),
    Column("category", 16),
    Column("exception_class", 16),
    Column("severity", 11),
    Column("responsible_party", 16),
    Column("order_id", 18, TEXT),
    Column("customer_id", 18, TEXT),
    Column("carrier", 14),
    Column("seller_id", 16, TEXT),
    Column("complaint_id", 16, TEXT),
    Column("refund_id", 16, TEXT),
    Column("sku", 14, TEXT),
    Column("tracking_no", 22, TEXT),
    Column("evidence", 60),
    Column("amount_at_risk", 14, MONEY),
    Column("detected_at", 17, DATE_TIME),
    Column("due_by", 17, DATE_TIME),
    Column("overdue", 9),
    Column("age_days", 9, COUNT),
    Column("suggested_action", 40),
    Column("force_majeure", 9),
    Column("owner", 16, reviewer=True),
    Column("status", 14, reviewer=True),
    Column("root_cause", 30, reviewer=True),
    Column("corrective_action", 30, reviewer=True),
    Column("target_date", 12, DATE, reviewer=True),
    Column("notes", 40, reviewer=True),
)

REGISTER_SUMMARY_COLUMNS = (
    Column("rule_id", 14, TEXT),
    Column("rule_title", 40),
    Column("category", 16),
    Column("severity", 11),
    Column("exceptions", 12, COUNT),
    Column("amount_at_risk", 16, MONEY),
)

REJECTED_ROWS_COLUMNS = (
    Column("input", 16),
    Column("file", 40),
    Column("row", 9, COUNT),
    Column("column", 20),
    Column("value", 30, TEXT),
    Column("reason_code", 22),
    Column("reason", 60),
)

RUN_INPUTS_COLUMNS = (
    Column("input", 16),
    Column("path", 50),
    Column("sha256", 66, TEXT),
    Column("rows_read", 12, COUNT),
    Column("rows_accepted", 14, COUNT),
    Column("rows_rejected", 14, COUNT),
)
RUN_PARAMETERS_COLUMNS = (
    Column("rule_id", 14, TEXT),
    Column("parameter", 28),
    Column("value", 20),
)
RULE_VERSIONS_COLUMNS = (
    Column("rule_id", 14, TEXT),
    Column("version", 10),
    Column("exceptions", 12, COUNT),
    Column("status", 10),
    Column("note", 50),
)

HEADLINE_COLUMNS = (
    Column("indicator", 36),
    Column("numerator", 14),
    Column("denominator", 14),
    Column("value", 12, DECIMAL),
    Column("previous_value", 14, DECIMAL),
    Column("change", 12, DECIMAL),
    Column("unit", 16),
    Column("note", 50),
)
BY_CATEGORY_COLUMNS = (
    Column("category", 20),
    Column("severity", 11),
    Column("exceptions", 12, COUNT),
    Column("per_1000_orders", 16, ONE_DECIMAL),
)
BY_RULE_COLUMNS = (
    Column("rule_id", 14, TEXT),
    Column("rule_title", 40),
    Column("exceptions", 12, COUNT),
    Column("share", 10, PERCENT),
    Column("cumulative_share", 16, PERCENT),
    Column("vital_few", 10),
)
BY_PARTY_COLUMNS = (
    Column("responsible_party", 20),
    Column("exceptions", 12, COUNT),
    Column("amount_at_risk", 16, MONEY),
    Column("share", 10, PERCENT),
    Column("cumulative_share", 16, PERCENT),
    Column("vital_few", 10),
)
CARRIER_COLUMNS = (
    Column("carrier", 18),
    Column("shipments", 12, COUNT),
    Column("delivered", 12, COUNT),
    Column("on_time_rate", 13, PERCENT),
    Column("avg_delay_days", 14, ONE_DECIMAL),
    Column("lost_damaged", 13, COUNT),
    Column("lost_damaged_per_1000", 20, ONE_DECIMAL),
    Column("complaints", 12, COUNT),
    Column("complaints_per_1000", 19, ONE_DECIMAL),
    Column("rank", 8, COUNT),
)
SELLER_COLUMNS = (
    Column("seller_id", 18, TEXT),
    Column("orders", 10, COUNT),
    Column("exceptions", 12, COUNT),
    Column("exceptions_per_1000", 19, ONE_DECIMAL),
    Column("late_shipments", 15, COUNT),
    Column("quality_complaints", 18, COUNT),
    Column("rank", 8, COUNT),
)
COMPLAINT_TREND_COLUMNS = (
    Column("week_start", 12, DATE),
    Column("category", 20),
    Column("complaints", 12, COUNT),
    Column("per_1000_orders", 16, ONE_DECIMAL),
    Column("median_first_response_hours", 26, ONE_DECIMAL),
    Column("median_resolution_hours", 23, ONE_DECIMAL),
)

REFUNDS_BY_MONTH_COLUMNS = (
    Column("month", 12, MONTH),
    Column("refunds", 12, COUNT),
    Column("amount", 16, MONEY),
)
REFUNDS_BY_REASON_COLUMNS = (
    Column("reason", 30),
    Column("refunds", 12, COUNT),
    Column("amount", 16, MONEY),
)
REFUND_EXCEPTION_COLUMNS = (
    Column("exception_id", 18, TEXT),
    Column("rule_id", 14, TEXT),
    Column("rule_title", 36),
    Column("order_id", 18, TEXT),
    Column("refund_id", 16, TEXT),
    Column("amount_at_risk", 16, MONEY),
    Column("evidence", 60),
    Column("severity", 11),
)
REFUND_COLUMNS = (
    Column("refund_id", 16, TEXT),
    Column("order_id", 18, TEXT),
    Column("requested_at", 17, DATE_TIME),
    Column("approved_at", 17, DATE_TIME),
    Column("refunded_at", 17, DATE_TIME),
    Column("amount", 14, MONEY),
    Column("reason", 30),
    Column("method", 16),
)

# Single cells of the "Run record" sheet: label, defined name, number format.
RUN_RECORD_CELLS = (
    ("Tool version", "tool_version", GENERAL),
    ("Command line", "command_line", GENERAL),
    ("As of", "as_of", DATE),
    ("Time zone", "time_zone", GENERAL),
    ("Period", "period", GENERAL),
    ("Profile", "profile", GENERAL),
    ("Generated at", "generated_at", DATE_TIME_SECONDS),
    ("Configuration", "configuration", GENERAL),
)


def add_table(
    ws: Worksheet, name: str, columns: tuple[Column, ...], top_left: str = "A1"
) -> Table:
    """Write a header row and one empty styled data row, and make them a table.

    The filler copies the data row's style and number format to every row it
    writes, so that row is the place to restyle the table's data.
    """
    anchor = ws[top_left]
    header_row, first_col = anchor.row, anchor.column
    for offset, column in enumerate(columns):
        letter = get_column_letter(first_col + offset)
        _style_header(ws.cell(header_row, first_col + offset), column)
        _style_data(ws.cell(header_row + 1, first_col + offset), column)
        ws.column_dimensions[letter].width = column.width

    last = get_column_letter(first_col + len(columns) - 1)
    ref = f"{top_left}:{last}{header_row + 1}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    return table


def _style_header(cell, column: Column) -> None:
    cell.value = column.name
    cell.font = HEADER_FONT
    cell.fill = REVIEWER_HEADER_FILL if column.reviewer else HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT
    cell.border = Border(bottom=THIN)


def _style_data(cell, column: Column) -> None:
    cell.number_format = column.number_format
    cell.alignment = Alignment(vertical="top")
    if column.reviewer:
        cell.fill = REVIEWER_FILL


def column_range(ws: Worksheet, table_name: str, column_name: str) -> str:
    """Return the data range of one table column, as the template has it."""
    min_col, header_row, max_col, max_row = range_boundaries(ws.tables[table_name].ref)
    headers = [ws.cell(header_row, c).value for c in range(min_col, max_col + 1)]
    letter = get_column_letter(min_col + headers.index(column_name))
    return f"{letter}{header_row + 1}:{letter}{max_row}"


def add_defined_name(wb: Workbook, name: str, ws: Worksheet, coordinate: str) -> None:
    """Give one cell a workbook-level defined name."""
    wb.defined_names[name] = DefinedName(name, attr_text=_absolute(ws, coordinate))


def add_sheet_defined_name(ws: Worksheet, name: str, coordinate: str) -> None:
    """Give one cell a defined name scoped to its sheet.

    The "Run record" uses these because the review pack also shows the period
    and as-of date on its Overview, and one workbook cannot contain two
    workbook-level names ``as_of``. The filler writes a value to every cell
    that carries the name, at any scope.
    """
    ws.defined_names[name] = DefinedName(name, attr_text=_absolute(ws, coordinate))


def _absolute(ws: Worksheet, coordinate: str) -> str:
    cell = ws[coordinate]
    return f"{quote_sheetname(ws.title)}!${cell.column_letter}${cell.row}"


def label_cells(
    ws: Worksheet, top_left: str, rows: tuple[tuple[str, str], ...]
) -> list[Cell]:
    """Write labels down a column with a value cell right of each; return those.

    ``rows`` gives each label with the number format of its value cell.
    """
    anchor = ws[top_left]
    value_cells = []
    for offset, (label, number_format) in enumerate(rows):
        label_cell = ws.cell(anchor.row + offset, anchor.column, label)
        label_cell.font = LABEL_FONT
        value_cell = ws.cell(anchor.row + offset, anchor.column + 1)
        value_cell.number_format = number_format
        value_cell.alignment = Alignment(horizontal="left", vertical="top")
        value_cells.append(value_cell)
    return value_cells


def write_title(ws: Worksheet, text: str) -> None:
    ws["A1"] = text
    ws["A1"].font = TITLE_FONT


def print_landscape(ws: Worksheet) -> None:
    """Print the sheet landscape, one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def data_sheet(
    wb: Workbook, sheet_title: str, table_name: str, columns, freeze: str = "A2"
) -> Worksheet:
    """Add a sheet with one table, which starts at A1."""
    ws = wb.create_sheet(sheet_title)
    add_table(ws, table_name, columns)
    ws.freeze_panes = freeze
    print_landscape(ws)
    return ws


def highlight(ws: Worksheet, cell_range: str, rule: Rule) -> None:
    ws.conditional_formatting.add(cell_range, rule)


def extreme_rule(rank: int, *, bottom: bool) -> Rule:
    """Highlight the ``rank`` lowest (or highest) values of a range."""
    dxf = DifferentialStyle(**URGENT_STYLE)
    return Rule(type="top10", rank=rank, bottom=bottom, dxf=dxf)


def text_equals_rule(text: str, style: dict) -> Rule:
    return CellIsRule(operator="equal", formula=[f'"{text}"'], **style)


def add_rejected_rows(wb: Workbook) -> None:
    data_sheet(wb, "Rejected rows", "RejectedRows", REJECTED_ROWS_COLUMNS)


def add_run_record(wb: Workbook) -> None:
    """Add the "Run record": run facts as named cells, then three tables."""
    ws = wb.create_sheet("Run record")
    write_title(ws, "Run record")
    rows = tuple((label, number_format) for label, _, number_format in RUN_RECORD_CELLS)
    value_cells = label_cells(ws, "A3", rows)
    for (_, name, _), cell in zip(RUN_RECORD_CELLS, value_cells):
        add_sheet_defined_name(ws, name, cell.coordinate)
    # The configuration is the whole TOML file, many lines in one cell.
    value_cells[-1].alignment = Alignment(wrap_text=True, vertical="top")

    # Side by side, so each table can grow downwards without reaching another.
    for coordinate, caption in (
        ("A12", "Inputs"),
        ("H12", "Parameters"),
        ("L12", "Rule versions"),
    ):
        ws[coordinate] = caption
        ws[coordinate].font = CAPTION_FONT
    add_table(ws, "RunInputs", RUN_INPUTS_COLUMNS, "A13")
    add_table(ws, "RunParameters", RUN_PARAMETERS_COLUMNS, "H13")
    add_table(ws, "RuleVersions", RULE_VERSIONS_COLUMNS, "L13")
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 60


def build_register() -> Workbook:
    """Build the exception register template."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Register"
    add_table(ws, "Register", REGISTER_COLUMNS)
    ws.freeze_panes = "B2"
    print_landscape(ws)

    severity = column_range(ws, "Register", "severity")
    highlight(ws, severity, text_equals_rule("urgent", URGENT_STYLE))
    highlight(ws, severity, text_equals_rule("important", WARNING_STYLE))
    overdue = column_range(ws, "Register", "overdue")
    highlight(
        ws,
        overdue,
        CellIsRule(
            operator="equal", formula=["TRUE"], font=Font(bold=True, color="9C0006")
        ),
    )
    status = DataValidation(
        type="list", formula1='"' + ",".join(STATUS_VALUES) + '"', allow_blank=True
    )
    status.error = "Choose a status from the list."
    status.add(column_range(ws, "Register", "status"))
    ws.add_data_validation(status)

    summary = data_sheet(wb, "Summary", "RegisterSummary", REGISTER_SUMMARY_COLUMNS)
    severity = column_range(summary, "RegisterSummary", "severity")
    highlight(summary, severity, text_equals_rule("urgent", URGENT_STYLE))
    highlight(summary, severity, text_equals_rule("important", WARNING_STYLE))
    add_rejected_rows(wb)
    add_run_record(wb)
    return wb


def add_overview(wb: Workbook) -> None:
    """Add the review pack's first sheet: title, periods and headline table."""
    ws = wb.active
    ws.title = "Overview"
    write_title(ws, "")
    add_defined_name(wb, "title", ws, "A1")
    rows = (("Period", GENERAL), ("Previous period", GENERAL), ("As of", DATE))
    names = ("period", "previous_period", "as_of")
    for name, cell in zip(names, label_cells(ws, "A3", rows)):
        add_defined_name(wb, name, ws, cell.coordinate)
    add_table(ws, "Headline", HEADLINE_COLUMNS, "A7")
    add_unit_formats(ws, "D8:F8", "$G8")
    ws.freeze_panes = "A8"
    print_landscape(ws)


def add_unit_formats(ws: Worksheet, cell_range: str, unit_cell: str) -> None:
    """Show headline values as a percentage or a whole count, by their unit.

    Values of other units keep the column's own format. The built-in format
    ids 10 ("0.00%") and 3 ("#,##0") need no entry in the styles part.
    """
    for unit, format_id, format_code in (("rate", 10, "0.00%"), ("count", 3, "#,##0")):
        number_format = NumberFormat(numFmtId=format_id, formatCode=format_code)
        rule = Rule(
            type="expression",
            formula=[f'{unit_cell}="{unit}"'],
            dxf=DifferentialStyle(numFmt=number_format),
        )
        highlight(ws, cell_range, rule)


def add_scorecards(wb: Workbook) -> None:
    """Add the carrier and seller scorecards, with the worst values marked."""
    ws = data_sheet(wb, "Carriers", "CarrierScorecard", CARRIER_COLUMNS)
    worst = (
        ("on_time_rate", True),
        ("lost_damaged_per_1000", False),
        ("complaints_per_1000", False),
    )
    for name, bottom in worst:
        cells = column_range(ws, "CarrierScorecard", name)
        highlight(ws, cells, extreme_rule(3, bottom=bottom))

    ws = data_sheet(wb, "Sellers", "SellerScorecard", SELLER_COLUMNS)
    cells = column_range(ws, "SellerScorecard", "exceptions_per_1000")
    highlight(ws, cells, extreme_rule(3, bottom=False))


def add_pareto(wb: Workbook, sheet_title: str, table_name: str, columns) -> None:
    """Add a Pareto table whose vital-few rows are shaded."""
    ws = data_sheet(wb, sheet_title, table_name, columns)
    cells = column_range(ws, table_name, "vital_few")
    highlight(
        ws, cells, CellIsRule(operator="equal", formula=["TRUE"], **WARNING_STYLE)
    )


def add_charts(wb: Workbook) -> None:
    """Add the "Charts" sheet, whose defined names chart_1 .. chart_6 anchor images."""
    ws = wb.create_sheet("Charts")
    write_title(ws, "Charts")
    for number, coordinate in enumerate(CHART_ANCHORS, start=1):
        add_defined_name(wb, f"chart_{number}", ws, coordinate)
    print_landscape(ws)


def build_review_pack() -> Workbook:
    """Build the monthly review pack template."""
    wb = Workbook()
    add_overview(wb)
    data_sheet(wb, "By category", "ByCategorySeverity", BY_CATEGORY_COLUMNS)
    add_pareto(wb, "By rule", "ByRule", BY_RULE_COLUMNS)
    add_pareto(wb, "By party", "ByParty", BY_PARTY_COLUMNS)
    add_scorecards(wb)
    data_sheet(wb, "Complaints", "ComplaintTrend", COMPLAINT_TREND_COLUMNS)
    add_charts(wb)
    add_rejected_rows(wb)
    add_run_record(wb)
    return wb


def add_control_block(
    wb: Workbook, ws: Worksheet, top_left: str, tool_name: str, table_column: str
) -> None:
    """Add three cells that tie a table's total to the tool's own total.

    The block sits above its table, so rows written into the table never
    overwrite it. ``table_column`` is a structured reference such as
    ``Refunds[amount]``, which grows with the table.
    """
    rows = (
        ("Total by the tool", MONEY),
        ("Total of the table", MONEY),
        ("Check", GENERAL),
    )
    tool_cell, table_cell, check_cell = label_cells(ws, top_left, rows)
    add_defined_name(wb, tool_name, ws, tool_cell.coordinate)
    table_cell.value = f"=SUM({table_column})"
    table_cell.alignment = Alignment(horizontal="right")
    # Amounts are DECIMAL(18,2); rounding to cents hides binary float noise.
    check_cell.value = (
        f"=IF(ROUND({tool_cell.coordinate}-{table_cell.coordinate},2)=0,"
        '"OK","DIFFERENT")'
    )
    check_cell.alignment = Alignment(horizontal="right")
    highlight(ws, check_cell.coordinate, text_equals_rule("OK", GOOD_STYLE))
    highlight(ws, check_cell.coordinate, text_equals_rule("DIFFERENT", URGENT_STYLE))


def add_totals(wb: Workbook) -> None:
    """Add the "Totals" sheet: refunds by month and by reason, side by side."""
    ws = wb.active
    ws.title = "Totals"
    write_title(ws, "Refund totals")
    add_control_block(wb, ws, "A3", "tool_total_by_month", "RefundsByMonth[amount]")
    add_control_block(wb, ws, "E3", "tool_total_by_reason", "RefundsByReason[amount]")
    add_table(ws, "RefundsByMonth", REFUNDS_BY_MONTH_COLUMNS, "A7")
    add_table(ws, "RefundsByReason", REFUNDS_BY_REASON_COLUMNS, "E7")
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["E"].width = 30
    ws.freeze_panes = "A8"


def add_listing(
    wb: Workbook,
    sheet_title: str,
    table_name: str,
    columns,
    tool_name: str,
    amount_column: str,
) -> Worksheet:
    """Add a sheet with a control block in rows 1-3 and a table from row 5."""
    ws = wb.create_sheet(sheet_title)
    reference = f"{table_name}[{amount_column}]"
    add_control_block(wb, ws, "A1", tool_name, reference)
    add_table(ws, table_name, columns, "A5")
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width, 18)
    ws.freeze_panes = "A6"
    print_landscape(ws)
    return ws


def build_refund_check() -> Workbook:
    """Build the refund check template."""
    wb = Workbook()
    add_totals(wb)
    ws = add_listing(
        wb,
        "Refund exceptions",
        "RefundExceptions",
        REFUND_EXCEPTION_COLUMNS,
        "tool_total_refund_exceptions",
        "amount_at_risk",
    )
    severity = column_range(ws, "RefundExceptions", "severity")
    highlight(ws, severity, text_equals_rule("urgent", URGENT_STYLE))
    highlight(ws, severity, text_equals_rule("important", WARNING_STYLE))
    add_listing(
        wb, "Refunds", "Refunds", REFUND_COLUMNS, "tool_total_refunds", "amount"
    )
    add_rejected_rows(wb)
    add_run_record(wb)
    return wb


BUILDERS = {
    "register.xlsx": build_register,
    "review_pack.xlsx": build_review_pack,
    "refund_check.xlsx": build_refund_check,
}


def build_all(output: Path) -> list[Path]:
    """Write every template into ``output``; return the paths written."""
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, build in BUILDERS.items():
        path = output / file_name
        build().save(path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output",
        type=Path,
        default=TEMPLATES_DIR,
        help="folder to write the templates into (default: templates/)",
    )
    args = parser.parse_args(argv)
    for path in build_all(args.output):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Build the three workbook templates that order-audit fills.

The templates hold the whole layout: sheets, header styles, column widths,
number formats, frozen panes, Excel tables, conditional formatting, data
validation and the defined names of single cells and image anchors. The
filling code only writes values, so a business user can restyle a template in
Excel without touching Python.

Run it from the repository's top after changing a layout:

    python tools/make_templates.py                     # writes templates/*.xlsx
    python tools/make_templates.py refund_check.xlsx   # writes one of them
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

# Charts are drawn 8 x 4.5 inches (1200 x 675 px at 150 dpi, about 20 x 11 cm).
# At Excel's default column width (64 px at 96 dpi) and row height (20 px)
# that is about 12 columns by 23 rows, so anchors sit 15 columns and 27 rows
# apart, leaving a margin between charts.
CHART_ANCHORS = ("B3", "Q3", "B30", "Q30", "B57", "Q57")


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

# The refund check

# Rules whose exceptions the refund check lists, each with a control row. The
# list must equal REFUND_RULES in audit/refunds.py.
REFUND_RULES = (
    "refund_exceeds_paid",
    "refund_duplicate",
    "refund_unpaid_order",
    "refund_late",
    "refund_without_cause",
    "cancelled_not_refunded",
)
# Values of compared_with, with the label of their control rows. The labels
# differ from the codes because "orders" and "complaints" are also table
# headers, which the Chinese labels translate as counts.
COMPARISONS = {"orders": "orders export", "complaints": "complaint compensation"}

REFUND_BREAKDOWNS = (
    # (table, key column, label, suffix of its defined names)
    ("RefundsByMonth", "month", "By month", "by_month"),
    ("RefundsByReason", "reason", "By reason", "by_reason"),
    ("RefundsByMethod", "method", "By method", "by_method"),
    ("RefundsByParty", "responsible_party", "By party", "by_party"),
)
BREAKDOWN_KEYS = {
    "month": Column("month", 12, MONTH),
    "reason": Column("reason", 24),
    "method": Column("method", 16),
    "responsible_party": Column("responsible_party", 18),
}
BREAKDOWN_VALUES = (Column("refunds", 12, COUNT), Column("amount", 16, MONEY))
REFUND_EXCEPTION_COLUMNS = (
    Column("exception_id", 18, TEXT),
    Column("rule_id", 22, TEXT),
    Column("rule_title", 36),
    Column("order_id", 18, TEXT),
    Column("refund_id", 16, TEXT),
    Column("amount_at_risk", 16, MONEY),
    Column("detected_at", 17, DATE_TIME),
    Column("evidence", 60),
    Column("severity", 11),
)
REFUND_COLUMNS = (
    Column("refund_id", 16, TEXT),
    Column("order_id", 18, TEXT),
    Column("source", 15),
    Column("status", 10),
    Column("requested_at", 17, DATE_TIME),
    Column("approved_at", 17, DATE_TIME),
    Column("refunded_at", 17, DATE_TIME),
    Column("month", 10, MONTH),
    Column("amount", 14, MONEY),
    Column("reason", 24),
    Column("method", 16),
    Column("responsible_party", 18),
    Column("party_from", 12),
)
RECONCILIATION_COLUMNS = (
    Column("order_id", 18, TEXT),
    Column("compared_with", 14),
    Column("status", 16),
    Column("refunds", 9, COUNT),
    Column("refunds_amount", 16, MONEY),
    Column("other_amount", 16, MONEY),
    Column("difference", 14, MONEY),
    Column("refund_ids", 30, TEXT),
    Column("complaint_ids", 30, TEXT),
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


@dataclass(frozen=True)
class ControlColumn:
    """A formula column of a control block.

    ``role`` decides what the block's check cell expects of the column's
    formulas: "equal" to the tool's value, "zero", or nothing ("shown", for
    SUBTOTAL, which a filter changes).
    """

    header: str
    role: str


@dataclass(frozen=True)
class ControlRow:
    """A row of a control block: the tool's value and the formulas beside it.

    ``tool_name`` is the defined name of the cell the tool fills. ``formulas``
    has one entry per formula column, and an empty one leaves the cell empty.
    """

    label: str
    measure: str
    tool_name: str
    number_format: str
    formulas: tuple[str, ...]


TOOL_HEADER = "By the tool"
CHECK_HEADER = "Check"
# Widths of a control block's columns, so that labels such as "Checks on this
# sheet" and amounts such as 12,345,678.91 show in full.
CONTROL_LABEL_WIDTH = 24
CONTROL_VALUE_WIDTH = 16
# Height in points of a control block's header row: two lines of wrapped text.
CONTROL_HEADER_HEIGHT = 30


def add_control_block(
    ws: Worksheet,
    top_left: str,
    first_header: str,
    columns: tuple[ControlColumn, ...],
    rows: tuple[ControlRow, ...],
) -> str:
    """Add rows that tie the tool's values to formulas, and return the checks' range.

    Each row shows a label, a measure, the tool's value (a defined name the
    tool fills), formulas over the tables, and a check cell that reads "OK"
    when the formulas agree with the tool's value. The block must sit above
    or beside the tables, because rows written into a table would overwrite
    anything below it.
    """
    anchor = ws[top_left]
    headers = (first_header, "Measure", TOOL_HEADER, *(c.header for c in columns))
    for offset, header in enumerate((*headers, CHECK_HEADER)):
        _style_control_header(ws.cell(anchor.row, anchor.column + offset, header))
    ws.row_dimensions[anchor.row].height = CONTROL_HEADER_HEIGHT
    for index, row in enumerate(rows, start=1):
        _add_control_row(ws, anchor.row + index, anchor.column, columns, row)

    check_column = get_column_letter(anchor.column + len(headers))
    checks = f"{check_column}{anchor.row + 1}:{check_column}{anchor.row + len(rows)}"
    highlight(ws, checks, text_equals_rule("OK", GOOD_STYLE))
    highlight(ws, checks, text_equals_rule("DIFFERENT", URGENT_STYLE))
    _widen_control_columns(ws, anchor.column, len(headers) + 1)
    return checks


def _style_control_header(cell: Cell) -> None:
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT
    cell.border = Border(bottom=THIN)


def _add_control_row(
    ws: Worksheet, row: int, first_col: int, columns, control: ControlRow
) -> None:
    ws.cell(row, first_col, control.label).font = LABEL_FONT
    ws.cell(row, first_col + 1, control.measure)
    tool_cell = ws.cell(row, first_col + 2)
    tool_cell.number_format = control.number_format
    add_defined_name(ws.parent, control.tool_name, ws, tool_cell.coordinate)

    conditions = []
    for offset, (column, formula) in enumerate(zip(columns, control.formulas)):
        cell = ws.cell(row, first_col + 3 + offset, formula or None)
        # A "zero" column counts keys, whatever the row's measure.
        cell.number_format = COUNT if column.role == "zero" else control.number_format
        if formula:
            conditions += _check_condition(column, control, tool_cell, cell)
    check = ws.cell(row, first_col + 3 + len(columns))
    check.value = f'=IF(AND({",".join(conditions)}),"OK","DIFFERENT")'
    check.alignment = Alignment(horizontal="center")


def _check_condition(
    column: ControlColumn, control: ControlRow, tool_cell: Cell, cell: Cell
) -> list[str]:
    if column.role == "zero":
        return [f"{cell.coordinate}=0"]
    if column.role != "equal":
        return []
    if control.number_format == MONEY:
        # A spreadsheet sums binary doubles, so rounding to cents hides their noise.
        return [f"ROUND({tool_cell.coordinate}-{cell.coordinate},2)=0"]
    return [f"{tool_cell.coordinate}={cell.coordinate}"]


def _widen_control_columns(ws: Worksheet, first_col: int, count: int) -> None:
    for offset in range(count):
        letter = get_column_letter(first_col + offset)
        minimum = CONTROL_LABEL_WIDTH if offset == 0 else CONTROL_VALUE_WIDTH
        dimension = ws.column_dimensions[letter]
        dimension.width = max(dimension.width or 0, minimum)


def table_anchor_below(checks: str) -> str:
    """Return the cell in column A two rows below a control block's last row."""
    _, _, _, last_row = range_boundaries(checks)
    return f"A{last_row + 2}"


def add_sheet_check(ws: Worksheet, coordinate: str, name: str, checks: str) -> None:
    """Make ``coordinate`` read "OK" when every check cell in ``checks`` does."""
    cell = ws[coordinate]
    cell.value = f'=IF(COUNTIF({checks},"OK")=ROWS({checks}),"OK","DIFFERENT")'
    add_defined_name(ws.parent, name, ws, coordinate)
    highlight(ws, coordinate, text_equals_rule("OK", GOOD_STYLE))
    highlight(ws, coordinate, text_equals_rule("DIFFERENT", URGENT_STYLE))


def _criteria(reference: str) -> str:
    """Return a SUMIFS criterion that matches the text in ``reference`` exactly.

    A leading "=" keeps text such as ">5" from being read as a comparison, and
    "~" escapes the wildcards * and ?, which Excel applies in criteria (see
    Microsoft's reference of WorksheetFunction.SumIfs) and so does LibreOffice
    in an xlsx file. Both compare without regard to case, so the tool gives
    reasons and methods in lower case.
    """
    escaped = reference
    for character in ("~", "*", "?"):
        escaped = f'SUBSTITUTE({escaped},"{character}","~{character}")'
    return f'"="&{escaped}'


def breakdown_rows(table: str, key: str, label: str, suffix: str) -> tuple:
    """Return the control rows of one breakdown of the refunds.

    NOTE: the tests recalculate these SUMPRODUCT formulas, which give SUMIFS
    and COUNTIFS a whole column as criteria, in LibreOffice only. No run in
    Excel has checked them.
    """
    # A month is a date, which criteria match as a number without escaping.
    criteria = f"{table}[{key}]" if key == "month" else _criteria(f"{table}[{key}]")
    present = f'({table}[{key}]<>"")'
    count_differs = (
        f"=SUMPRODUCT({present}*"
        f"(COUNTIFS(Refunds[{key}],{criteria})<>{table}[refunds]))"
    )
    amount_differs = (
        f"=SUMPRODUCT({present}*(ROUND(SUMIFS(Refunds[amount],"
        f"Refunds[{key}],{criteria})-{table}[amount],2)<>0))"
    )
    return (
        ControlRow(
            label,
            "refunds",
            f"tool_count_{suffix}",
            COUNT,
            (
                f"=SUM({table}[refunds])",
                "=COUNT(Refunds[amount])",
                f"=SUBTOTAL(109,{table}[refunds])",
                count_differs,
            ),
        ),
        ControlRow(
            label,
            "amount",
            f"tool_total_{suffix}",
            MONEY,
            (
                f"=SUM({table}[amount])",
                "=SUM(Refunds[amount])",
                f"=SUBTOTAL(109,{table}[amount])",
                amount_differs,
            ),
        ),
    )


BREAKDOWN_CONTROLS = (
    ControlColumn("Sum of the table", "equal"),
    ControlColumn("Refunds listing", "equal"),
    ControlColumn("Rows shown by the filter", "shown"),
    ControlColumn("Keys that differ from the listing", "zero"),
)
TABLE_CONTROLS = (
    ControlColumn("From the table", "equal"),
    ControlColumn("Rows shown by the filter", "shown"),
)
# Checks that the "All checks" cell of the Totals sheet combines.
SHEET_CHECKS = (
    "check_totals",
    "check_reconciliation",
    "check_refund_exceptions",
    "check_refunds",
)


def add_refund_totals(wb: Workbook) -> None:
    """Add the "Totals" sheet: the source, the checks and four breakdowns."""
    ws = wb.active
    ws.title = "Totals"
    write_title(ws, "Refund totals")
    rows = (
        ("Period", GENERAL),
        ("Source of the refunds", GENERAL),
        ("Refunds with no date", COUNT),
        ("Amount with no date", MONEY),
        ("All checks", GENERAL),
        ("Checks on this sheet", GENERAL),
    )
    cells = label_cells(ws, "A2", rows)
    for name, cell in zip(
        ("period", "refund_source", "undated_refunds", "undated_amount"), cells
    ):
        add_defined_name(wb, name, ws, cell.coordinate)

    control_rows = tuple(
        row for breakdown in REFUND_BREAKDOWNS for row in breakdown_rows(*breakdown)
    )
    checks = add_control_block(ws, "A9", "Table", BREAKDOWN_CONTROLS, control_rows)
    header_row = ws[table_anchor_below(checks)].row
    # Side by side, so that each table can grow downwards. Filtering one
    # table hides its rows in the others too, because Excel hides whole rows.
    for index, (table, key, _, _) in enumerate(REFUND_BREAKDOWNS):
        columns = (BREAKDOWN_KEYS[key], *BREAKDOWN_VALUES)
        add_table(ws, table, columns, f"{get_column_letter(1 + 4 * index)}{header_row}")
    _widen_control_columns(ws, 1, len(BREAKDOWN_CONTROLS) + 4)
    add_sheet_check(ws, cells[5].coordinate, "check_totals", checks)
    _add_all_checks(ws, cells[4].coordinate)
    print_landscape(ws)


def _add_all_checks(ws: Worksheet, coordinate: str) -> None:
    conditions = ",".join(f'{name}="OK"' for name in SHEET_CHECKS)
    ws[coordinate] = f'=IF(AND({conditions}),"OK","DIFFERENT")'
    add_defined_name(ws.parent, "check_all", ws, coordinate)
    highlight(ws, coordinate, text_equals_rule("OK", GOOD_STYLE))
    highlight(ws, coordinate, text_equals_rule("DIFFERENT", URGENT_STYLE))


def reconciliation_rows(comparison: str) -> tuple[ControlRow, ...]:
    """Return the control rows of one comparison: its sums, then its counts."""
    where = f'Reconciliation[compared_with],"{comparison}"'
    label = COMPARISONS[comparison]
    rows = [
        ControlRow(
            label,
            measure,
            f"tool_{comparison}_{measure}",
            MONEY,
            (f"=SUMIFS(Reconciliation[{measure}],{where})", ""),
        )
        for measure in ("refunds_amount", "other_amount", "difference")
    ]
    statuses = ("matched", "differing", "refunds_only", f"{comparison}_only")
    names = ("matched", "differing", "refunds_only", "other_only")
    for status, name in zip(statuses, names):
        formula = f'=COUNTIFS({where},Reconciliation[status],"{status}")'
        rows.append(
            ControlRow(label, status, f"tool_{comparison}_{name}", COUNT, (formula, ""))
        )
    return tuple(rows)


def add_reconciliation(wb: Workbook) -> None:
    """Add the "Reconciliation" sheet: per order, the refunds export against the
    orders export and against complaint compensation."""
    ws = wb.create_sheet("Reconciliation")
    write_title(ws, "Refunds reconciled between exports")
    rows = (
        ("Tolerance", MONEY),
        ("Against the orders export", GENERAL),
        ("Against compensation on complaints", GENERAL),
        ("Checks on this sheet", GENERAL),
    )
    cells = label_cells(ws, "A2", rows)
    names = (
        "reconciliation_tolerance",
        "reconciliation_orders_note",
        "reconciliation_complaints_note",
    )
    for name, cell in zip(names, cells):
        add_defined_name(wb, name, ws, cell.coordinate)

    control_rows = [row for c in COMPARISONS for row in reconciliation_rows(c)]
    control_rows.append(
        ControlRow(
            "all comparisons",
            "difference",
            "tool_total_difference",
            MONEY,
            (
                "=SUM(Reconciliation[difference])",
                "=SUBTOTAL(109,Reconciliation[difference])",
            ),
        )
    )
    checks = add_control_block(
        ws, "A7", "Compared with", TABLE_CONTROLS, tuple(control_rows)
    )
    add_table(ws, "Reconciliation", RECONCILIATION_COLUMNS, table_anchor_below(checks))
    _widen_control_columns(ws, 1, len(TABLE_CONTROLS) + 4)
    add_sheet_check(ws, cells[3].coordinate, "check_reconciliation", checks)
    # Wide enough for "Against compensation on complaints".
    ws.column_dimensions["A"].width = 34
    status = column_range(ws, "Reconciliation", "status")
    highlight(ws, status, text_equals_rule("differing", URGENT_STYLE))
    for value in ("refunds_only", "orders_only", "complaints_only"):
        highlight(ws, status, text_equals_rule(value, WARNING_STYLE))
    print_landscape(ws)


def exception_rows() -> tuple[ControlRow, ...]:
    """Return a count and an amount row per refund rule, then for all of them."""
    rows = []
    for rule_id in REFUND_RULES:
        where = f'RefundExceptions[rule_id],"{rule_id}"'
        rows += [
            ControlRow(
                rule_id,
                "exceptions",
                f"tool_count_{rule_id}",
                COUNT,
                (f"=COUNTIFS({where})", ""),
            ),
            ControlRow(
                rule_id,
                "amount_at_risk",
                f"tool_total_{rule_id}",
                MONEY,
                (f"=SUMIFS(RefundExceptions[amount_at_risk],{where})", ""),
            ),
        ]
    totals = (
        ("exceptions", "count", COUNT, "COUNTA", 103, "exception_id"),
        ("amount_at_risk", "total", MONEY, "SUM", 109, "amount_at_risk"),
    )
    for measure, kind, number_format, function, subtotal, column in totals:
        reference = f"RefundExceptions[{column}]"
        formulas = (f"={function}({reference})", f"=SUBTOTAL({subtotal},{reference})")
        name = f"tool_{kind}_refund_exceptions"
        rows.append(
            ControlRow("all refund rules", measure, name, number_format, formulas)
        )
    return tuple(rows)


def add_refund_exceptions(wb: Workbook) -> None:
    """Add the "Refund exceptions" sheet: the register's rows of the refund rules."""
    ws = wb.create_sheet("Refund exceptions")
    write_title(ws, "Refund exceptions from the register")
    (check_cell,) = label_cells(ws, "A2", (("Checks on this sheet", GENERAL),))
    checks = add_control_block(ws, "A4", "Rule", TABLE_CONTROLS, exception_rows())
    anchor = table_anchor_below(checks)
    add_table(ws, "RefundExceptions", REFUND_EXCEPTION_COLUMNS, anchor)
    _widen_control_columns(ws, 1, len(TABLE_CONTROLS) + 4)
    add_sheet_check(ws, check_cell.coordinate, "check_refund_exceptions", checks)
    severity = column_range(ws, "RefundExceptions", "severity")
    highlight(ws, severity, text_equals_rule("urgent", URGENT_STYLE))
    highlight(ws, severity, text_equals_rule("important", WARNING_STYLE))
    print_landscape(ws)


def refund_listing_rows() -> tuple[ControlRow, ...]:
    paid = 'Refunds[status],"paid"'
    return (
        ControlRow(
            "all refunds",
            "refunds",
            "tool_count_refunds",
            COUNT,
            ("=COUNT(Refunds[amount])", "=SUBTOTAL(102,Refunds[amount])"),
        ),
        ControlRow(
            "all refunds",
            "amount",
            "tool_total_refunds",
            MONEY,
            ("=SUM(Refunds[amount])", "=SUBTOTAL(109,Refunds[amount])"),
        ),
        ControlRow(
            "paid refunds",
            "refunds",
            "tool_count_paid_refunds",
            COUNT,
            (f"=COUNTIFS({paid})", ""),
        ),
        ControlRow(
            "paid refunds",
            "amount",
            "tool_total_paid_refunds",
            MONEY,
            (f"=SUMIFS(Refunds[amount],{paid})", ""),
        ),
    )


def add_refund_listing(wb: Workbook) -> None:
    """Add the "Refunds" sheet: every refund of the period, with its totals."""
    # NOTE: a listing longer than one sheet continues in table Refunds_2 on a
    # further sheet, which no formula reads, so the checks then read DIFFERENT.
    ws = wb.create_sheet("Refunds")
    write_title(ws, "Refunds of the period")
    (check_cell,) = label_cells(ws, "A2", (("Checks on this sheet", GENERAL),))
    checks = add_control_block(
        ws, "A4", "Refunds", TABLE_CONTROLS, refund_listing_rows()
    )
    anchor = table_anchor_below(checks)
    add_table(ws, "Refunds", REFUND_COLUMNS, anchor)
    _widen_control_columns(ws, 1, len(TABLE_CONTROLS) + 4)
    add_sheet_check(ws, check_cell.coordinate, "check_refunds", checks)
    ws.freeze_panes = ws[anchor].offset(row=1).coordinate
    print_landscape(ws)


def build_refund_check() -> Workbook:
    """Build the refund check template."""
    wb = Workbook()
    add_refund_totals(wb)
    add_reconciliation(wb)
    add_refund_exceptions(wb)
    add_refund_listing(wb)
    add_rejected_rows(wb)
    add_run_record(wb)
    return wb


BUILDERS = {
    "register.xlsx": build_register,
    "review_pack.xlsx": build_review_pack,
    "refund_check.xlsx": build_refund_check,
}


def build_all(output: Path, names: list[str] | None = None) -> list[Path]:
    """Write the templates called ``names`` (all by default) into ``output``.

    Returns the paths written. openpyxl stamps each file with the time it was
    saved, so a template that was rebuilt differs in bytes but not in content.
    """
    unknown = sorted(set(names or ()) - set(BUILDERS))
    if unknown:
        choices = ", ".join(BUILDERS)
        raise ValueError(f"unknown template(s) {', '.join(unknown)}; use {choices}")
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, build in BUILDERS.items():
        if names and file_name not in names:
            continue
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
    parser.add_argument(
        "names",
        nargs="*",
        metavar="TEMPLATE",
        help=f"templates to build, of {', '.join(BUILDERS)} (default: all)",
    )
    args = parser.parse_args(argv)
    try:
        written = build_all(args.output, args.names)
    except ValueError as error:
        parser.error(str(error))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

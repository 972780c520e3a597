"""Fill a workbook template with tables, single values, chart images and labels.

A template is an ordinary xlsx file. Each data area is an Excel table with a
header row and one styled data row: rows are written below the header with
that row's cell styles and the table is resized to fit. Single values go into
cells that carry a defined name, and chart images are placed at cells that
carry one.

openpyxl writes the workbook, except the rows of tables with more than
``STREAM_THRESHOLD`` cells: openpyxl builds a Python object per cell, which
takes tens of seconds for 100,000 rows of 29 columns, so ``audit.sheet_xml``
writes those rows as sheet XML straight into the package that openpyxl
saved. Both ways give the same cells, types and styles.

Text is always written as a literal string, never as a formula, because it
may come from an input file.

NOTE: openpyxl drops the parts of a template that it does not model when it
loads it, such as slicers, form controls and x14 extensions of conditional
formats and data validations.
"""

from __future__ import annotations

import contextlib
import io
import math
import numbers
import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.cell.cell import Cell
from openpyxl.drawing.image import Image
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image as PILImage

from audit.errors import AuditError, TemplateError
from audit.sheet_xml import Block, Column, finish_package

# Tables with more cells than this are streamed as sheet XML. openpyxl took
# 0.5 s for the 908 register rows of 29 columns of the 10,000-order demo,
# about 19 microseconds a cell, and 0.1 s once streamed. Streaming has a cost
# of its own per workbook, of the order of a tenth of a second, so small
# tables stay with openpyxl.
STREAM_THRESHOLD = 10_000
# Excel's limits: rows per sheet, characters (UTF-16 code units) per cell.
SHEET_MAX_ROWS = 1_048_576
MAX_TEXT_LENGTH = 32_767
CUT_MARKER = "…[cut]"

# Number formats for dates and times written into a cell whose template
# format is not a date format, where Excel would show a bare serial number.
DEFAULT_DATE_FORMATS = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "time": "hh:mm:ss",
}

# Characters that XML 1.0 forbids; a file that contains one does not open.
_FORBIDDEN_CHARACTERS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
# Excel reads "_x000D_" in a string as the character U+000D. Writing the
# underscore itself as "_x005F_" keeps such text literal.
_EXCEL_ESCAPE = r"_(x[0-9A-Fa-f]{4}_)"

_LARGE_STRING = pa.large_string()
# Kinds an ID column may have: an Excel number keeps 15 significant digits and
# no leading zeros.
_ID_KINDS = ("text", "empty")


@dataclass(frozen=True)
class WrittenWorkbook:
    """Result of fill_workbook: the file, data rows per table and text repairs."""

    path: Path
    rows_written: dict[str, int]
    control_chars_removed: int
    texts_cut: int


@dataclass
class _TextCounts:
    removed: int = 0
    cut: int = 0


@dataclass
class _Target:
    """A table of the template: its sheet, position and header texts."""

    name: str
    ws: Worksheet
    table: Table
    header_row: int
    first_col: int
    last_col: int
    last_row: int
    headers: list[str]


def fill_workbook(
    template: Path,
    destination: Path,
    *,
    tables: dict[str, pa.Table],
    values: dict[str, object],
    images: dict[str, Path] | None = None,
    labels: dict[str, str] | None = None,
    skip_missing_tables: bool = False,
) -> WrittenWorkbook:
    """Fill ``template`` and save the result as ``destination``.

    ``tables`` maps table names to data whose columns are named like the
    table's header. ``values`` maps defined names to single values, and
    ``images`` maps defined names to PNG files. ``labels`` maps English header
    texts and sheet titles to the words to show instead. The destination is
    replaced only once the new workbook is complete, so a failure leaves any
    earlier file as it was.

    Raises TemplateError when the template lacks a table, column or defined
    name that the arguments refer to; with ``skip_missing_tables``, tables the
    template lacks are left out instead, so a restyled template may drop one.
    """
    template, destination = Path(template), Path(destination)
    wb = _load_template(template)
    if skip_missing_tables:
        known = {name for sheet in wb.worksheets for name in sheet.tables}
        tables = {name: data for name, data in tables.items() if name in known}
    targets = {name: _find_table(wb, template, name) for name in tables}
    value_cells = {name: _defined_cells(wb, template, name) for name in values}
    anchors = {name: _defined_cells(wb, template, name)[0] for name in images or {}}
    counts = _TextCounts()
    columns = {
        name: _prepare_table(template, targets[name], data, counts)
        for name, data in tables.items()
    }
    styles = {name: _column_styles(targets[name], columns[name]) for name in tables}
    for target in targets.values():
        _check_room_below(template, target)

    if labels:
        _apply_labels(wb, labels)
    for name, value in values.items():
        _write_value(value_cells[name], name, value, counts)
    for name, path in (images or {}).items():
        _place_image(anchors[name], Path(path))

    streamed = []
    for name, data in tables.items():
        blocks = _layout(wb, targets[name], columns[name], *styles[name], data.num_rows)
        if data.num_rows * data.num_columns > STREAM_THRESHOLD:
            streamed.extend(blocks)
        else:
            for block in blocks:
                _write_block(block)
    _save(wb, destination, streamed)

    rows_written = {name: data.num_rows for name, data in tables.items()}
    return WrittenWorkbook(destination, rows_written, counts.removed, counts.cut)


# Finding tables and defined names in the template


def _load_template(template: Path) -> Workbook:
    if not template.is_file():
        raise TemplateError(
            f"template not found: {template}",
            fix="check the templates folder in the configuration",
        )
    try:
        return openpyxl.load_workbook(template)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise TemplateError(
            f"cannot read template {template}: {error}",
            fix="open it in Excel and save it again as an .xlsx workbook",
        ) from error


def _find_table(wb: Workbook, template: Path, name: str) -> _Target:
    # Excel compares table names without regard to case.
    for ws in wb.worksheets:
        for table in ws.tables.values():
            if table.displayName.casefold() == name.casefold():
                return _describe_table(template, ws, table)
    raise TemplateError(
        f"template {template} has no table named {name!r}",
        fix=f"add an Excel table named {name} with a header row and one data row",
    )


def _describe_table(template: Path, ws: Worksheet, table: Table) -> _Target:
    name = table.displayName
    if not table.headerRowCount:
        raise TemplateError(
            f"table {name} in template {template} has no header row",
            fix="turn on the table's header row in Excel",
        )
    if table.totalsRowCount:
        raise TemplateError(
            f"table {name} in template {template} has a total row, "
            "which written rows would overwrite",
            fix="turn off the total row and put totals above or beside the table",
        )
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    if table.tableColumns:
        headers = [column.name for column in table.tableColumns]
    else:
        headers = [str(ws.cell(min_row, c).value) for c in range(min_col, max_col + 1)]
    return _Target(name, ws, table, min_row, min_col, max_col, max_row, headers)


def _defined_cells(wb: Workbook, template: Path, name: str) -> list[Cell]:
    """Return the first cell of every range that carries ``name``, at any scope.

    A name may be defined for the workbook and again for single sheets, as
    the review pack does for ``as_of``: the value goes to all of those cells.
    """
    found = [
        _destination_cell(wb, template, name, sheet_title, coordinate)
        for defined in _defined_names_called(wb, name)
        for sheet_title, coordinate in defined.destinations
    ]
    if not found:
        raise TemplateError(
            f"template {template} has no defined name {name!r} that refers to a cell",
            fix=f"give the cell to fill the defined name {name}",
        )
    return found


def _defined_names_called(wb: Workbook, name: str) -> list[DefinedName]:
    # Excel compares defined names without regard to case.
    scopes = [wb.defined_names] + [ws.defined_names for ws in wb.worksheets]
    folded = name.casefold()
    return [
        defined
        for scope in scopes
        for key, defined in scope.items()
        if key.casefold() == folded
    ]


def _destination_cell(
    wb: Workbook, template: Path, name: str, sheet_title: str, coordinate: str
) -> Cell:
    sheet_title = sheet_title.replace("''", "'")
    if sheet_title not in wb.sheetnames:
        raise TemplateError(
            f"defined name {name!r} in template {template} refers to "
            f"sheet {sheet_title!r}, which does not exist",
            fix=f"point the defined name {name} at a cell of an existing sheet",
        )
    first = coordinate.replace("$", "").split(":")[0]
    return wb[sheet_title][first]


def _check_room_below(template: Path, target: _Target) -> None:
    """Reject a template whose table has cells below it, which rows would overwrite."""
    ws = target.ws
    if ws.max_row <= target.last_row:
        return
    below = ws.iter_rows(
        min_row=target.last_row + 1,
        max_row=ws.max_row,
        min_col=target.first_col,
        max_col=target.last_col,
    )
    for row in below:
        for cell in row:
            if cell.value is not None:
                raise TemplateError(
                    f"cell {ws.title}!{cell.coordinate} in template {template} is "
                    f"below table {target.name}, so written rows would overwrite it",
                    fix="move it above or beside the table",
                )


# Converting the data


def _prepare_table(
    template: Path, target: _Target, data: pa.Table, counts: _TextCounts
) -> list[Column]:
    """Match the data's columns to the table's header and convert them."""
    columns = [Column("empty") for _ in target.headers]
    for name in data.column_names:
        if name not in target.headers:
            raise TemplateError(
                f"table {target.name} in template {template} has no column {name!r}",
                fix=f"add a column {name} to the table, or use the built-in template",
            )
        array = data.column(name).combine_chunks()
        columns[target.headers.index(name)] = _prepare_column(
            target.name, name, array, counts
        )
    return columns


def _prepare_column(
    table_name: str, name: str, array: pa.Array, counts: _TextCounts
) -> Column:
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    kind = _kind_of(table_name, name, array.type)
    if _is_id_column(name) and kind not in _ID_KINDS:
        raise TypeError(
            f"table {table_name}: column {name} is {array.type}, but IDs must be "
            "strings so that Excel keeps every digit"
        )
    if kind == "empty":
        return Column(kind)
    return Column(kind, _CONVERTERS[kind](array, counts))


def _is_id_column(name: str) -> bool:
    return name.endswith("_id") or name in ("tracking_no", "sku")


def _kind_of(table_name: str, name: str, arrow_type: pa.DataType) -> str:
    types = pa.types
    if types.is_null(arrow_type):
        return "empty"
    if types.is_string(arrow_type) or types.is_large_string(arrow_type):
        return "text"
    if types.is_string_view(arrow_type):
        return "text"
    if types.is_boolean(arrow_type):
        return "bool"
    if types.is_integer(arrow_type) or types.is_floating(arrow_type):
        return "number"
    if types.is_decimal(arrow_type):
        return "number"
    for kind, test in (
        ("date", types.is_date),
        ("datetime", types.is_timestamp),
        ("time", types.is_time),
    ):
        if test(arrow_type):
            return kind
    raise TypeError(
        f"table {table_name}: column {name} is {arrow_type}, "
        "which cannot be written to a cell"
    )


def _convert_number(array: pa.Array, counts: _TextCounts) -> pa.Array:
    if not pa.types.is_floating(array.type):
        return array
    # Excel has no NaN or infinity, so such a cell is left empty.
    return pc.if_else(pc.is_finite(array), array, pa.scalar(None, array.type))


def _convert_datetime(array: pa.Array, counts: _TextCounts) -> pa.Array:
    if array.type.tz is not None:
        raise ValueError(
            f"timestamps with time zone {array.type.tz} cannot be written: "
            "convert them to the business time zone and drop the zone"
        )
    # Python's datetime stops at microseconds, and Excel shows milliseconds at most.
    return pc.cast(array, pa.timestamp("us"), safe=False)


_CONVERTERS: dict[str, Callable[[pa.Array, _TextCounts], pa.Array]] = {
    "text": lambda array, counts: _clean_text(array, counts),
    "number": _convert_number,
    "bool": lambda array, counts: array,
    "date": lambda array, counts: pc.cast(array, pa.date32()),
    "datetime": _convert_datetime,
    "time": lambda array, counts: pc.cast(array, pa.time64("us"), safe=False),
}


def _clean_text(array: pa.Array, counts: _TextCounts) -> pa.Array:
    """Remove characters XML forbids, cut over-long texts, escape Excel escapes."""
    array = array.cast(_LARGE_STRING)
    removed = pc.sum(pc.count_substring_regex(array, _FORBIDDEN_CHARACTERS)).as_py()
    if removed:
        array = pc.replace_substring_regex(array, _FORBIDDEN_CHARACTERS, "")
        counts.removed += removed

    array = _cut_long_texts(array, counts)
    if pc.any(pc.match_substring_regex(array, _EXCEL_ESCAPE)).as_py():
        array = pc.replace_substring_regex(array, _EXCEL_ESCAPE, r"_x005F_\1")
    return array


def _cut_long_texts(array: pa.Array, counts: _TextCounts) -> pa.Array:
    # A code point takes one or two UTF-16 units, so only texts of more than
    # half the limit in code points can be over it.
    suspects = pc.greater(pc.utf8_length(array), MAX_TEXT_LENGTH // 2)
    if not pc.any(suspects).as_py():
        return array
    texts = array.to_pylist()
    for index in pc.indices_nonzero(suspects).to_pylist():
        cut = _cut_text(texts[index])
        if cut is not texts[index]:
            texts[index] = cut
            counts.cut += 1
    return pa.array(texts, _LARGE_STRING)


def _cut_text(text: str) -> str:
    """Return ``text`` cut to Excel's limit with a marker, or unchanged if it fits."""
    encoded = text.encode("utf-16-le")
    if len(encoded) // 2 <= MAX_TEXT_LENGTH:
        return text
    budget = MAX_TEXT_LENGTH - len(CUT_MARKER.encode("utf-16-le")) // 2
    # "ignore" drops half a surrogate pair left at the cut.
    prefix = encoded[: budget * 2].decode("utf-16-le", errors="ignore")
    return prefix + CUT_MARKER


def _single_value(name: str, value: object, counts: _TextCounts) -> tuple[str, object]:
    """Return the kind and the value to write for one defined-name cell."""
    if isinstance(value, pa.Scalar):
        value = value.as_py()
    if value is None:
        return "empty", None
    if isinstance(value, str):
        cleaned = _clean_text(pa.array([value], _LARGE_STRING), counts)
        return "text", cleaned[0].as_py()
    kind = _python_kind(value)
    if kind is None:
        raise TypeError(
            f"value for defined name {name!r} is a {type(value).__name__}, "
            "which cannot be written to a cell"
        )
    if kind in ("datetime", "time") and value.tzinfo is not None:
        raise ValueError(
            f"value for defined name {name!r} has a time zone: "
            "convert it to the business time zone and drop the zone"
        )
    if isinstance(value, float) and not math.isfinite(value):
        # Excel has no NaN or infinity.
        return "empty", None
    return kind, value


def _python_kind(value: object) -> str | None:
    # bool before int and datetime before date, because each is a subclass.
    for kind, types in (
        ("bool", bool),
        ("number", (numbers.Real, Decimal)),
        ("datetime", datetime),
        ("date", date),
        ("time", time),
    ):
        if isinstance(value, types):
            return kind
    return None


# Styles, values and images


def _column_styles(target: _Target, columns: list[Column]) -> tuple[list, list[int]]:
    """Return the style and style index of each column's template data row cell."""
    data_row = target.header_row + 1
    styles, style_ids = [], []
    for offset, column in enumerate(columns):
        cell = target.ws.cell(data_row, target.first_col + offset)
        _ensure_date_format(cell, column.kind)
        styles.append(copy(cell._style))
        style_ids.append(cell.style_id)
    return styles, style_ids


def _ensure_date_format(cell: Cell, kind: str) -> None:
    if kind in DEFAULT_DATE_FORMATS and not is_date_format(cell.number_format):
        cell.number_format = DEFAULT_DATE_FORMATS[kind]


def _write_value(
    cells: list[Cell], name: str, value: object, counts: _TextCounts
) -> None:
    kind, value = _single_value(name, value, counts)
    for cell in cells:
        _ensure_date_format(cell, kind)
        _set_value(cell, kind, value)


def _set_value(cell: Cell, kind: str, value: object) -> None:
    if value == "":
        # An empty string is an empty cell, as the streamed XML writes it.
        value = None
    cell.value = value
    if kind == "text" and value is not None:
        # openpyxl takes text that starts with "=" for a formula and text such
        # as "#N/A" for an error. Input text must stay a literal string.
        cell.data_type = "s"


def _place_image(cell: Cell, path: Path) -> None:
    image = Image(str(path))
    scale = _display_scale(path)
    image.width = round(image.width * scale)
    image.height = round(image.height * scale)
    image.anchor = cell.coordinate
    cell.parent.add_image(image)


def _display_scale(path: Path) -> float:
    """Return the factor that shows an image at the size it was drawn for.

    Excel shows an image at 96 pixels per inch. Without scaling, a chart saved
    at 150 dpi would appear about one and a half times too large.
    """
    with PILImage.open(path) as picture:
        dpi = picture.info.get("dpi")
    if not dpi or not dpi[0]:
        return 1.0
    return 96 / float(dpi[0])


# Labels


def _apply_labels(wb: Workbook, labels: dict[str, str]) -> None:
    """Translate table headers, the template's text cells and sheet titles.

    Table names and defined names stay as they are, because the tool and
    users' formulas refer to them.
    """
    for ws in wb.worksheets:
        for table in ws.tables.values():
            _translate_headers(wb, ws, table, labels)
        _translate_text_cells(ws, labels)
    for ws in wb.worksheets:
        if ws.title in labels:
            _rename_sheet(wb, ws, labels[ws.title])


def _translate_headers(wb: Workbook, ws: Worksheet, table: Table, labels) -> None:
    min_col, header_row, max_col, _ = range_boundaries(table.ref)
    for offset in range(max_col - min_col + 1):
        cell = ws.cell(header_row, min_col + offset)
        old = cell.value
        if old not in labels:
            continue
        new = labels[old]
        # Excel repairs a file whose header cell and table column name differ.
        cell.value = new
        if table.tableColumns:
            table.tableColumns[offset].name = new
        _rewrite_references(wb, _column_reference_rewriter(table.displayName, old, new))

    # Excel repairs a table with two columns of the same name, ignoring case.
    headers = [str(ws.cell(header_row, c).value) for c in range(min_col, max_col + 1)]
    folded = [header.casefold() for header in headers]
    for header in headers:
        if folded.count(header.casefold()) > 1:
            raise ValueError(
                f"labels give table {table.displayName} two columns named {header!r}"
            )


def _translate_text_cells(ws: Worksheet, labels: dict[str, str]) -> None:
    # No data is written yet, so every text cell that equals a key is one of
    # the template's labels.
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "s" and cell.value in labels:
                cell.value = labels[cell.value]


def _rename_sheet(wb: Workbook, ws: Worksheet, title: str) -> None:
    old = ws.title
    ws.title = title
    _rewrite_references(wb, _sheet_reference_rewriter(old, title))


def _quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _sheet_reference_rewriter(old: str, new: str) -> Callable[[str], str]:
    pattern = re.compile(
        r"(?<![\w.])(?:" + re.escape(_quote_sheet(old)) + "|" + re.escape(old) + ")!",
        re.IGNORECASE,
    )
    replacement = _quote_sheet(new) + "!"
    return lambda text: pattern.sub(lambda match: replacement, text)


def _escape_column_name(name: str) -> str:
    # Structured references escape these characters with an apostrophe.
    return re.sub(r"(['#\[\]])", r"'\1", name)


def _column_reference_rewriter(table: str, old: str, new: str) -> Callable[[str], str]:
    # NOTE: only the plain form Table[column] is rewritten; forms such as
    # Table[[#This Row],[column]] keep the old column name.
    pattern = re.compile(
        re.escape(table) + r"\[" + re.escape(_escape_column_name(old)) + r"\]",
        re.IGNORECASE,
    )
    replacement = f"{table}[{_escape_column_name(new)}]"
    return lambda text: pattern.sub(lambda match: replacement, text)


def _rewrite_references(wb: Workbook, rewrite: Callable[[str], str]) -> None:
    """Apply ``rewrite`` to every formula and defined name of the workbook."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and isinstance(cell.value, str):
                    cell.value = rewrite(cell.value)
        for validation in ws.data_validations.dataValidation:
            if validation.formula1:
                validation.formula1 = rewrite(validation.formula1)
            if validation.formula2:
                validation.formula2 = rewrite(validation.formula2)
        for formatting in ws.conditional_formatting:
            for rule in formatting.rules:
                rule.formula = [rewrite(formula) for formula in rule.formula]
        for defined in ws.defined_names.values():
            defined.attr_text = rewrite(defined.attr_text)
    for defined in wb.defined_names.values():
        defined.attr_text = rewrite(defined.attr_text)


# Placing rows on sheets


def _layout(
    wb: Workbook,
    target: _Target,
    columns: list[Column],
    styles: list,
    style_ids: list[int],
    row_count: int,
) -> list[Block]:
    """Resize the table and split its rows over further sheets where one is full."""
    capacity = SHEET_MAX_ROWS - target.header_row
    starts = list(range(0, max(row_count, 1), capacity))
    # Later sheets copy the template's formats, so add them before the first
    # sheet's formats are resized.
    places = [(target.ws, target.table)]
    for number in range(2, len(starts) + 1):
        places.append(_add_continuation_sheet(wb, target, number))

    blocks = []
    for (ws, table), start in zip(places, starts):
        stop = min(start + capacity, row_count)
        _resize_table(ws, table, target, stop - start)
        block = Block(
            ws=ws,
            first_row=target.header_row + 1,
            first_col=target.first_col,
            last_col=target.last_col,
            start=start,
            stop=stop,
            columns=columns,
            styles=styles,
            style_ids=style_ids,
        )
        blocks.append(block)
    return blocks


def _resize_table(ws: Worksheet, table: Table, target: _Target, rows: int) -> None:
    # A table needs one data row, so an empty table keeps the styled one.
    last_row = target.header_row + max(rows, 1)
    ref = CellRange(
        min_col=target.first_col,
        min_row=target.header_row,
        max_col=target.last_col,
        max_row=last_row,
    ).coord
    table.ref = ref
    if table.autoFilter is None:
        table.autoFilter = AutoFilter(ref=ref)
    table.autoFilter.ref = ref

    _resize_formats(ws, target, last_row)
    for row in range(last_row + 1, target.last_row + 1):
        for column in range(target.first_col, target.last_col + 1):
            # Drop template rows past the new end, so no styled leftovers remain.
            ws._cells.pop((row, column), None)


def _resize_formats(ws: Worksheet, target: _Target, last_row: int) -> None:
    """Stretch conditional formats and data validations to the table's new end."""
    old = ws.conditional_formatting
    ws.conditional_formatting = ConditionalFormattingList()
    for formatting in old:
        sqref = _resized_ranges(formatting.sqref, target, last_row)
        for rule in formatting.rules:
            ws.conditional_formatting.add(sqref, rule)
    for validation in ws.data_validations.dataValidation:
        validation.sqref = MultiCellRange(
            _resized_ranges(validation.sqref, target, last_row)
        )


def _resized_ranges(sqref: MultiCellRange, target: _Target, last_row: int) -> str:
    # Only ranges that end on the template's last table row grow, so a format
    # written for whole columns (F2:F1048576) or other cells is left alone.
    ranges = []
    for cell_range in MultiCellRange(str(sqref)).ranges:
        inside = (
            target.first_col <= cell_range.min_col
            and cell_range.max_col <= target.last_col
            and cell_range.min_row > target.header_row
            and cell_range.max_row == target.last_row
        )
        if inside:
            cell_range = CellRange(
                min_col=cell_range.min_col,
                min_row=cell_range.min_row,
                max_col=cell_range.max_col,
                max_row=max(last_row, cell_range.min_row),
            )
        ranges.append(cell_range.coord)
    return " ".join(ranges)


def _add_continuation_sheet(
    wb: Workbook, target: _Target, number: int
) -> tuple[Worksheet, Table]:
    """Add sheet "<title> (<number>)" with the table's header, widths and formats."""
    source = target.ws
    suffix = f" ({number})"
    # Excel's sheet titles have at most 31 characters.
    title = source.title[: 31 - len(suffix)] + suffix
    ws = wb.create_sheet(title, index=wb.index(source) + number - 1)
    _copy_header(source, ws, target)
    _copy_formats(source, ws, target)
    ws.freeze_panes = source.freeze_panes

    columns = [
        TableColumn(id=index + 1, name=name)
        for index, name in enumerate(_header_texts(source, target))
    ]
    table = Table(
        displayName=f"{target.name}_{number}",
        ref=target.table.ref,
        tableStyleInfo=copy(target.table.tableStyleInfo),
        tableColumns=columns,
    )
    ws.add_table(table)
    return ws, table


def _header_texts(ws: Worksheet, target: _Target) -> list[str]:
    return [
        str(ws.cell(target.header_row, column).value)
        for column in range(target.first_col, target.last_col + 1)
    ]


def _copy_header(source: Worksheet, ws: Worksheet, target: _Target) -> None:
    row = target.header_row
    ws.row_dimensions[row].height = source.row_dimensions[row].height
    for column in range(target.first_col, target.last_col + 1):
        letter = get_column_letter(column)
        ws.column_dimensions[letter].width = source.column_dimensions[letter].width
        header = source.cell(row, column)
        cell = ws.cell(row, column, header.value)
        cell._style = copy(header._style)


def _copy_formats(source: Worksheet, ws: Worksheet, target: _Target) -> None:
    """Copy the conditional formats and data validations that lie in the table."""
    for formatting in source.conditional_formatting:
        sqref = _ranges_within(formatting.sqref, target)
        for rule in formatting.rules if sqref else ():
            ws.conditional_formatting.add(sqref, copy(rule))
    for validation in source.data_validations.dataValidation:
        sqref = _ranges_within(validation.sqref, target)
        if sqref:
            duplicate = copy(validation)
            duplicate.sqref = MultiCellRange(sqref)
            ws.add_data_validation(duplicate)


def _ranges_within(sqref: MultiCellRange, target: _Target) -> str:
    ranges = [
        cell_range.coord
        for cell_range in MultiCellRange(str(sqref)).ranges
        if target.first_col <= cell_range.min_col
        and cell_range.max_col <= target.last_col
        and cell_range.min_row > target.header_row
    ]
    return " ".join(ranges)


def _write_block(block: Block) -> None:
    """Write a block's rows cell by cell with openpyxl."""
    ws = block.ws
    for offset, (column, style) in enumerate(zip(block.columns, block.styles)):
        column_index = block.first_col + offset
        for index, value in enumerate(_python_values(column, block)):
            cell = ws.cell(block.first_row + index, column_index)
            cell._style = copy(style)
            _set_value(cell, column.kind, value)


def _python_values(column: Column, block: Block) -> list:
    length = block.stop - block.start
    if column.values is None:
        return [None] * length
    return column.values.slice(block.start, length).to_pylist()


# Saving


def _save(wb: Workbook, destination: Path, streamed: list[Block]) -> None:
    """Save to a temporary file beside ``destination``, then move it into place."""
    buffer = io.BytesIO()
    wb.save(buffer)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent
    )
    try:
        with os.fdopen(handle, "wb") as output:
            finish_package(buffer, output, streamed)
            output.flush()
            os.fsync(output.fileno())
        os.chmod(temporary, _file_mode(destination))
        _replace(temporary, destination)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _replace(temporary: str, destination: Path) -> None:
    try:
        os.replace(temporary, destination)
    except PermissionError as error:
        raise AuditError(
            f"cannot replace {destination}: {error.strerror}",
            fix="close the workbook if it is open in Excel, then run again",
        ) from error


def _file_mode(destination: Path) -> int:
    # mkstemp makes a file that only its owner can read. The workbook gets the
    # mode of the file it replaces, or else the mode open() gives a new file.
    if destination.exists():
        return destination.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask

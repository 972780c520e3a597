"""Read the first sheet of an XLSX workbook into a raw DuckDB table.

A workbook is a zip archive of XML parts. An attacker can shape it to exhaust
memory, with a zip bomb or a zip header that understates a part's size, or to
expand XML entities. So before python-calamine parses anything, every part is
inflated once with its size counted against the limits below, and every XML
part is searched for a DTD, which Excel does not write.

Numbers in cells are IEEE doubles, and Excel keeps only 15 significant digits
of them. So a 16-digit or longer ID typed into a number cell was rounded when
it was entered, and such cells are reported as suspect rather than read as IDs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import struct
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree

from audit.errors import InputFileError
from audit.raw_tables import (
    LoadedInput,
    RecordWriter,
    SuspectCell,
    clean_header,
    quote_name,
)

# A full sheet of 1,048,576 rows by 20 columns is about 1.2 GB of XML, an
# estimate from the 56 bytes per cell of a 100,000-row sheet that openpyxl
# wrote. The limit leaves room for that and stops anything far larger.
MAX_XLSX_UNCOMPRESSED_BYTES = 2 * 1024**3
# That sheet deflated 8.4 times. Zip bombs come close to deflate's maximum,
# which zlib reaches at about 1,030 times on 100 MB of zero bytes.
MAX_XLSX_COMPRESSION_RATIO = 200
MAX_XLSX_PARTS = 10_000
EXCEL_DIGITS = 15
HEADER_SEARCH_ROWS = 50

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
# The exceptions zipfile raises for a damaged archive, NotImplementedError
# included for a zip version or feature that it does not support.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError,
              ValueError, EOFError, struct.error)


def check_archive(path: Path) -> None:
    """Raise InputFileError unless the workbook is safe to hand to the XML parser."""
    try:
        archive = zipfile.ZipFile(path)
    except ZIP_ERRORS:
        raise InputFileError(
            f"{path}: not a valid XLSX file (its zip archive cannot be read)",
            fix="Open it in Excel and save it again as .xlsx.",
        ) from None
    with archive, path.open("rb") as raw:
        infos = archive.infolist()
        if "xl/workbook.xml" not in archive.namelist():
            raise InputFileError(
                f"{path}: not a valid XLSX file: the zip archive contains no "
                "workbook (xl/workbook.xml)",
                fix="Open it in Excel and save it again as .xlsx.",
            )
        _check_declared_sizes(path, infos)
        for info in infos:
            _check_part(path, raw, info)


def _check_declared_sizes(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_XLSX_PARTS:
        raise InputFileError(
            f"{path}: rejected because it contains {len(infos):,} parts, and a "
            f"workbook has far fewer than {MAX_XLSX_PARTS:,}",
            fix="Export the sheet as CSV or Parquet instead.",
        )
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    ratio = total / packed
    if total > MAX_XLSX_UNCOMPRESSED_BYTES or ratio > MAX_XLSX_COMPRESSION_RATIO:
        raise InputFileError(
            f"{path}: rejected because it unpacks to {total:,} bytes "
            f"({ratio:.0f} times its packed size), which looks like a zip bomb",
            fix="Export the sheet as CSV or Parquet instead.",
        )


def _check_part(path: Path, raw, info: zipfile.ZipInfo) -> None:
    """Inflate one part, checking its real size and, for XML, that it has no DTD."""
    if info.flag_bits & 0x1:
        raise InputFileError(
            f"{path}: the workbook is encrypted (part {info.filename})",
            fix="Remove the password in Excel and save the workbook again.",
        )
    xml = None
    tail = b""
    for chunk in _inflate(path, raw, info):
        if xml is None and chunk:
            xml = _is_xml_part(path, info, chunk)
        if xml and any(marker in tail + chunk for marker in _DTD_MARKERS):
            raise InputFileError(
                f"{path}: rejected because its part {info.filename} declares a DTD "
                "or XML entities, which Excel does not write",
                fix="Open the file in Excel and save it again, or export it as CSV.",
            )
        tail = chunk[-16:]


def _is_xml_part(path: Path, info: zipfile.ZipInfo, head: bytes) -> bool:
    """Tell from its name or first bytes whether calamine may parse a part as XML.

    Images under xl/media/ are left alone, because an SVG image may carry a
    DTD of its own.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
        # A UTF-16 part would hide its DTD from the byte search.
        raise InputFileError(
            f"{path}: rejected because its part {info.filename} is not UTF-8 XML, "
            "the encoding Excel writes",
            fix="Open the file in Excel and save it again, or export it as CSV.",
        )
    if info.filename.endswith(_XML_SUFFIXES):
        return True
    looks_xml = head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    return looks_xml and not info.filename.startswith("xl/media/")


def _inflate(path: Path, raw, info: zipfile.ZipInfo):
    """Yield the inflated bytes of a part in chunks, never more than it declares."""
    raw.seek(_data_offset(path, raw, info))
    inflater = zlib.decompressobj(-15) if info.compress_type else None
    produced = 0
    remaining = info.compress_size
    while remaining > 0:
        data = raw.read(min(remaining, 1 << 20))
        if not data:
            raise _damaged(path, info)
        remaining -= len(data)
        try:
            for chunk in _inflate_chunk(inflater, data):
                produced += len(chunk)
                if produced > info.file_size:
                    raise _understated(path, info)
                yield chunk
        except zlib.error:
            raise _damaged(path, info) from None
    if produced != info.file_size or (inflater is not None and not inflater.eof):
        raise _damaged(path, info)


def _data_offset(path: Path, raw, info: zipfile.ZipInfo) -> int:
    """Return where a part's compressed data starts, after its local zip header."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise InputFileError(
            f"{path}: part {info.filename} uses a compression method that Excel "
            f"does not write (method {info.compress_type})",
            fix="Open the file in Excel and save it again as .xlsx.",
        )
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) < 30:
        raise _damaged(path, info)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    name = info.orig_filename.encode(encoding, errors="replace")
    if signature != b"PK\x03\x04" or raw.read(name_length) != name:
        raise _damaged(path, info)
    return info.header_offset + 30 + name_length + extra_length


def _inflate_chunk(inflater, data: bytes):
    """Inflate ``data`` 1 MiB of output at a time, so a bomb never fills memory."""
    if inflater is None:
        yield data
        return
    while data:
        chunk = inflater.decompress(data, 1 << 20)
        data = inflater.unconsumed_tail
        yield chunk


def _understated(path: Path, info: zipfile.ZipInfo) -> InputFileError:
    return InputFileError(
        f"{path}: rejected because its part {info.filename} unpacks to more than "
        f"the {info.file_size:,} bytes its zip header declares, which is a forged "
        "header or a zip bomb",
        fix="Export the sheet as CSV or Parquet instead.",
    )


def _damaged(path: Path, info: zipfile.ZipInfo) -> InputFileError:
    return InputFileError(
        f"{path}: the workbook is damaged (part {info.filename} does not match "
        "its zip header)",
        fix="Open it in Excel and save it again as .xlsx.",
    )


def load_excel(con, name: str, path: Path, table: str) -> LoadedInput:
    """Read the first sheet of a workbook into the raw table ``table``."""
    from python_calamine import CalamineError

    check_archive(path)
    try:
        return _read_first_sheet(con, name, path, table)
    except (CalamineError, ValueError, IndexError) as exc:
        raise InputFileError(
            f"{path}: cannot read the workbook: {exc}",
            fix="Open it in Excel and save it again as .xlsx.",
        ) from None


def _read_first_sheet(con, name: str, path: Path, table: str) -> LoadedInput:
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    column_offset = sheet.start[1] if sheet.start else 0
    rows = (_padded_row(row, column_offset) for row in sheet.iter_rows())
    head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    header_index = _find_header(head)
    if not head or not any(_cell_text(cell) for cell in head[header_index]):
        raise InputFileError(
            f"{path}: the first sheet ({sheet.name!r}) is empty; expected a header "
            "row",
            fix="Move the table to the first sheet of the workbook.",
        )
    header = [_cell_text(cell) or "" for cell in head[header_index]]
    padded = zero_padded_cells(path)
    reader = _SheetReader(con, path, table, clean_header(header), padded)
    for index, row in enumerate(itertools.chain(head, rows)):
        if index > header_index:
            reader.add(index + 1, row)
    reader.writer.flush()
    columns = _drop_unnamed_empty_columns(con, table, reader.columns, header)
    return LoadedInput(name, path, table, "", None, columns, reader.writer.written,
                       suspect_cells=reader.suspects)


def _padded_row(row: list, column_offset: int) -> list:
    # iter_rows starts each row at the first used column. The empty columns
    # before it are put back, so a list index is the sheet's 0-based column.
    return [None] * column_offset + list(row) if column_offset else list(row)


def _drop_unnamed_empty_columns(con, table, columns, header) -> list[str]:
    """Drop the columns that have neither a header nor a value; return the rest."""
    unnamed = [column for column, name in zip(columns, header) if not name]
    if not unnamed:
        return columns
    counts = con.execute(
        "SELECT " + ", ".join(f"count({quote_name(column)})" for column in unnamed)
        + f" FROM {quote_name(table)}"
    ).fetchone()
    empty = {column for column, count in zip(unnamed, counts) if count == 0}
    for column in empty:
        con.execute(
            f"ALTER TABLE {quote_name(table)} DROP COLUMN {quote_name(column)}"
        )
    return [column for column in columns if column not in empty]


def _find_header(rows: list[list]) -> int:
    """Return the index of the header row: the first row as wide as the data.

    Exports often put a title or notes above the table, so the header is taken
    as the first row whose filled cells reach the widest filled width seen in
    the first fifty rows.
    """
    widths = [sum(1 for cell in row if cell not in (None, "")) for row in rows]
    if not widths or max(widths) == 0:
        return 0
    widest = max(widths)
    return next(index for index, width in enumerate(widths) if width >= widest)


class _SheetReader:
    """Turn sheet rows into text records, noting numbers Excel had rounded."""

    def __init__(self, con, path: Path, table: str, columns: list[str],
                 padded: dict[tuple[int, int], int]):
        self.columns = columns
        self.padded = padded
        self.writer = RecordWriter(con, table, path, columns)
        self.suspects: list[SuspectCell] = []

    def add(self, row_number: int, row: list) -> None:
        values = [self._text(row_number, index, cell)
                  for index, cell in enumerate(row[: len(self.columns)])]
        values += [None] * (len(self.columns) - len(values))
        if any(value is not None for value in values):
            self.writer.add(row_number, values)

    def _text(self, row_number: int, index: int, cell) -> str | None:
        if type(cell) is str:
            return cell or None
        if type(cell) is not float:
            return _cell_text(cell)
        width = self.padded.get((row_number, index))
        if width and cell.is_integer() and abs(cell) < 10**EXCEL_DIGITS:
            return str(int(cell)).zfill(width)
        text = _number_text(cell)
        if cell.is_integer() and abs(cell) >= 10**EXCEL_DIGITS:
            self.suspects.append(SuspectCell(
                row_number, self.columns[index], text, "rounded_number",
                f"a number cell of more than {EXCEL_DIGITS} digits, which Excel "
                "has already rounded; export the column as text, or the file as CSV",
            ))
        return text


def _cell_text(value) -> str | None:
    """Return a cell's value as text: numbers with 15 digits, dates in ISO 8601."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _number_text(value: float) -> str:
    """Write a number with Excel's 15 significant digits and no exponent.

    So 0.1 + 0.2 is "0.3", as Excel shows it, and 123456789012345678 is
    "123456789012346000", the digits Excel kept.
    """
    if value.is_integer() and abs(value) < 10**EXCEL_DIGITS:
        return str(int(value))
    return format(Decimal(format(value, f".{EXCEL_DIGITS}g")), "f")


def zero_padded_cells(path: Path) -> dict[tuple[int, int], int]:
    """Map each zero-padded number cell, as (sheet row, column index), to its width.

    A postcode or SKU such as 01234 is often a number cell with the format
    "00000". Calamine returns 1234, so the width restores the leading zeros.
    Only workbooks whose styles define such a format have their first sheet
    parsed a second time.
    """
    with zipfile.ZipFile(path) as archive:
        try:
            styles = _padded_styles(archive)
            sheet_part = _first_sheet_part(archive) if styles else None
            if sheet_part is None:
                return {}
            with archive.open(sheet_part) as sheet:
                return _padded_coordinates(sheet, styles)
        except (KeyError, ElementTree.ParseError, *ZIP_ERRORS):
            # Calamine has read these parts already. If they do not parse here,
            # the values stay as calamine gave them, without padding.
            return {}


def _padded_styles(archive: zipfile.ZipFile) -> dict[int, int]:
    """Map each cell style index whose number format is all zeros to its width."""
    if "xl/styles.xml" not in archive.namelist():
        return {}
    root = ElementTree.fromstring(archive.read("xl/styles.xml"))
    widths = {}
    for number_format in root.iter(f"{_MAIN}numFmt"):
        code = number_format.get("formatCode", "").split(";")[0]
        if re.fullmatch(r"0{2,}", code):
            widths[number_format.get("numFmtId")] = len(code)
    cell_formats = root.find(f"{_MAIN}cellXfs")
    if not widths or cell_formats is None:
        return {}
    return {
        index: widths[xf.get("numFmtId")]
        for index, xf in enumerate(cell_formats.iter(f"{_MAIN}xf"))
        if xf.get("numFmtId") in widths
    }


def _first_sheet_part(archive: zipfile.ZipFile) -> str | None:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
    if sheet is None:
        return None
    relation = sheet.get(f"{_DOC_RELS}id")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for item in rels.iter(f"{_RELS}Relationship"):
        if item.get("Id") == relation:
            target = item.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)
    return None


def _padded_coordinates(sheet, styles: dict[int, int]) -> dict[tuple[int, int], int]:
    """Find the zero-padded number cells; ``r`` attributes are optional in XLSX."""
    found = {}
    row = 0
    column = -1
    for event, element in ElementTree.iterparse(sheet, events=("start", "end")):
        if event == "start" and element.tag == f"{_MAIN}row":
            row = int(element.get("r") or row + 1)
            column = -1
        elif event == "end" and element.tag == f"{_MAIN}c":
            reference = element.get("r")
            column = _column_index(reference) if reference else column + 1
            style = int(element.get("s") or 0)
            if style in styles and element.get("t", "n") == "n":
                found[(row, column)] = styles[style]
        elif event == "end" and element.tag == f"{_MAIN}row":
            element.clear()
    return found


def _column_index(reference: str) -> int:
    """Return the 0-based column index of a cell reference such as "AB7"."""
    column = 0
    for letter in reference.rstrip("0123456789"):
        column = column * 26 + ord(letter.upper()) - 64
    return column - 1

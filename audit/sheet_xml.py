"""Write the rows of large tables as sheet XML into the package openpyxl saved.

openpyxl builds a Python object per cell, which takes tens of seconds for
100,000 rows of 29 columns. Here a table's cells are built a chunk of rows at
a time with Arrow compute functions. Worker threads deflate each chunk's XML
for the zip package while the next chunk is built, so building and
compressing share the cores. The rows of the template that openpyxl wrote (a
header, a totals row below the table) are kept and merged in by row number.
"""

from __future__ import annotations

import heapq
import io
import re
import zipfile
import zlib
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import groupby, pairwise
from operator import attrgetter, itemgetter
from xml.etree import ElementTree

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

# Rows of streamed XML built in memory at a time.
STREAM_CHUNK_ROWS = 5_000
# Chunks waiting to be deflated; bounds the memory that building ahead takes.
QUEUED_CHUNKS = 4
# Threads that deflate chunks, and the zlib level they use (zipfile's default).
DEFLATE_THREADS = 2
DEFLATE_LEVEL = 6

_LARGE_STRING = pa.large_string()


@dataclass
class Column:
    """Values of one table column, converted for writing.

    ``kind`` is one of text, number, bool, date, datetime, time or empty;
    ``values`` is None when the input has no such column.
    """

    kind: str
    values: pa.Array | None = None


@dataclass
class Block:
    """Data rows ``start:stop`` of one table, placed on one sheet."""

    ws: Worksheet
    first_row: int
    first_col: int
    last_col: int
    start: int
    stop: int
    columns: list[Column]
    styles: list
    style_ids: list[int]

    @property
    def last_row(self) -> int:
        return self.first_row + self.stop - self.start - 1


_WORKSHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")


def finish_package(source: io.BytesIO, output, streamed: list[Block]) -> None:
    """Copy openpyxl's package into ``output``, writing the streamed rows in."""
    with (
        zipfile.ZipFile(source) as package,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as finished,
    ):
        blocks_by_part = defaultdict(list)
        parts = _sheet_parts(package)
        for block in streamed:
            blocks_by_part[parts[block.ws.title]].append(block)

        for info in package.infolist():
            data = package.read(info)
            if _WORKSHEET_PART.fullmatch(info.filename):
                # XML parsers read a literal carriage return as a line feed.
                # openpyxl writes one literally when lxml is missing, so escape it.
                data = data.replace(b"\r", b"&#13;")
            if info.filename in blocks_by_part:
                blocks = blocks_by_part[info.filename]
                _write_streamed_sheet(finished, info, data.decode("utf-8"), blocks)
            else:
                finished.writestr(info, data)


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Return the part name of each sheet, by sheet title."""
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    relationships = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in relationships}
    parts = {}
    for sheet in workbook.iter(f"{{{_MAIN_NS}}}sheet"):
        target = targets[sheet.get(f"{{{_RELATIONSHIP_NS}}}id")]
        parts[sheet.get("name")] = (
            target[1:] if target.startswith("/") else f"xl/{target}"
        )
    return parts


_SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", re.DOTALL)
_DIMENSION = re.compile(r'<dimension ref="([^"]*)"')
# These parse openpyxl's own output, which puts no comments or CDATA in rows.
_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.DOTALL)
_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)\d+"[^>]*?(?:/>|>.*?</c>)', re.DOTALL)
_ROW_NUMBER = re.compile(r'\br="(\d+)"')
_SPANS = re.compile(r'\s+spans="[^"]*"')


@dataclass
class _ExistingRow:
    """A row that openpyxl wrote: its attributes and cells by column."""

    attributes: str
    cells: list[tuple[int, str]]
    xml: str


def _write_streamed_sheet(
    package: zipfile.ZipFile, info: zipfile.ZipInfo, xml: str, blocks: list[Block]
) -> None:
    sheet_data = _SHEET_DATA.search(xml)
    head = _with_dimension(xml[: sheet_data.start()], blocks)
    existing = _parse_rows(sheet_data.group(1) or "")
    entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    entry.compress_type = zipfile.ZIP_DEFLATED
    # A sheet of a million rows can pass 4 GiB of XML, which needs ZIP64.
    with package.open(entry, "w", force_zip64=True) as part:
        chunks = _sheet_chunks(existing, blocks)
        _deflate_alongside(part, _framed(head, chunks, xml[sheet_data.end() :]))


def _framed(head: str, chunks: Iterable[bytes], tail: str) -> Iterator[bytes]:
    yield head.encode("utf-8") + b"<sheetData>"
    yield from chunks
    yield b"</sheetData>" + tail.encode("utf-8")


def _deflate_alongside(part, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to ``part`` while worker threads deflate the chunks ahead.

    Each chunk is deflated on its own and ends on a byte boundary (a sync
    flush). Such pieces, written in order and followed by an empty final
    block, make one valid deflate stream. zlib releases the interpreter lock
    while it deflates, so two workers share the compression. With a single
    thread, deflating the 57 MB sheet of a 28,000-row register took longer
    than building it.

    ``part`` is zipfile's writer for the entry and still counts the sizes and
    the CRC-32 of the XML. Only its compressor is replaced, by one that
    returns the pieces. If the writer does not have the expected zlib
    compressor (a stored entry has none), the chunks go to zipfile as they
    are, to compress or store itself.
    """
    if not isinstance(getattr(part, "_compressor", None), type(zlib.compressobj())):
        for chunk in chunks:
            part.write(chunk)
        return
    pieces = _Pieces()
    part._compressor = pieces
    waiting: deque = deque()
    with ThreadPoolExecutor(DEFLATE_THREADS, thread_name_prefix="deflate") as pool:
        try:
            for chunk in chunks:
                waiting.append((chunk, pool.submit(_deflated_piece, chunk)))
                if len(waiting) > QUEUED_CHUNKS:
                    pieces.write(part, *waiting.popleft())
            while waiting:
                pieces.write(part, *waiting.popleft())
        finally:
            for _, future in waiting:
                future.cancel()


def _deflated_piece(chunk: bytes) -> bytes:
    compressor = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)


class _Pieces:
    """Replacement for zipfile's compressor that returns the pieces deflated ahead."""

    # An empty final block (fixed Huffman codes), which ends the deflate stream.
    FINAL_BLOCK = b"\x03\x00"

    def __init__(self) -> None:
        self.next = b""

    def write(self, part, chunk: bytes, piece: Future) -> None:
        self.next = piece.result()
        part.write(chunk)

    def compress(self, data) -> bytes:
        piece, self.next = self.next, b""
        return piece

    def flush(self) -> bytes:
        return self.FINAL_BLOCK


def _with_dimension(head: str, blocks: list[Block]) -> str:
    match = _DIMENSION.search(head)
    if match is None:
        return head
    min_col, min_row, max_col, max_row = range_boundaries(match.group(1))
    for block in blocks:
        min_col = min(min_col, block.first_col)
        max_col = max(max_col, block.last_col)
        max_row = max(max_row, block.last_row)
    ref = CellRange(
        min_col=min_col, min_row=min_row, max_col=max_col, max_row=max_row
    ).coord
    return head[: match.start(1)] + ref + head[match.end(1) :]


def _parse_rows(sheet_data: str) -> dict[int, _ExistingRow]:
    rows = {}
    for match in _ROW.finditer(sheet_data):
        attributes = _SPANS.sub("", match.group(1).rstrip())
        number = int(_ROW_NUMBER.search(attributes).group(1))
        cells = [
            (_column_index(cell.group(1)), cell.group(0))
            for cell in _CELL.finditer(match.group(2) or "")
        ]
        rows[number] = _ExistingRow(attributes, cells, match.group(0))
    return rows


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index


def _sheet_chunks(existing: dict[int, _ExistingRow], blocks: list[Block]) -> Iterator[bytes]:
    """Yield the sheet's rows in order as UTF-8 XML, a chunk at a time.

    Blocks that share no row with another block, the usual layout, are
    written a chunk at a time. Only a chunk that meets a template row is
    merged row by row. Tables placed side by side go row by row throughout.
    """
    if _share_rows(blocks):
        yield from _batched(_sheet_rows(existing, blocks))
        return
    pending = deque(sorted(existing))
    for block in sorted(blocks, key=attrgetter("first_row")):
        for first_row, cells in _block_chunks(block):
            last_row = first_row + len(cells) - 1
            while pending and pending[0] < first_row:
                yield existing[pending.popleft()].xml.encode("utf-8")
            if pending and pending[0] <= last_row:
                rows = [(first_row + offset, block, xml)
                        for offset, xml in enumerate(cells.to_pylist())]
                yield "".join(_merged(rows, existing, pending)).encode("utf-8")
            else:
                yield _row_elements(first_row, cells)
    for number in pending:
        yield existing[number].xml.encode("utf-8")


def _share_rows(blocks: list[Block]) -> bool:
    ordered = sorted(blocks, key=attrgetter("first_row"))
    return any(later.first_row <= earlier.last_row
               for earlier, later in pairwise(ordered))


def _row_elements(first_row: int, cells: pa.Array) -> bytes:
    """Wrap each row's cells in its row element; return the rows' XML joined."""
    numbers = pa.array(range(first_row, first_row + len(cells))).cast(_LARGE_STRING)
    rows = pc.binary_join_element_wise(
        _text('<row r="'), numbers, _text('">'), cells, _text("</row>"), _text("")
    )
    return _joined(rows)


def _joined(strings: pa.Array) -> bytes:
    """Return the values of a large-string array without nulls, concatenated.

    Arrow keeps them end to end in one buffer, so this is one copy.
    """
    _, offsets, data = strings.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)
    first, last = bounds[strings.offset], bounds[strings.offset + len(strings)]
    return data.to_pybytes()[first:last] if data is not None else b""


def _batched(rows: Iterable[str]) -> Iterator[bytes]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= STREAM_CHUNK_ROWS:
            yield "".join(batch).encode("utf-8")
            batch.clear()
    yield "".join(batch).encode("utf-8")


def _sheet_rows(existing: dict[int, _ExistingRow], blocks: list[Block]) -> Iterator[str]:
    """Yield the sheet's rows in order: openpyxl's rows merged with streamed ones."""
    generated = heapq.merge(
        *(_block_rows(block) for block in blocks), key=itemgetter(0)
    )
    pending = deque(sorted(existing))
    yield from _merged(generated, existing, pending)
    for number in pending:
        yield existing[number].xml


def _merged(generated: Iterable[tuple[int, Block, str]],
            existing: dict[int, _ExistingRow], pending: deque) -> Iterator[str]:
    """Yield generated rows with the template rows that come before or share them.

    Template rows numbered after the last generated row stay in ``pending``.
    """
    for number, group in groupby(generated, key=itemgetter(0)):
        parts = [(block, xml) for _, block, xml in group]
        while pending and pending[0] < number:
            yield existing[pending.popleft()].xml
        if pending and pending[0] == number:
            yield _merge_row(existing[pending.popleft()], parts)
        elif len(parts) == 1:
            yield f'<row r="{number}">{parts[0][1]}</row>'
        else:
            yield _merge_row(_ExistingRow(f' r="{number}"', [], ""), parts)


def _merge_row(row: _ExistingRow, parts: list[tuple[Block, str]]) -> str:
    """Combine a row's existing cells with streamed ones, which replace any overlap."""

    def covered(column: int) -> bool:
        return any(block.first_col <= column <= block.last_col for block, _ in parts)

    cells = [(column, xml) for column, xml in row.cells if not covered(column)]
    cells += [(block.first_col, xml) for block, xml in parts]
    cells.sort(key=itemgetter(0))
    return f"<row{row.attributes}>{''.join(xml for _, xml in cells)}</row>"


def _block_rows(block: Block) -> Iterator[tuple[int, Block, str]]:
    """Yield (row number, block, cells XML) for every row of a block."""
    for first_row, cells in _block_chunks(block):
        for offset, xml in enumerate(cells.to_pylist()):
            yield first_row + offset, block, xml


def _block_chunks(block: Block) -> Iterator[tuple[int, pa.Array]]:
    """Yield (first row number, cells XML of each row) for the chunks of a block."""
    letters = [
        get_column_letter(block.first_col + offset)
        for offset in range(len(block.columns))
    ]
    con = duckdb.connect()
    for start in range(block.start, block.stop, STREAM_CHUNK_ROWS):
        stop = min(start + STREAM_CHUNK_ROWS, block.stop)
        first_row = block.first_row + start - block.start
        row_numbers = pa.array(range(first_row, first_row + stop - start))
        row_numbers = row_numbers.cast(_LARGE_STRING)
        fragments = [
            _cell_fragments(column, letter, style_id, row_numbers, start, stop, con)
            for column, letter, style_id in zip(block.columns, letters, block.style_ids)
        ]
        yield first_row, pc.binary_join_element_wise(*fragments, _text(""))
    con.close()


def _text(value: str | None) -> pa.Scalar:
    return pa.scalar(value, _LARGE_STRING)


# Opening and closing of a cell's value, by kind. openpyxl writes dates and
# times as serial numbers in the Windows 1900 date system, and so does this.
_CELL_TAGS = {
    "text": (' t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>"),
    "bool": (' t="b"><v>', "</v></c>"),
}
_NUMBER_TAGS = (' t="n"><v>', "</v></c>")


def _cell_fragments(
    column: Column,
    letter: str,
    style_id: int,
    row_numbers: pa.Array,
    start: int,
    stop: int,
    con: duckdb.DuckDBPyConnection,
) -> pa.Array:
    """Return the XML of one column's cells for rows ``start:stop``."""
    head = _text(f'<c r="{letter}')
    if column.values is None:
        return _empty_cells(head, row_numbers, style_id)
    content = _xml_content(column, column.values.slice(start, stop - start), con)
    opening, closing = _CELL_TAGS.get(column.kind, _NUMBER_TAGS)
    full = pc.binary_join_element_wise(
        head,
        row_numbers,
        _text(f'" s="{style_id}"{opening}'),
        content,
        _text(closing),
        _text(""),
    )
    # A null or empty value gives a null here, and the cell stays empty.
    if not full.null_count:
        return full
    return pc.coalesce(full, _empty_cells(head, row_numbers, style_id))


def _empty_cells(head: pa.Scalar, row_numbers: pa.Array, style_id: int) -> pa.Array:
    return pc.binary_join_element_wise(
        head, row_numbers, _text(f'" s="{style_id}"/>'), _text("")
    )


_XML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))


def _xml_content(column: Column, values: pa.Array, con) -> pa.Array:
    """Return the cells' values as escaped XML text, null for an empty cell."""
    if column.kind == "text":
        for character, escaped in _XML_ESCAPES:
            values = pc.replace_substring(values, character, escaped)
        # An empty string becomes an empty cell, as a cell written by openpyxl
        # from an empty string is.
        return pc.if_else(pc.equal(values, ""), _text(None), values)
    if column.kind == "bool":
        return pc.if_else(values, _text("1"), _text("0"))
    if column.kind in _SERIAL_DAYS:
        values = pa.array(_SERIAL_DAYS[column.kind](values), pa.float64(),
                          mask=values.is_null().to_numpy(zero_copy_only=False))
    return _number_texts(values, con)


def _number_texts(values: pa.Array, con) -> pa.Array:
    """Write numbers as openpyxl does, with "%.16g".

    DuckDB's printf gives the same digits as Python's, and its conversion of
    DECIMAL to DOUBLE is correctly rounded as Python's float() is (Arrow's
    cast is not always).
    """
    chunk = pa.table({"value": values})  # noqa: F841 (read by the query below)
    texts = con.sql("SELECT printf('%.16g', CAST(value AS DOUBLE)) FROM chunk")
    return texts.to_arrow_table().column(0).combine_chunks().cast(_LARGE_STRING)


# Excel serial numbers are computed in the same floating-point steps as
# openpyxl's to_excel, so both ways give equal numbers. A serial is the whole
# days since 1899-12-30 plus the time of day as (seconds + microseconds /
# 10**6) / 86400. Days before 1900-03-01 count one less, because Excel counts
# a 29 February 1900 that did not exist.
_EXCEL_EPOCH_DAYS = 25_569  # from 1899-12-30 to 1970-01-01
_DAY_US = 86_400_000_000


def _whole_days(days: np.ndarray) -> np.ndarray:
    return np.where((days > 0) & (days <= 60), days - 1, days)


def _day_fraction(microseconds: np.ndarray) -> np.ndarray:
    seconds, micro = np.divmod(microseconds, 1_000_000)
    return (seconds.astype(np.float64) + micro.astype(np.float64) / 10**6) / 86_400


def _datetime_serials(values: pa.Array) -> np.ndarray:
    since_1970 = _filled_int64(pc.cast(values, pa.int64()))
    days, time_of_day = np.divmod(since_1970 + _EXCEL_EPOCH_DAYS * _DAY_US, _DAY_US)
    return _whole_days(days).astype(np.float64) + _day_fraction(time_of_day)


def _date_serials(values: pa.Array) -> np.ndarray:
    days = _filled_int64(pc.cast(values, pa.int32()).cast(pa.int64()))
    return _whole_days(days + _EXCEL_EPOCH_DAYS).astype(np.float64)


def _time_serials(values: pa.Array) -> np.ndarray:
    return _day_fraction(_filled_int64(pc.cast(values, pa.int64())))


def _filled_int64(values: pa.Array) -> np.ndarray:
    return values.fill_null(0).to_numpy(zero_copy_only=False)


_SERIAL_DAYS: dict[str, Callable[[pa.Array], np.ndarray]] = {
    "date": _date_serials,
    "datetime": _datetime_serials,
    "time": _time_serials,
}

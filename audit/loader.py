"""Read export files (CSV, XLSX, Parquet) into DuckDB as raw text tables.

Every value arrives as text, so nothing is lost or reinterpreted before the
validation step decides what it means. Each raw table has two extra columns:
``_file`` (the path as given) and ``_row`` (the row number a spreadsheet
shows for that record: the header is row 1 of a CSV or sheet).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from audit.errors import InputFileError

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES

# Limits that stop a hostile XLSX (a zip bomb) before it exhausts memory.
MAX_XLSX_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_XLSX_COMPRESSION_RATIO = 200


@dataclass
class MalformedRecord:
    row: int
    value: str
    reason: str


@dataclass
class LoadedInput:
    """One export file read into the raw table ``table``."""

    name: str
    path: Path
    table: str
    sha256: str
    encoding: str | None
    columns: list[str]
    rows_read: int
    malformed: list[MalformedRecord] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_encoding(sample: bytes, configured: str = "auto") -> str:
    """Return a Python codec name for a text export.

    UTF-8 is tried first because it rarely decodes text written in another
    encoding; GB18030 (a superset of GBK) comes next because Chinese exports
    are the common non-UTF-8 case; Windows-1252 decodes any byte sequence.
    """
    if configured != "auto":
        return configured
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for codec in ("utf-8", "gb18030"):
        try:
            sample.decode(codec)
            return codec
        except UnicodeDecodeError as exc:
            # A sample cut in the middle of a multi-byte character fails only
            # in its last few bytes; that still counts as this codec.
            if exc.start >= len(sample) - 4:
                return codec
    return "cp1252"


def load_file(con: duckdb.DuckDBPyConnection, name: str, path: Path,
              encoding: str = "auto") -> LoadedInput:
    """Read one export into the raw table ``raw_<name>``."""
    if not path.exists():
        raise InputFileError(f"input file not found: {path}")
    if not path.is_file():
        raise InputFileError(f"input path is not a file: {path}")
    suffix = path.suffix.lower()
    table = f"raw_{name}"
    digest = sha256_of(path)
    if suffix in TEXT_SUFFIXES:
        loaded = _load_text(con, name, path, table, encoding)
    elif suffix in EXCEL_SUFFIXES:
        loaded = _load_excel(con, name, path, table)
    elif suffix in PARQUET_SUFFIXES:
        loaded = _load_parquet(con, name, path, table)
    else:
        raise InputFileError(
            f"{path}: unsupported file type {suffix or '(none)'}",
            fix="Export the data as CSV, XLSX or Parquet.",
        )
    loaded.sha256 = digest
    return loaded


def _clean_header(names: list[str]) -> list[str]:
    """Strip spaces and BOMs from header names and make them unique."""
    cleaned: list[str] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(names):
        name = (raw or "").replace("\ufeff", "").strip() or f"column_{index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        cleaned.append(name)
    return cleaned


def _utf8_copy(path: Path, codec: str) -> Path:
    """Transcode a non-UTF-8 export into a temporary UTF-8 file for DuckDB."""
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", suffix=".csv", delete=False, newline=""
    )
    with handle, path.open("r", encoding=codec, errors="strict", newline="") as src:
        for chunk in iter(lambda: src.read(1 << 20), ""):
            handle.write(chunk)
    return Path(handle.name)


def _load_text(con, name: str, path: Path, table: str, configured: str) -> LoadedInput:
    with path.open("rb") as handle:
        sample = handle.read(1 << 20)
    codec = detect_encoding(sample, configured)
    source = path
    try:
        if codec not in ("utf-8", "utf-8-sig"):
            source = _utf8_copy(path, codec)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputFileError(
            f"{path}: cannot decode the file as {codec}: {exc}",
            fix="Set input.encoding in the configuration to the export's encoding.",
        ) from None
    try:
        return _load_csv_duckdb(con, name, path, source, table, codec)
    finally:
        if source != path:
            source.unlink(missing_ok=True)


def _load_csv_duckdb(con, name, path, source, table, codec) -> LoadedInput:
    con.execute("DROP TABLE IF EXISTS reject_errors")
    con.execute("DROP TABLE IF EXISTS reject_scans")
    relation = (
        "read_csv(?, all_varchar = true, header = true, store_rejects = true, "
        "sample_size = 20480)"
    )
    try:
        con.execute(
            f'CREATE OR REPLACE TABLE "{table}_scan" AS SELECT * FROM {relation}',
            [str(source)],
        )
    except duckdb.Error as exc:
        log.info("DuckDB could not read %s (%s); reading it record by record", path, exc)
        return _load_csv_python(con, name, path, source, table, codec)
    rejects = con.execute("SELECT count(*) FROM reject_errors").fetchone()[0]
    if rejects:
        # DuckDB drops malformed records, which shifts every later row number,
        # so the file is read again record by record to keep exact numbers.
        con.execute(f'DROP TABLE "{table}_scan"')
        return _load_csv_python(con, name, path, source, table, codec)

    header = [row[0] for row in con.execute(f'DESCRIBE "{table}_scan"').fetchall()]
    columns = _clean_header(header)
    select = ", ".join(
        f'"{old}" AS "{new}"' for old, new in zip(header, columns, strict=True)
    )
    con.execute(
        f'CREATE OR REPLACE TABLE "{table}" AS SELECT ? AS _file, '
        f'CAST(rowid + 2 AS BIGINT) AS _row, {select} FROM "{table}_scan"',
        [str(path)],
    )
    con.execute(f'DROP TABLE "{table}_scan"')
    count = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    return LoadedInput(name, path, table, "", codec, columns, count)


def _sniff_delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _load_csv_python(con, name, path, source, table, codec) -> LoadedInput:
    text = source.read_text(encoding="utf-8-sig" if source == path else "utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InputFileError(f"{path}: the file is empty; expected a header row") from None
    columns = _clean_header(header)
    good: list[list[str | None]] = []
    rows: list[int] = []
    malformed: list[MalformedRecord] = []
    for index, record in enumerate(reader, start=2):
        if not record:
            continue
        if len(record) != len(columns):
            malformed.append(MalformedRecord(
                index, ",".join(record)[:200],
                f"record has {len(record)} fields, header has {len(columns)}",
            ))
            continue
        good.append([value if value != "" else None for value in record])
        rows.append(index)
    _store_records(con, table, path, columns, rows, good)
    return LoadedInput(name, path, table, "", codec, columns,
                       len(good) + len(malformed), malformed)


def _store_records(con, table, path, columns, rows, records) -> None:
    arrays = {"_file": pa.array([str(path)] * len(rows), pa.string()),
              "_row": pa.array(rows, pa.int64())}
    for position, column in enumerate(columns):
        arrays[column] = pa.array([record[position] for record in records], pa.string())
    arrow_table = pa.table(arrays)
    con.register("_incoming", arrow_table)
    con.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM _incoming')
    con.unregister("_incoming")


def _check_zip(path: Path) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputFileError(
            f"{path}: not a valid XLSX file (it is not a zip archive)",
            fix="Open it in Excel and save it again as .xlsx.",
        ) from None
    with archive:
        total = sum(item.file_size for item in archive.infolist())
        packed = sum(item.compress_size for item in archive.infolist()) or 1
    if total > MAX_XLSX_UNCOMPRESSED_BYTES or total / packed > MAX_XLSX_COMPRESSION_RATIO:
        raise InputFileError(
            f"{path}: rejected because it unpacks to {total:,} bytes "
            f"({total / packed:.0f} times its packed size), which looks like a zip bomb",
            fix="Export the sheet as CSV or Parquet instead.",
        )


def _cell_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _find_header(rows: list[list]) -> int:
    """Return the index of the header row: the first row as wide as the data.

    Exports often put a title or notes above the table; the header is taken
    as the first row whose filled cells reach the widest filled width seen in
    the first fifty rows.
    """
    widths = [sum(1 for cell in row if cell not in (None, "")) for row in rows[:50]]
    if not widths or max(widths) == 0:
        return 0
    widest = max(widths)
    for index, width in enumerate(widths):
        if width >= widest:
            return index
    return 0


def _load_excel(con, name, path, table) -> LoadedInput:
    from python_calamine import CalamineWorkbook

    _check_zip(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types
        raise InputFileError(f"{path}: cannot read the workbook: {exc}") from None
    if not rows:
        raise InputFileError(f"{path}: the first sheet is empty; expected a header row")
    header_index = _find_header(rows)
    columns = _clean_header([_cell_text(cell) or "" for cell in rows[header_index]])
    records: list[list[str | None]] = []
    numbers: list[int] = []
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        values = [_cell_text(cell) for cell in row[: len(columns)]]
        values += [None] * (len(columns) - len(values))
        if all(value is None for value in values):
            continue
        records.append(values)
        numbers.append(offset)
    _store_records(con, table, path, columns, numbers, records)
    return LoadedInput(name, path, table, "", None, columns, len(records))


def _load_parquet(con, name, path, table) -> LoadedInput:
    try:
        described = con.execute(
            "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]
        ).fetchall()
    except duckdb.Error as exc:
        raise InputFileError(f"{path}: cannot read the Parquet file: {exc}") from None
    header = [row[0] for row in described]
    columns = _clean_header(header)
    select = ", ".join(
        f'CAST("{old}" AS VARCHAR) AS "{new}"'
        for old, new in zip(header, columns, strict=True)
    )
    con.execute(
        f'CREATE OR REPLACE TABLE "{table}" AS SELECT ? AS _file, '
        f"CAST(file_row_number + 1 AS BIGINT) AS _row, {select} "
        "FROM read_parquet(?, file_row_number = true)",
        [str(path), str(path)],
    )
    count = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    return LoadedInput(name, path, table, "", None, columns, count)

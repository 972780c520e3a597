"""Read export files (CSV, XLSX, Parquet) into DuckDB as raw text tables.

Every value arrives as text, so nothing is lost or reinterpreted before the
validation step decides what it means. Each raw table has two extra columns:
``_file`` (the path as given) and ``_row`` (the row number a spreadsheet
shows for that record: the header is row 1, so a Parquet file's first record
is row 2 as well).

A file either loads, with each record it cannot split reported as malformed,
or raises InputFileError naming the file and what to do (ConfigError for an
unknown configured encoding). The readers for each format live in
``audit.csv_input`` and ``audit.xlsx_input``.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import duckdb

from audit.csv_input import detect_encoding, load_text
from audit.errors import InputFileError
from audit.raw_tables import (
    LoadedInput,
    MalformedRecord,
    SuspectCell,
    clean_header,
    quote_name,
)
from audit.xlsx_input import load_excel

__all__ = [
    "LoadedInput", "MalformedRecord", "SuspectCell", "detect_encoding", "load_file",
    "sha256_of",
]

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES

# The first bytes of file formats that exports get confused with.
SIGNATURES = [
    (b"PK\x03\x04", "a zip archive (an XLSX workbook is one)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
     "an Excel 97-2003 workbook (.xls) or a password-protected workbook"),
    (b"PAR1", "a Parquet file"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
]

TEXT_KIND = "a text file"

# Below these magnitudes every whole number is exact in the Parquet type.
EXACT_INTEGER_LIMITS = {"DOUBLE": 2**53, "FLOAT": 2**24}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_file(con: duckdb.DuckDBPyConnection, name: str, path: Path,
              encoding: str = "auto") -> LoadedInput:
    """Read one export into the raw table ``raw_<name>``."""
    _check_path(path)
    suffix = path.suffix.lower()
    table = f"raw_{name}"
    _check_format(path, suffix)
    if suffix in TEXT_SUFFIXES:
        loaded = load_text(con, name, path, table, encoding)
    elif suffix in EXCEL_SUFFIXES:
        loaded = load_excel(con, name, path, table)
    else:
        loaded = _load_parquet(con, name, path, table)
    if not loaded.sha256:
        loaded.sha256 = sha256_of(path)
    return loaded


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputFileError(f"input file not found: {path}")
    if not path.is_file():
        raise InputFileError(f"input path is not a file: {path}")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputFileError(
            f"{path}: unsupported file type {path.suffix or '(none)'}",
            fix="Export the data as CSV, XLSX or Parquet.",
        )
    if path.stat().st_size == 0:
        raise InputFileError(f"{path}: the file is empty; expected a header row")


def describe_content(head: bytes) -> str | None:
    """Name the file format that the first bytes of a file show, if known."""
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def _check_format(path: Path, suffix: str) -> None:
    """Raise when a file's content is not in the format that its suffix names."""
    with path.open("rb") as handle:
        head = handle.read(64)
    kind = describe_content(head)
    if suffix in TEXT_SUFFIXES and kind is not None:
        raise InputFileError(f"{path}: the file is {kind}, not a {suffix} text file",
                             fix=_fix_for(kind))
    if suffix in EXCEL_SUFFIXES and not head.startswith(b"PK\x03\x04"):
        kind = kind or _text_or_binary(head)
        raise InputFileError(f"{path}: not a valid XLSX file: it is {kind}, "
                             "not a zip archive", fix=_fix_for(kind))
    if suffix in PARQUET_SUFFIXES and not head.startswith(b"PAR1"):
        kind = kind or _text_or_binary(head)
        raise InputFileError(f"{path}: not a valid Parquet file: it is {kind}",
                             fix=_fix_for(kind))


def _fix_for(kind: str) -> str:
    """Say what to do with a file whose content is ``kind``."""
    if "zip" in kind:
        return ("If it is a workbook, rename it to .xlsx; otherwise export the data "
                "again.")
    if "Parquet" in kind:
        return "Rename it to .parquet."
    if "97-2003" in kind:
        return ("Open it in Excel, remove any password and save it as .xlsx "
                "(Excel Workbook).")
    if kind == TEXT_KIND:
        return "If it is CSV, rename it to .csv; otherwise save it again as .xlsx."
    return "Export the data again as CSV, XLSX or Parquet."


def _text_or_binary(head: bytes) -> str:
    return "a binary file of an unknown format" if b"\x00" in head else TEXT_KIND


def _load_parquet(con, name, path, table) -> LoadedInput:
    try:
        described = con.execute(
            "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]
        ).fetchall()
    except duckdb.Error as exc:
        raise InputFileError(f"{path}: cannot read the Parquet file: {exc}") from None
    header = [row[0] for row in described]
    types = [row[1] for row in described]
    columns = clean_header(header)
    select = ", ".join(
        f"{_parquet_text(quote_name(old), kind)} AS {quote_name(new)}"
        for old, new, kind in zip(header, columns, types, strict=True)
    )
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {quote_name(table)} AS SELECT ? AS _file, "
            f"CAST(file_row_number + 2 AS BIGINT) AS _row, {select} "
            "FROM read_parquet(?, file_row_number = true)",
            [str(path), str(path)],
        )
    except duckdb.Error as exc:
        raise InputFileError(f"{path}: cannot read the Parquet file: {exc}") from None
    count = con.execute(f"SELECT count(*) FROM {quote_name(table)}").fetchone()[0]
    suspects = _rounded_doubles(con, table, columns, types)
    return LoadedInput(name, path, table, "", None, columns, count,
                       suspect_cells=suspects)


def _parquet_text(column: str, kind: str) -> str:
    """Return SQL that writes a Parquet value as text, with every digit of integers.

    A whole double is written without ".0", so an ID stays an ID when it was
    stored as a float, as pandas stores integer columns with missing values.
    Other doubles are written with 15 significant digits, as Excel shows
    them, so 0.1 + 0.2 is "0.3".
    """
    if kind not in EXACT_INTEGER_LIMITS:
        return f"CAST({column} AS VARCHAR)"
    return (
        f"CASE WHEN {column} = trunc({column}) AND abs({column}) < 1e18 "
        f"THEN CAST(CAST({column} AS HUGEINT) AS VARCHAR) "
        f"ELSE printf('%.15g', {column}) END"
    )


def _rounded_doubles(con, table, columns, types) -> list[SuspectCell]:
    """Report whole doubles too large to be exact, such as 18-digit tracking numbers."""
    suspects: list[SuspectCell] = []
    for column, kind in zip(columns, types, strict=True):
        if kind not in EXACT_INTEGER_LIMITS:
            continue
        rows = con.execute(
            f"SELECT _row, {quote_name(column)} FROM {quote_name(table)} "
            f"WHERE abs(TRY_CAST({quote_name(column)} AS DOUBLE)) >= "
            f"{EXACT_INTEGER_LIMITS[kind]}"
        ).fetchall()
        suspects += [
            SuspectCell(row, column, value, "rounded_number",
                        "a whole number too large for the file's floating-point "
                        "column to hold exactly; store the column as text or integer")
            for row, value in rows
        ]
    return suspects

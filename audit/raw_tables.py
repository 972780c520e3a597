"""The raw text tables that the readers build, and what they report about them.

Every reader stores each record of an export as text in a DuckDB table. The
table has two extra columns: ``_file``, the path as given, and ``_row``, the
row number that a spreadsheet shows for the record. The header is row 1, so
the first record is row 2, in CSV files, sheets and Parquet files alike.
Records that cannot be split into the header's columns, and cells known to
be damaged in the file itself, are reported beside the table so that
validation can reject them with a reason.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa


@dataclass
class MalformedRecord:
    """A record that could not be split into the header's columns."""

    row: int
    value: str
    reason: str


@dataclass
class SuspectCell:
    """A cell whose value was already damaged in the file, such as a rounded ID."""

    row: int
    column: str
    value: str
    code: str
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
    suspect_cells: list[SuspectCell] = field(default_factory=list)
    # The table behind ``table`` when ``table`` is a view over DuckDB's own
    # scan, which saves copying every value just to rename the columns.
    scan_table: str | None = None
    # False when the reader saw every byte of the file and no NUL among
    # them, so no value needs to be searched for one.
    may_contain_nul: bool = True


def drop_raw_table(con, loaded: LoadedInput) -> None:
    """Drop the raw table of ``loaded``, and the scan behind it if it is a view."""
    if loaded.scan_table is None:
        con.execute(f"DROP TABLE IF EXISTS {quote_name(loaded.table)}")
        return
    con.execute(f"DROP VIEW IF EXISTS {quote_name(loaded.table)}")
    con.execute(f"DROP TABLE IF EXISTS {quote_name(loaded.scan_table)}")


def quote_name(name: str) -> str:
    """Quote a table or column name for DuckDB SQL."""
    return '"' + name.replace('"', '""') + '"'


def clean_header(names: list[str]) -> list[str]:
    """Strip spaces and BOMs from header names and make them unique.

    DuckDB compares column names without regard to case, so a name repeated
    in any case gets the suffix ``_1``, ``_2`` and so on, as DuckDB's CSV
    reader names them. A header called ``_file`` or ``_row`` is renamed the
    same way because those names are taken by the extra columns.
    """
    cleaned: list[str] = []
    seen: dict[str, int] = {"_file": 1, "_row": 1}
    for index, raw in enumerate(names):
        name = (raw or "").replace("\ufeff", "").strip() or f"column_{index + 1}"
        name = unicodedata.normalize("NFC", name)
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            name = f"{name}_{seen[key] - 1}"
        else:
            seen[key] = 1
        cleaned.append(name)
    return cleaned


class RecordWriter:
    """Append text records to a raw table in batches, so memory stays bounded."""

    def __init__(self, con, table: str, path: Path, columns: list[str],
                 batch_rows: int = 50_000):
        self.con = con
        self.table = table
        self.path = str(path)
        self.columns = columns
        self.batch_rows = batch_rows
        self.rows: list[int] = []
        self.records: list[list[str | None]] = []
        self.written = 0
        definition = ", ".join(f"{quote_name(name)} VARCHAR" for name in columns)
        con.execute(
            f"CREATE OR REPLACE TABLE {quote_name(table)} "
            f"(_file VARCHAR, _row BIGINT{', ' if columns else ''}{definition})"
        )

    def add(self, row: int, values: list[str | None]) -> None:
        self.rows.append(row)
        self.records.append(values)
        if len(self.rows) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        arrays = {
            "_file": pa.array([self.path] * len(self.rows), pa.string()),
            "_row": pa.array(self.rows, pa.int64()),
        }
        for position, column in enumerate(self.columns):
            values = [record[position] for record in self.records]
            arrays[column] = pa.array(values, pa.string())
        self.con.register("_incoming", pa.table(arrays))
        try:
            self.con.execute(
                f"INSERT INTO {quote_name(self.table)} SELECT * FROM _incoming"
            )
        finally:
            self.con.unregister("_incoming")
        self.written += len(self.rows)
        self.rows, self.records = [], []

"""Type the raw text tables and validate them: bad rows go to ``rejected_rows``.

Two passes, both collecting every failure before anything is reported:

1. DuckDB parses each value by its column type (timestamps, money,
   integers, booleans). A value that is present but cannot be parsed is a
   rejection with the file, row, column and value.
2. pandera checks the typed rows lazily: required values, unique keys,
   allowed values, plausible dates.

Rows with no failure are accepted into ``in_<input>``; the counts are kept
so that rows read = rows accepted + rows rejected for every input.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass

import duckdb
import pandas as pd
import pandera.pandas as pa

from audit.errors import AuditError, MissingColumnError
from audit.loader import LoadedInput
from audit.profiles import InputSpec
from audit.schema import BOOLEAN, EVENT_CODES, ID, INTEGER, MONEY, SQL_TYPES, TEXT, TIMESTAMP

log = logging.getLogger(__name__)

REJECTED_DDL = """
CREATE TABLE IF NOT EXISTS rejected_rows (
    input VARCHAR, file VARCHAR, "row" BIGINT, "column" VARCHAR,
    value VARCHAR, reason_code VARCHAR, reason VARCHAR
)
"""

PARSE_REASONS = {
    TIMESTAMP: ("invalid_timestamp", "not a date or time in a known format"),
    MONEY: ("invalid_amount", "not an amount with at most two decimal places"),
    INTEGER: ("invalid_integer", "not a whole number"),
    BOOLEAN: ("invalid_boolean", "not yes/no, true/false or 1/0"),
}

EARLIEST = pd.Timestamp("1990-01-01")
LATEST = pd.Timestamp("2100-01-01")


@dataclass
class InputCounts:
    name: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int


@dataclass
class Formats:
    time_zone: str
    decimal_mark: str
    date_order: str | None


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def resolve_columns(spec: InputSpec, loaded: LoadedInput) -> tuple[dict, list[str]]:
    """Match each column of the spec to a header of the file.

    Returns the mapping (spec column -> header) and the problems found:
    required columns that are missing, each with the closest header names.
    """
    by_folded = {header.casefold(): header for header in loaded.columns}
    mapping: dict[str, str | None] = {}
    problems: list[str] = []
    for column in spec.columns:
        wanted = spec.renames.get(column.name, column.name)
        header = wanted if wanted in loaded.columns else by_folded.get(wanted.casefold())
        mapping[column.name] = header
        if header is None and column.required:
            close = difflib.get_close_matches(wanted, loaded.columns, n=3, cutoff=0.6)
            hint = f"; closest: {', '.join(close)}" if close else ""
            problems.append(f"{wanted!r} (for {spec.name}.{column.name}){hint}")
    return mapping, problems


def check_required_columns(pairs: list[tuple[InputSpec, LoadedInput]]) -> dict:
    """Resolve the columns of every input; raise once listing all that are missing."""
    mappings: dict[str, dict] = {}
    messages: list[str] = []
    for spec, loaded in pairs:
        mapping, problems = resolve_columns(spec, loaded)
        mappings[spec.name] = mapping
        if problems:
            messages.append(
                f"{loaded.path}: missing required column(s) {'; '.join(problems)}. "
                f"Columns found: {', '.join(loaded.columns)}"
            )
    if messages:
        raise MissingColumnError(
            "\n".join(messages),
            fix="Rename the column in the export, or map it under "
            "[profiles.NAME.inputs.INPUT.columns] in the configuration.",
        )
    return mappings


def _date_order(con, loaded: LoadedInput, header: str, configured: str | None) -> str:
    """Decide whether dates like 03/04/2024 in a column are day- or month-first."""
    column = quote(header)
    pattern = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}"
    first, second, count = con.execute(
        f"SELECT max(CAST(regexp_extract({column}, '{pattern}', 1) AS INTEGER)), "
        f"max(CAST(regexp_extract({column}, '{pattern}', 2) AS INTEGER)), count(*) "
        f"FROM {quote(loaded.table)} WHERE regexp_matches({column}, '{pattern}')"
    ).fetchone()
    if not count:
        return configured or "DMY"
    if configured:
        return configured
    if first > 12 >= second:
        return "DMY"
    if second > 12 >= first:
        return "MDY"
    raise AuditError(
        f"{loaded.path}: column {header!r} has dates such as "
        f"'{_sample(con, loaded, header, pattern)}' whose day and month order "
        "cannot be decided from the values",
        fix="Set input.date_order = \"DMY\" or \"MDY\" in the configuration.",
    )


def _sample(con, loaded, header, pattern) -> str:
    row = con.execute(
        f"SELECT {quote(header)} FROM {quote(loaded.table)} "
        f"WHERE regexp_matches({quote(header)}, '{pattern}') LIMIT 1"
    ).fetchone()
    return row[0] if row else ""


def timestamp_sql(value: str, formats: Formats, order: str) -> str:
    """SQL that parses text into a naive local TIMESTAMP, or NULL."""
    zone = literal(formats.time_zone)
    slash = "%d/%m/%Y" if order == "DMY" else "%m/%d/%Y"
    slash_variants = ", ".join(
        f"try_strptime(replace(replace({value}, '.', '/'), '-', '/'), '{slash}{tail}')"
        for tail in (" %H:%M:%S", " %H:%M", "")
    )
    return f"""CASE
        WHEN {value} IS NULL THEN NULL
        WHEN regexp_matches({value}, '^\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}[T ].*(Z|[+-]\\d{{2}}(:?\\d{{2}})?)$')
            THEN timezone({zone}, TRY_CAST({value} AS TIMESTAMPTZ))
        WHEN regexp_matches({value}, '^\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}')
            THEN TRY_CAST({value} AS TIMESTAMP)
        WHEN regexp_matches({value}, '^\\d{{4}}/\\d{{1,2}}/\\d{{1,2}}')
            THEN coalesce(try_strptime({value}, '%Y/%m/%d %H:%M:%S'),
                          try_strptime({value}, '%Y/%m/%d %H:%M'),
                          try_strptime({value}, '%Y/%m/%d'))
        WHEN regexp_matches({value}, '^\\d{{1,2}}[/.-]\\d{{1,2}}[/.-]\\d{{4}}')
            THEN coalesce({slash_variants})
        WHEN regexp_matches({value}, '^\\d{{5}}(\\.\\d+)?$')
            THEN TIMESTAMP '1899-12-30'
                 + to_microseconds(CAST(round(CAST({value} AS DOUBLE) * 86400000000) AS BIGINT))
        ELSE NULL
    END"""


def money_sql(value: str, decimal_mark: str) -> str:
    """SQL that parses an amount such as '¥1,234.50', '1.234,56' or '(12.50)'.

    Thousands separators must sit in groups of three, so an amount written
    with the other decimal mark is rejected rather than read a thousand
    times too large or small.
    """
    group, mark = (",", ".") if decimal_mark == "." else (".", ",")
    g, m = "\\" + group, "\\" + mark
    shape = (
        "^\\(?\\s*[-+]?\\s*([^\\d\\s.,()+-]{1,4}\\s*)?[-+]?"
        "\\d[\\d.,' ]*(\\s*[^\\d\\s.,()+-]{1,4})?\\s*\\)?-?$"
    )
    digits = f"regexp_replace({value}, '[^0-9.,]', '', 'g')"
    grouped = f"^(\\d{{1,3}}({g}\\d{{3}})+|\\d+)({m}\\d+)?$"
    plain = f"replace(replace({digits}, '{group}', ''), '{mark}', '.')"
    negative = (
        f"(regexp_matches({value}, '^\\s*\\(.*\\)\\s*$') OR "
        f"regexp_matches({value}, '^[^\\d]*-') OR regexp_matches({value}, '-\\s*$'))"
    )
    return f"""CASE
        WHEN {value} IS NULL THEN NULL
        WHEN NOT regexp_matches({value}, {literal(shape)}) THEN NULL
        WHEN NOT regexp_matches({digits}, '{grouped}') THEN NULL
        WHEN regexp_matches({plain}, '\\.\\d\\d\\d*[1-9]') THEN NULL
        ELSE (CASE WHEN {negative} THEN -1 ELSE 1 END)
             * TRY_CAST({plain} AS DECIMAL(18,2))
    END"""


def integer_sql(value: str) -> str:
    return f"""CASE WHEN regexp_matches({value}, '^\\s*[-+]?\\d+(\\.0+)?\\s*$')
        THEN TRY_CAST(TRY_CAST(trim({value}) AS DECIMAL(38,6)) AS BIGINT) END"""


def boolean_sql(value: str) -> str:
    return f"""CASE
        WHEN lower(trim({value})) IN ('1','true','t','yes','y','是','x') THEN true
        WHEN lower(trim({value})) IN ('0','false','f','no','n','否','') THEN false
    END"""


def text_sql(value: str, mapping: dict[str, str], normalise_code: bool) -> str:
    if normalise_code:
        value = f"regexp_replace(lower(trim({value})), '[\\s-]+', '_', 'g')"
    if not mapping:
        return value
    cases = " ".join(
        f"WHEN {literal(raw.strip().casefold())} THEN {literal(new)}"
        for raw, new in mapping.items()
    )
    return f"CASE lower(trim({value})) {cases} ELSE {value} END"


def _typed_expression(column, header, spec, loaded, formats, con) -> str:
    if header is None:
        return f"CAST(NULL AS {SQL_TYPES[column.type]})"
    value = f"NULLIF(trim({quote(header)}), '')"
    if column.type == TIMESTAMP:
        order = spec.date_order or formats.date_order
        return timestamp_sql(value, formats, _date_order(con, loaded, header, order))
    if column.type == MONEY:
        return money_sql(value, spec.decimal_mark or formats.decimal_mark)
    if column.type == INTEGER:
        return integer_sql(value)
    if column.type == BOOLEAN:
        return boolean_sql(value)
    if column.type == ID:
        return value
    mapping = spec.values.get(column.name, {})
    return text_sql(value, mapping, column.allowed == tuple(EVENT_CODES))


def stage_input(con, spec: InputSpec, loaded: LoadedInput, mapping: dict,
                formats: Formats) -> InputCounts:
    """Type one raw table, reject bad rows and keep the rest in ``in_<name>``."""
    con.execute(REJECTED_DDL)
    _reject_malformed(con, spec, loaded)
    typed = f"typed_{spec.name}"
    selects = ["_file", "_row"]
    for column in spec.columns:
        expression = _typed_expression(
            column, mapping[column.name], spec, loaded, formats, con
        )
        selects.append(f"{expression} AS {quote(column.name)}")
    con.execute(
        f"CREATE OR REPLACE TABLE {quote(typed)} AS SELECT {', '.join(selects)} "
        f"FROM {quote(loaded.table)}"
    )
    _reject_unparsed(con, spec, loaded, mapping, typed)
    _reject_by_pandera(con, spec, loaded, mapping, typed)
    return _accept(con, spec, loaded, typed)


def _reject_malformed(con, spec: InputSpec, loaded: LoadedInput) -> None:
    rows = [
        (spec.name, str(loaded.path), record.row, None, record.value,
         "malformed_record", record.reason)
        for record in loaded.malformed
    ]
    if rows:
        con.executemany("INSERT INTO rejected_rows VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def _reject_unparsed(con, spec, loaded, mapping, typed) -> None:
    parts = []
    for column in spec.columns:
        header = mapping[column.name]
        if header is None or column.type not in PARSE_REASONS:
            continue
        code, reason = PARSE_REASONS[column.type]
        parts.append(
            f"SELECT {literal(spec.name)}, t._file, t._row, {literal(header)}, "
            f"r.{quote(header)}, {literal(code)}, {literal(reason)} "
            f"FROM {quote(typed)} t JOIN {quote(loaded.table)} r USING (_row) "
            f"WHERE NULLIF(trim(r.{quote(header)}), '') IS NOT NULL "
            f"AND t.{quote(column.name)} IS NULL"
        )
    if parts:
        con.execute("INSERT INTO rejected_rows " + " UNION ALL ".join(parts))


def _pandera_schema(spec: InputSpec) -> pa.DataFrameSchema:
    columns = {}
    for column in spec.columns:
        checks = []
        if column.allowed:
            checks.append(pa.Check.isin(list(column.allowed), error="not_allowed_value"))
        if column.type == TIMESTAMP:
            checks.append(pa.Check.in_range(EARLIEST, LATEST, error="implausible_date"))
        if column.required or column.unique or checks:
            columns[column.name] = pa.Column(
                nullable=not column.required,
                unique=column.unique,
                report_duplicates="exclude_first",
                checks=checks,
                required=True,
            )
    return pa.DataFrameSchema(columns)


PANDERA_REASONS = {
    "not_nullable": ("missing_value", "a required value is empty"),
    "field_uniqueness": ("duplicate_key", "the same key appears on an earlier row"),
    "not_allowed_value": ("not_allowed_value", "not one of the allowed values"),
    "implausible_date": ("implausible_date", "a date before 1990 or after 2099"),
}


def _reject_by_pandera(con, spec, loaded, mapping, typed) -> None:
    schema = _pandera_schema(spec)
    if not schema.columns:
        return
    names = ", ".join(quote(name) for name in schema.columns)
    frame = con.execute(f"SELECT _row, {names} FROM {quote(typed)} ORDER BY _row").df()
    frame = frame.set_index("_row")
    try:
        schema.validate(frame, lazy=True)
        return
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    rows = []
    for case in cases.itertuples(index=False):
        code, reason = _pandera_reason(case.check)
        column = case.column
        header = mapping.get(column) or column
        row = None if pd.isna(case.index) else int(case.index)
        rows.append((spec.name, str(loaded.path), row, header, None, code, reason))
    frame_rows = pd.DataFrame(
        rows, columns=["input", "file", "row", "column", "value", "reason_code", "reason"]
    )
    con.register("_pandera_failures", frame_rows)
    # The raw text is the value shown to the user, so it is looked up again;
    # a (row, column) already rejected for a parse failure is not repeated.
    con.execute(
        f"""INSERT INTO rejected_rows
        SELECT f.input, f.file, f."row", f."column",
               CAST(NULL AS VARCHAR), f.reason_code, f.reason
        FROM _pandera_failures f
        WHERE NOT EXISTS (
            SELECT 1 FROM rejected_rows r
            WHERE r.input = f.input AND r."row" = f."row" AND r."column" = f."column")"""
    )
    con.unregister("_pandera_failures")
    _fill_values(con, spec, loaded, mapping)


def _fill_values(con, spec, loaded, mapping) -> None:
    for column, header in mapping.items():
        if header is None:
            continue
        con.execute(
            f"""UPDATE rejected_rows SET value = r.{quote(header)}
            FROM {quote(loaded.table)} r
            WHERE rejected_rows.input = {literal(spec.name)}
              AND rejected_rows."column" = {literal(header)}
              AND rejected_rows."row" = r._row AND rejected_rows.value IS NULL"""
        )


def _pandera_reason(check: str) -> tuple[str, str]:
    for key, reason in PANDERA_REASONS.items():
        if key in str(check):
            return reason
    return ("failed_check", f"failed the check {check}")


def _accept(con, spec: InputSpec, loaded: LoadedInput, typed: str) -> InputCounts:
    names = ", ".join(quote(column.name) for column in spec.columns)
    con.execute(
        f"""CREATE OR REPLACE TABLE {quote('in_' + spec.name)} AS
        SELECT _file, _row, {names} FROM {quote(typed)} t
        WHERE NOT EXISTS (
            SELECT 1 FROM rejected_rows r
            WHERE r.input = {literal(spec.name)} AND r."row" = t._row)"""
    )
    con.execute(f"DROP TABLE {quote(typed)}")
    accepted = con.execute(f"SELECT count(*) FROM {quote('in_' + spec.name)}").fetchone()[0]
    rejected = con.execute(
        'SELECT count(DISTINCT "row") FROM rejected_rows WHERE input = ?', [spec.name]
    ).fetchone()[0]
    counts = InputCounts(spec.name, loaded.rows_read, accepted, rejected)
    if counts.rows_read != accepted + rejected:
        raise AuditError(
            f"{loaded.path}: {loaded.rows_read} rows read but {accepted} accepted "
            f"and {rejected} rejected; the counts do not reconcile",
            fix="Report this as a bug in order-audit, with the input file.",
        )
    return counts

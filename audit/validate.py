"""Type the raw text tables and validate them: bad rows go to ``rejected_rows``.

Three passes, all collecting every failure before anything is reported:

1. What the reader found: records it could not split into the header's
   columns, and cells already damaged in the file (a long ID that Excel
   rounded).
2. DuckDB parses each value by its column type (timestamps, money,
   integers, booleans; see ``audit.value_sql``). A value that is present
   but cannot be parsed, or text holding a NUL character, is a rejection
   with the file, row, column and value.
3. pandera checks the typed rows lazily: required values, unique keys,
   allowed values, plausible dates.

Rows with no failure are accepted into ``in_<input>``; the counts are kept
so that rows read = rows accepted + rows rejected for every input.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from dataclasses import dataclass

import pandera.polars as pa
import polars as pl
import pyarrow

from audit.errors import AuditError, MissingColumnError
from audit.loader import LoadedInput
from audit.profiles import HEADER_SYNONYMS, InputSpec, normalise_header, profile_hint
from audit.raw_tables import drop_raw_table
from audit.schema import (
    BOOLEAN,
    EVENT_CODES,
    ID,
    INTEGER,
    MONEY,
    ONE_OF_REQUIRED,
    SQL_TYPES,
    TEXT,
    TIMESTAMP,
)
from audit.value_sql import (
    boolean_sql,
    integer_sql,
    literal,
    money_sql,
    quote,
    text_sql,
    timestamp_sql,
    trimmed_sql,
)

log = logging.getLogger(__name__)

REJECTED_DDL = """
CREATE TABLE IF NOT EXISTS rejected_rows (
    input VARCHAR, file VARCHAR, "row" BIGINT, "column" VARCHAR,
    value VARCHAR, reason_code VARCHAR, reason VARCHAR
)
"""
REJECTED_COLUMNS = ["input", "file", "row", "column", "value", "reason_code", "reason"]

PARSE_REASONS = {
    TIMESTAMP: ("invalid_timestamp", "not a date or time in a known format"),
    MONEY: ("invalid_amount",
            "not an amount with at most two decimal places that fits DECIMAL(18,2)"),
    INTEGER: ("invalid_integer", "not a whole number"),
    BOOLEAN: ("invalid_boolean", "not yes/no, true/false or 1/0"),
}
NUL_REASON = ("nul_character",
              ("contains a NUL character, which marks a damaged export and which "
               "no spreadsheet cell can hold"))

EARLIEST = dt.datetime(1990, 1, 1)
LATEST = dt.datetime(2100, 1, 1)


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


def resolve_columns(spec: InputSpec, loaded: LoadedInput) -> tuple[dict, list[str]]:
    """Match each column of the spec to a header of the file.

    A header matches when it is equal, equal but for case, or equal once
    spaces, underscores and hyphens are treated alike ("Order ID" for
    order_id), as long as only one header matches that way. Returns the
    mapping (spec column -> header) and the problems found: required columns
    that are missing, each with the closest header names.
    """
    mapping: dict[str, str | None] = {}
    problems: list[str] = []
    for column in spec.columns:
        expected = spec.renames.get(column.name, column.name)
        header = _matching_header(expected, loaded.columns)
        mapping[column.name] = header
        if header is None and column.required:
            problems.append(
                _missing_column_text(spec, column.name, expected, loaded.columns)
            )
    either = ONE_OF_REQUIRED.get(spec.feeds or "")
    if either and all(mapping.get(name) is None for name in either):
        names = " or ".join(repr(name) for name in either)
        problems.append(f"{names} (for {spec.name}; one of them is required)")
    return mapping, problems


def _matching_header(expected: str, headers: list[str]) -> str | None:
    if expected in headers:
        return expected
    for fold in (str.casefold, normalise_header):
        matches = [header for header in headers if fold(header) == fold(expected)]
        if len(matches) == 1:
            return matches[0]
    return None


def _missing_column_text(spec: InputSpec, column: str, expected: str,
                         headers: list[str]) -> str:
    close = closest_headers(column, expected, headers)
    hint = f"; closest: {', '.join(close)}" if close else ""
    return f"{expected!r} (for {spec.name}.{column}){hint}"


def closest_headers(column: str, expected: str, headers: list[str]) -> list[str]:
    """Return up to three headers that may contain ``column``.

    Headers known as synonyms of the column come first, then headers spelt
    like ``expected``.
    """
    synonyms = {normalise_header(name) for name in HEADER_SYNONYMS.get(column, [])}
    found = [header for header in headers if normalise_header(header) in synonyms]
    by_normalised = {normalise_header(header): header for header in headers}
    close = difflib.get_close_matches(
        normalise_header(expected), list(by_normalised), n=3, cutoff=0.6
    )
    for name in close:
        if by_normalised[name] not in found:
            found.append(by_normalised[name])
    return found[:3]


def check_required_columns(pairs: list[tuple[InputSpec, LoadedInput]],
                           profile_name: str | None = None,
                           user_profiles: dict | None = None) -> dict:
    """Resolve the columns of every input, or raise once listing all that are missing.

    Given the profile's name, the error also names another profile whose
    inputs fit the files' headers better, when there is one.
    """
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
        fix = _missing_columns_fix(pairs, profile_name, user_profiles)
        raise MissingColumnError("\n".join(messages), fix=fix)
    return mappings


def _missing_columns_fix(pairs, profile_name, user_profiles) -> str:
    fix = (
        "Rename the column in the export, or map it under "
        "[profiles.NAME.inputs.INPUT.columns] in the configuration"
    )
    example = _mapping_example(pairs)
    fix += f", for example: {example}." if example else "."
    if profile_name is not None:
        headers = {loaded.path.name: loaded.columns for _, loaded in pairs}
        hint = profile_hint(headers, user_profiles or {}, profile_name)
        if hint:
            fix = f"{hint}\n{fix}"
    return fix


def _mapping_example(pairs) -> str | None:
    """Return a line such as ``order_id = "订单号"`` for the first missing column."""
    for spec, loaded in pairs:
        for column in spec.columns:
            expected = spec.renames.get(column.name, column.name)
            if not column.required or _matching_header(expected, loaded.columns):
                continue
            close = closest_headers(column.name, expected, loaded.columns)
            if close:
                return f'{column.name} = "{close[0]}"'
    return None


def decide_date_order(con, loaded: LoadedInput, header: str,
                      configured: str | None) -> str:
    """Decide whether dates like 03/04/2024 in a column are day- or month-first."""
    if configured:
        return configured
    column = quote(header)
    # The pattern is matched against the value as the parser reads it, trimmed
    # of every Unicode space, so a no-break space before 13/01/2026 does not
    # hide the 13 that decides the order.
    value = f"trim({column})"
    pattern = r"^(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}"
    # A value that starts with four digits (2024-03-04, the common form)
    # cannot match, and the glob rules it out faster than the pattern.
    first, second, count = con.execute(
        f"SELECT max(CAST(regexp_extract({value}, '{pattern}', 1) AS INTEGER)), "
        f"max(CAST(regexp_extract({value}, '{pattern}', 2) AS INTEGER)), count(*) "
        f"FROM {quote(loaded.table)} WHERE {column} NOT GLOB '[0-9][0-9][0-9][0-9]*' "
        f"AND regexp_matches({value}, '{pattern}')"
    ).fetchone()
    if not count:
        return "DMY"
    if first > 12 >= second:
        return "DMY"
    if second > 12 >= first:
        return "MDY"
    sample = _sample(con, loaded, header, pattern)
    problem = (
        "mixes day-first and month-first dates" if first > 12 and second > 12
        else "has dates whose day and month order cannot be decided from the values"
    )
    raise AuditError(
        f"{loaded.path}: column {header!r} {problem}, such as {sample!r}",
        fix='Set input.date_order = "DMY" (day first) or "MDY" (month first) in the '
        "configuration, or date_order on this input in its profile.",
    )


def _sample(con, loaded, header, pattern) -> str:
    row = con.execute(
        f"SELECT {quote(header)} FROM {quote(loaded.table)} "
        f"WHERE regexp_matches(trim({quote(header)}), '{pattern}') LIMIT 1"
    ).fetchone()
    return row[0] if row else ""


def _typed_expression(column, header, value, spec, loaded, formats, con) -> str:
    """Return SQL that types ``value``, the trimmed text of ``header``, or NULL."""
    if header is None:
        return f"CAST(NULL AS {SQL_TYPES[column.type]})"
    if column.type == TIMESTAMP:
        return _timestamp_expression(value, header, spec, loaded, formats, con)
    if column.type == MONEY:
        return money_sql(value, spec.decimal_mark or formats.decimal_mark)
    if column.type == INTEGER:
        return integer_sql(value)
    if column.type == BOOLEAN:
        return boolean_sql(value)
    if column.type == ID:
        return value
    mapping = spec.values.get(column.name, {})
    codes = tuple(EVENT_CODES) if column.allowed == tuple(EVENT_CODES) else ()
    return text_sql(value, mapping, codes)


def _timestamp_expression(value, header, spec, loaded, formats, con) -> str:
    # Configured formats decide day and month themselves, so the column's
    # order is only needed without them.
    configured = spec.date_order or formats.date_order
    if spec.date_formats:
        order = configured or "DMY"
    else:
        order = decide_date_order(con, loaded, header, configured)
    return timestamp_sql(value, formats.time_zone, order, tuple(spec.date_formats))


def stage_input(con, spec: InputSpec, loaded: LoadedInput, mapping: dict,
                formats: Formats) -> InputCounts:
    """Type one raw table, reject bad rows and keep the rest in ``in_<name>``."""
    con.execute(REJECTED_DDL)
    _reject_malformed(con, spec, loaded)
    _reject_suspect_cells(con, spec, loaded, mapping)
    typed = f"typed_{spec.name}"
    failures = _create_typed_table(con, spec, loaded, mapping, formats, typed)
    _reject_unparsed(con, spec, loaded, typed, failures)
    _reject_without_either(con, spec, loaded, mapping, typed)
    _reject_by_pandera(con, spec, loaded, mapping, typed)
    counts = _accept(con, spec, loaded, typed)
    # The raw text is no longer needed: every rejected value has been copied.
    drop_raw_table(con, loaded)
    return counts


def _create_typed_table(con, spec, loaded, mapping, formats, typed) -> list[tuple]:
    """Type every column in one scan, listing each row's values that failed.

    ``_failed`` contains, per row, the index into the returned list of
    (header, reason code, reason) and the raw text, for each value that is
    present but did not parse (or contains a NUL character). The table has no
    ``_file`` column, because the path is the same on every row and a copy
    per row would cost as much memory as a text column.

    Three nested selects do it: the innermost trims each value once, the
    middle one types it, and the outer one lists the failures.
    """
    trimmed, middle, outer = ["_row"], ["_row"], ["_row"]
    checks: list[tuple[str, str]] = []
    failures: list[tuple] = []
    for position, column in enumerate(spec.columns):
        header = mapping[column.name]
        value, raw = f"_value_{position}", f"_raw_{position}"
        expression = _typed_expression(column, header, value, spec, loaded, formats, con)
        middle.append(f"{expression} AS {quote(column.name)}")
        outer.append(quote(column.name))
        if header is None:
            continue
        trimmed += [f"{trimmed_sql(quote(header))} AS {value}", f"{quote(header)} AS {raw}"]
        middle += [value, raw]
        condition = _failure_condition(column, value, raw, loaded.may_contain_nul)
        if condition is not None:
            checks.append((condition, f"{{'index': {len(failures)}, 'value': {raw}}}"))
            failures.append((header, *_failure_reason(column)))
    # DuckDB keeps the rows in the file's order (preserve_insertion_order is
    # on), so the canonical tables are this table renamed, with no sort.
    con.execute(
        f"CREATE OR REPLACE TABLE {quote(typed)} AS "
        f"SELECT {', '.join(outer)}, {_failed_list(checks)} AS _failed "
        f"FROM (SELECT {', '.join(middle)} "
        f"FROM (SELECT {', '.join(trimmed)} FROM {quote(loaded.table)}))"
    )
    return failures


def _failed_list(checks: list[tuple[str, str]]) -> str:
    """Return SQL for the list of a row's failed values, from (condition, item) pairs.

    The list is built only for rows with a failure: building an empty list
    for every good row cost about a sixth of the time to type the orders.
    """
    if not checks:
        return "[]"
    failed = " OR ".join(f"({condition})" for condition, _ in checks)
    items = ", ".join(f"CASE WHEN {condition} THEN {item} END" for condition, item in checks)
    return (f"CASE WHEN {failed} THEN list_filter([{items}], lambda item: item IS NOT NULL) "
            "ELSE [] END")


def _failure_condition(column, value: str, raw: str, may_contain_nul: bool) -> str | None:
    """Return SQL that is true when a row's value of ``column`` failed, if it can fail."""
    if column.type in PARSE_REASONS:
        return f"{value} IS NOT NULL AND {quote(column.name)} IS NULL"
    if column.type in (ID, TEXT) and may_contain_nul:
        return f"contains({raw}, chr(0))"
    return None


def _failure_reason(column) -> tuple[str, str]:
    return PARSE_REASONS.get(column.type, NUL_REASON)


def _insert_rejections(con, rows: list[tuple]) -> None:
    if not rows:
        return
    columns = list(zip(*rows))
    types = [pyarrow.int64() if name == "row" else pyarrow.string()
             for name in REJECTED_COLUMNS]
    table = pyarrow.table({
        name: pyarrow.array(values, kind)
        for name, values, kind in zip(REJECTED_COLUMNS, columns, types, strict=True)
    })
    con.register("_rejections", table)
    try:
        con.execute("INSERT INTO rejected_rows SELECT * FROM _rejections")
    finally:
        con.unregister("_rejections")


def _reject_malformed(con, spec: InputSpec, loaded: LoadedInput) -> None:
    _insert_rejections(con, [
        (spec.name, str(loaded.path), record.row, None, record.value,
         "malformed_record", record.reason)
        for record in loaded.malformed
    ])


def _reject_suspect_cells(con, spec: InputSpec, loaded: LoadedInput, mapping) -> None:
    """Reject the rows whose mapped cells the reader found damaged in the file."""
    used = {header for header in mapping.values() if header is not None}
    _insert_rejections(con, [
        (spec.name, str(loaded.path), cell.row, cell.column, cell.value,
         cell.code, cell.reason)
        for cell in loaded.suspect_cells
        if cell.column in used
    ])


def _reject_unparsed(con, spec: InputSpec, loaded: LoadedInput, typed: str,
                     failures: list[tuple]) -> None:
    if not failures:
        return
    reasons = pyarrow.table({
        "index": pyarrow.array(range(len(failures)), pyarrow.int64()),
        "header": [failure[0] for failure in failures],
        "code": [failure[1] for failure in failures],
        "reason": [failure[2] for failure in failures],
    })
    con.register("_failure_reasons", reasons)
    try:
        con.execute(
            f"""INSERT INTO rejected_rows
            SELECT {literal(spec.name)}, {literal(str(loaded.path))}, f._row, r.header,
                   f.item.value, r.code, r.reason
            FROM (SELECT _row, unnest(_failed) AS item
                  FROM {quote(typed)} WHERE len(_failed) > 0) f
            JOIN _failure_reasons r ON r."index" = f.item."index"
            ORDER BY f._row, r."index"
            """
        )
    finally:
        con.unregister("_failure_reasons")


def _reject_without_either(con, spec: InputSpec, loaded: LoadedInput, mapping: dict,
                           typed: str) -> None:
    """Reject carrier events that name neither a tracking number nor an order."""
    either = ONE_OF_REQUIRED.get(spec.feeds or "")
    if not either:
        return
    header = next(mapping[name] for name in either if mapping.get(name) is not None)
    empty = " AND ".join(f"{quote(name)} IS NULL" for name in either)
    reason = f"{' and '.join(either)} are both empty; one of them is required"
    con.execute(
        f"INSERT INTO rejected_rows SELECT {literal(spec.name)}, "
        f"{literal(str(loaded.path))}, _row, "
        f"{literal(header)}, NULL, 'missing_value', {literal(reason)} "
        f"FROM {quote(typed)} WHERE {empty}"
    )


def _pandera_schema(spec: InputSpec) -> pa.DataFrameSchema:
    # A single key is checked by the schema rather than by its column: on a
    # million order IDs pandera's polars backend took 0.04 s that way and
    # 0.11 s the other. Over several columns the schema's check would test
    # their combination, so each of several keys is checked on its own.
    keys = [column.name for column in spec.columns if column.unique]
    by_schema = keys if len(keys) == 1 else []
    columns = {}
    for column in spec.columns:
        checks = []
        if column.allowed:
            checks.append(pa.Check.isin(list(column.allowed), error="not_allowed_value"))
        if column.type == TIMESTAMP:
            checks.append(pa.Check.in_range(EARLIEST, LATEST, include_max=False,
                                             error="implausible_date"))
        if column.required or column.unique or checks:
            columns[column.name] = pa.Column(
                nullable=not column.required,
                unique=column.unique and column.name not in by_schema,
                checks=checks,
                required=True,
            )
    return pa.DataFrameSchema(columns, unique=by_schema or None)


PANDERA_REASONS = {
    "not_nullable": ("missing_value", "a required value is empty"),
    "field_uniqueness": ("duplicate_key", "the same key appears on an earlier row"),
    "not_allowed_value": ("not_allowed_value", "not one of the allowed values"),
    "implausible_date": ("implausible_date", "a date before 1990 or after 2099"),
}

# pandera checks a table in batches of about this many rows, so the frames
# outside DuckDB stay small whatever the size of the export.
PANDERA_BATCH_ROWS = 2_000_000


def _reject_by_pandera(con, spec, loaded, mapping, typed) -> None:
    schema = _pandera_schema(spec)
    if not schema.columns:
        return
    failures = [_pandera_failures(schema, frame)
                for frame in _pandera_batches(con, spec, typed, list(schema.columns))]
    failures = [frame for frame in failures if frame.height]
    if not failures:
        return
    rejected = con.execute('SELECT DISTINCT "row" FROM rejected_rows WHERE input = ?',
                           [spec.name]).fetchall()
    found = _first_duplicates_kept(pl.concat(failures), [row for (row,) in rejected])
    codes = {check: _pandera_reason(check) for check in found["check"].unique()}
    rows = pyarrow.table({
        "input": pyarrow.array([spec.name] * found.height, pyarrow.string()),
        "file": pyarrow.array([str(loaded.path)] * found.height, pyarrow.string()),
        "row": found["_row"].to_arrow().cast(pyarrow.int64()),
        "column": [mapping.get(column) or column for column in found["column"]],
        "reason_code": [codes[check][0] for check in found["check"]],
        "reason": [codes[check][1] for check in found["check"]],
    })
    con.register("_pandera_failures", rows)
    # The raw text is the value shown to the user, so it is looked up again.
    # A (row, column) already rejected for a parse failure is not repeated.
    try:
        con.execute(
            """INSERT INTO rejected_rows
            SELECT f.input, f.file, f."row", f."column",
                   CAST(NULL AS VARCHAR), f.reason_code, f.reason
            FROM _pandera_failures f
            WHERE NOT EXISTS (
                SELECT 1 FROM rejected_rows r
                WHERE r.input = f.input AND r."row" = f."row" AND r."column" = f."column")
            ORDER BY f."row"
            """
        )
    finally:
        con.unregister("_pandera_failures")
    _fill_values(con, spec, loaded, mapping)


def _pandera_batches(con, spec, typed: str, names: list[str]):
    """Yield the checked columns of ``typed`` as polars frames of bounded size.

    With a unique key, rows are split by a hash of the key, so every copy of
    a key lands in the same batch and pandera's uniqueness check compares
    all of them. Without one, rows are split by their position in the
    table, which spares computing a hash for every row. Positions run from
    0 without gaps, because the table was just created and nothing has been
    deleted from it yet.
    """
    total = con.execute(f"SELECT count(*) FROM {quote(typed)}").fetchall()[0][0]
    batches = max(1, -(-total // PANDERA_BATCH_ROWS))
    key = next((column.name for column in spec.columns if column.unique), None)
    selected = ", ".join(quote(name) for name in ["_row", *names])
    size = -(-total // batches)
    for batch in range(batches):
        if batches == 1:
            where = ""
        elif key is not None:
            where = f"WHERE hash({quote(key)}) % {batches} = {batch}"
        else:
            where = f"WHERE rowid >= {batch * size} AND rowid < {(batch + 1) * size}"
        yield con.sql(f"SELECT {selected} FROM {quote(typed)} {where}").pl()


def _pandera_failures(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> pl.DataFrame:
    """Validate one batch lazily; return its failures with their spreadsheet rows."""
    empty = pl.DataFrame(schema={"_row": pl.Int64, "column": pl.String,
                                 "check": pl.String, "failure_case": pl.String})
    try:
        schema.validate(frame, lazy=True)
        return empty
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    # Every check used here is of values, which have rows. A failure without
    # a row would come from a check of the whole column, which is a fault.
    if cases["index"].null_count():
        raise AuditError(f"pandera reported a failure without a row: {cases}")
    rows = frame["_row"].gather(cases["index"])
    found = cases.select(
        rows.cast(pl.Int64).alias("_row"),
        pl.col("column").cast(pl.String),
        pl.col("check").cast(pl.String),
        pl.col("failure_case").cast(pl.String),
    )
    if schema.unique:
        found = _as_column_uniqueness(found, schema.unique[0], frame, cases["index"])
    return found


def _as_column_uniqueness(found: pl.DataFrame, key: str, frame: pl.DataFrame,
                          index: pl.Series) -> pl.DataFrame:
    """Report the schema's check of a single key as the key column's own check.

    The schema names no column and gives the whole row as the failure case.
    The rest of validation expects the key's column and value, as a
    column's uniqueness check reports them.
    """
    by_schema = pl.col("check") == "multiple_fields_uniqueness"
    values = frame[key].gather(index).cast(pl.String)
    return found.with_columns(
        pl.when(by_schema).then(pl.lit(key)).otherwise(pl.col("column")).alias("column"),
        pl.when(by_schema).then(pl.lit("field_uniqueness"))
        .otherwise(pl.col("check")).alias("check"),
        pl.when(by_schema).then(values).otherwise(pl.col("failure_case"))
        .alias("failure_case"),
    )


def _first_duplicates_kept(found: pl.DataFrame, rejected: list[int]) -> pl.DataFrame:
    """Keep the first sound copy of each duplicated key; reject the later copies.

    pandera's polars backend reports every copy. A copy rejected for another
    reason (``rejected`` lists the rows rejected before pandera ran) is not
    the one kept, so a bad first copy does not cost the key its good one. It
    is not called a duplicate either, because it is rejected already. A
    missing key is rejected as missing, not as a duplicate of other missing
    keys.
    """
    duplicate = pl.col("check") == "field_uniqueness"
    others = found.filter(~duplicate)
    unsound = pl.concat([others["_row"], pl.Series("_row", rejected, pl.Int64)])
    copies = found.filter(duplicate & pl.col("failure_case").is_not_null()
                          & ~pl.col("_row").is_in(unsound.implode()))
    first = pl.col("_row") == pl.col("_row").min().over(["column", "failure_case"])
    return pl.concat([others, copies.filter(~first)])


def _fill_values(con, spec, loaded, mapping) -> None:
    """Copy the raw text into pandera's rejections, one column at a time.

    Only the columns that have a rejection without its value are updated,
    since each update reads the whole column.
    """
    needed = {column for (column,) in con.execute(
        'SELECT DISTINCT "column" FROM rejected_rows WHERE input = ? AND value IS NULL',
        [spec.name]).fetchall()}
    for header in mapping.values():
        if header is None or header not in needed:
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
    accepted_table = quote("in_" + spec.name)
    con.execute(
        f"""DELETE FROM {quote(typed)} t
        WHERE EXISTS (
            SELECT 1 FROM rejected_rows r
            WHERE r.input = {literal(spec.name)} AND r."row" = t._row)"""
    )
    if spec.feeds is None:
        # Profile views read this table, so it gets the documented columns.
        names = ", ".join(quote(column.name) for column in spec.columns)
        con.execute(
            f"CREATE OR REPLACE TABLE {accepted_table} AS SELECT "
            f"{literal(str(loaded.path))} AS _file, _row, {names} FROM {quote(typed)}"
        )
        con.execute(f"DROP TABLE {quote(typed)}")
    else:
        # The canonical table is built from this one alone and needs no
        # ``_file``. Renaming the typed table, once its few rejected rows are
        # deleted, is far cheaper than copying every value.
        con.execute(f"ALTER TABLE {quote(typed)} DROP COLUMN _failed")
        con.execute(f"DROP TABLE IF EXISTS {accepted_table}")
        con.execute(f"ALTER TABLE {quote(typed)} RENAME TO {accepted_table}")
    accepted = con.execute(f"SELECT count(*) FROM {accepted_table}").fetchone()[0]
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

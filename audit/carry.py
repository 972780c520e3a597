"""Carry reviewers' work forward from an earlier exception register.

Reviewers fill in owner, status, root cause, corrective action, target date
and notes. Because an exception keeps its ``exception_id`` from run to run,
those cells are copied by id from the earlier workbook into the new register,
so a monthly rerun keeps them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
from python_calamine import CalamineWorkbook

from audit.errors import InputFileError
from audit.labels import header_labels
from audit.register import REVIEWER_COLUMNS

KEY = "exception_id"


def _english_names() -> dict[str, str]:
    """Map every header text a register may carry (English or translated) to its name."""
    names = {name: name for name in [KEY, *REVIEWER_COLUMNS]}
    for lang in ("zh-CN",):
        for english, translated in header_labels(lang).items():
            if english in names:
                names[translated] = english
    return names


def _cell_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_reviewer_columns(path: Path) -> pa.Table:
    """Return exception_id and the reviewer columns of every row that has any."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 (calamine raises its own error types)
        raise InputFileError(f"{path}: cannot read the earlier register: {exc}") from None
    names = _english_names()
    rows: dict[str, dict] = {}
    for sheet_name in workbook.sheet_names:
        cells = workbook.get_sheet_by_name(sheet_name).to_python()
        if not cells:
            continue
        header = [names.get(str(value).strip()) for value in cells[0]]
        if KEY not in header:
            continue
        for record in cells[1:]:
            _keep_reviewed(rows, dict(zip(header, record)))
    return pa.table({
        KEY: list(rows),
        **{column: [row.get(column) for row in rows.values()] for column in REVIEWER_COLUMNS},
    }, schema=pa.schema([(KEY, pa.string())]
                        + [(column, pa.string()) for column in REVIEWER_COLUMNS]))


def _keep_reviewed(rows: dict, record: dict) -> None:
    key = _cell_text(record.get(KEY))
    if key is None:
        return
    values = {column: _cell_text(record.get(column)) for column in REVIEWER_COLUMNS}
    # A row only the tool filled in (status "open", nothing else) carries nothing.
    if any(value for column, value in values.items() if column != "status") or (
        values["status"] not in (None, "open", "未处理")
    ):
        rows[key] = values


def carry_forward(con, path: Path) -> int:
    """Copy reviewer cells from the register at ``path`` into ``register_all``
    and ``register``; return how many exceptions received them."""
    reviewed = read_reviewer_columns(path)
    if reviewed.num_rows == 0:
        return 0
    con.register("_reviewed", reviewed)
    try:
        for table in ("register_all", "register"):
            con.execute(
                f"""UPDATE {table} SET
                    owner = coalesce(r.owner, {table}.owner),
                    status = coalesce(r.status, {table}.status),
                    root_cause = coalesce(r.root_cause, {table}.root_cause),
                    corrective_action = coalesce(r.corrective_action,
                                                 {table}.corrective_action),
                    target_date = coalesce(TRY_CAST(r.target_date AS DATE),
                                           {table}.target_date),
                    notes = coalesce(r.notes, {table}.notes)
                FROM _reviewed r WHERE r.{KEY} = {table}.{KEY}"""
            )
        return con.execute(
            f"SELECT count(*) FROM register JOIN _reviewed USING ({KEY})"
        ).fetchall()[0][0]
    finally:
        con.unregister("_reviewed")

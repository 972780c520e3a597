"""Write the run's outputs: three workbooks, charts, the register as Parquet
and the run record. Every file is written to a temporary name first and moved
into place only when complete, so a failed run leaves earlier outputs as
they were."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa

from audit import __version__
from audit.labels import (
    as_of_label,
    header_labels,
    label,
    localize_register,
    localize_report,
    span_label,
    translate_note,
)
from audit.loader import sha256_of
from audit.progress import Progress
from audit.refunds import build_refund_check
from audit.register import REGISTER_COLUMNS
from audit.resources import builtin_dir

WORKBOOKS = {
    "register": "exception_register",
    "review_pack": "review_pack",
    "refund_check": "refund_check",
}


def arrow(con, sql: str, parameters: dict | None = None) -> pa.Table:
    return con.sql(sql, params=parameters or None).to_arrow_table()


def output_name(run, stem: str, suffix: str) -> Path:
    period = run.options.config.period
    name = f"{stem}_{period}{suffix}" if period else f"{stem}{suffix}"
    return run.options.config.out / name


def run_record_tables(run) -> tuple[dict[str, pa.Table], dict[str, object]]:
    """Build the Run record sheet's tables and cells: how this run was made."""
    config = run.options.config
    inputs = pa.table({
        "input": [item.name for item in run.inputs],
        "path": [str(item.path) for item in run.inputs],
        "sha256": [item.sha256 for item in run.inputs],
        "rows_read": [item.rows_read for item in run.inputs],
        "rows_accepted": [item.rows_accepted for item in run.inputs],
        "rows_rejected": [item.rows_rejected for item in run.inputs],
    })
    parameter_rows = [(record.rule_id, name, str(value))
                      for record in run.rule_records
                      for name, value in sorted(record.parameters.items())]
    parameters = pa.table({
        "rule_id": [row[0] for row in parameter_rows],
        "parameter": [row[1] for row in parameter_rows],
        "value": [row[2] for row in parameter_rows],
    })
    versions = pa.table({
        "rule_id": [record.rule_id for record in run.rule_records],
        "version": [record.version for record in run.rule_records],
        "exceptions": [record.exceptions for record in run.rule_records],
        "status": [record.status for record in run.rule_records],
        "note": [record.note for record in run.rule_records],
    })
    values = {
        "tool_version": f"order-audit {__version__}",
        "command_line": run.options.command_line,
        "as_of": run.as_of.isoformat()
        + (" (latest date in the inputs)" if run.as_of_derived else ""),
        "time_zone": config.time_zone,
        "period": run.period_label,
        "profile": run.profile.name,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "configuration": _configuration_text(config),
    }
    tables = {"RunInputs": inputs, "RunParameters": parameters, "RuleVersions": versions}
    return tables, values


def _configuration_text(config) -> str:
    if config.source is None:
        return "built-in defaults (no --config given)"
    return f"{config.source}\n" + Path(config.source).read_text(encoding="utf-8")


def rejected_table(con) -> pa.Table:
    return arrow(con, 'SELECT input, file, "row", "column", value, reason_code, reason '
                      'FROM rejected_rows ORDER BY input, "row", "column"')


def register_tables(con) -> dict[str, pa.Table]:
    columns = ", ".join(REGISTER_COLUMNS)
    return {
        "Register": arrow(con, f"SELECT {columns} FROM register "
                               "ORDER BY severity = 'urgent' DESC, severity = 'important' "
                               "DESC, rule_id, detected_at, exception_id"),
        "RegisterSummary": arrow(con, """
            SELECT rule_id, any_value(rule_title) AS rule_title,
                   any_value(category) AS category, severity,
                   count(*) AS exceptions, sum(amount_at_risk) AS amount_at_risk
            FROM register GROUP BY rule_id, severity ORDER BY rule_id, severity"""),
    }


def write_outputs(run, progress: Progress) -> list[Path]:
    """Write the chosen workbooks and the run's files; return the workbook paths."""
    con, config = run.con, run.options.config
    config.out.mkdir(parents=True, exist_ok=True)
    carry_reviews(run, progress)
    record_tables, record_values = run_record_tables(run)
    common = {name: localize_report(name, table, config.lang)
              for name, table in {**record_tables,
                                  "RejectedRows": rejected_table(con)}.items()}
    workbook_values = _localized_record_values(run, record_values, config.lang)
    labels = header_labels(config.lang) if config.lang != "en" else None

    plans = [(key, plan(run, common, progress)) for key, plan in PLANS.items()
             if key in config.workbooks]
    staging = Path(tempfile.mkdtemp(prefix=".order-audit-", dir=config.out))
    try:
        staged = _fill_all(run, plans, staging, workbook_values, labels, progress)
        written = _move_into_place(run, staged, progress)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _write_parquet_copies(run)
    _write_run_record_json(run, record_values, written)
    return written


def _register_plan(run, common: dict, progress: Progress) -> tuple[dict, dict, dict]:
    """Return the register workbook's tables, single cells and images."""
    lang = run.options.config.lang
    tables = {name: localize_register(name, table, lang)
              for name, table in register_tables(run.con).items()}
    return tables | common, {}, {}


def _review_pack_plan(run, common: dict, progress: Progress) -> tuple[dict, dict, dict]:
    """Compute the review pack's statistics and draw its charts."""
    from audit.charts import draw_charts
    from audit.reports import compute_reports

    config = run.options.config
    with progress.step("statistics"):
        reports = compute_reports(run.con, run.report_parameters)
    with progress.step("charts"):
        charts = draw_charts(reports, output_name(run, "charts", ""), config.lang)
    header_values = {"title": label("text.Exception review", config.lang),
                     "period": _period_label(run, config.lang),
                     "previous_period": _previous_label(run, config.lang),
                     "as_of": run.as_of.isoformat()}
    tables = {name: localize_report(name, table, config.lang)
              for name, table in reports.items()}
    return tables | common, header_values, charts


def _refund_check_plan(run, common: dict, progress: Progress) -> tuple[dict, dict, dict]:
    """Reconcile the refunds for the refund check's tables and single cells."""
    config = run.options.config
    refunds = build_refund_check(run.con, run.report_parameters,
                                 config.raw.get("refund_check", {}))
    tables = {name: localize_register(name, table, config.lang)
              for name, table in refunds.tables.items()}
    return tables | common, refunds.values, {}


# Each workbook's plan computes what only that workbook shows, so a run that
# leaves a workbook out also skips its work.
PLANS = {"register": _register_plan, "review_pack": _review_pack_plan,
         "refund_check": _refund_check_plan}


def _fill_all(run, plans, staging: Path, workbook_values, labels, progress) -> list:
    """Fill every workbook in the staging folder; nothing in place changes yet."""
    from audit.workbook import fill_workbook

    templates = builtin_dir("templates")
    staged = []
    for key, (tables, values, images) in plans:
        destination = output_name(run, WORKBOOKS[key], ".xlsx")
        template = templates / f"{key}.xlsx"
        with progress.step(f"write {destination.name}"):
            result = fill_workbook(template, staging / destination.name,
                                   tables=tables, skip_missing_tables=True,
                                   values={**workbook_values, **values},
                                   images=images, labels=labels)
        _report_cleaning(run, destination.name, result, progress)
        staged.append((staging / destination.name, destination))
    return staged


def _report_cleaning(run, name: str, result, progress: Progress) -> None:
    """Say when text had to change to fit in a cell, so nothing changes silently."""
    if result.control_chars_removed:
        message = (f"{name}: {result.control_chars_removed} control character(s) that "
                   "Excel cannot store were removed from text cells")
        run.notes.append(message)
        progress.warn(message)
    if result.texts_cut:
        message = (f"{name}: {result.texts_cut} text(s) longer than Excel's 32,767 "
                   "characters were cut and marked; the register's Parquet file "
                   "keeps them whole")
        run.notes.append(message)
        progress.warn(message)


def _move_into_place(run, staged: list, progress: Progress) -> list[Path]:
    """Replace the earlier workbooks together, once all new ones are complete."""
    state = WrittenState(run.options.config.out)
    written = []
    for source, destination in staged:
        backup = state.protect_edits(destination)
        if backup is not None:
            progress.warn(f"{destination.name} was edited after order-audit wrote it; "
                          f"the edited copy is kept as {backup.name}")
        os.replace(source, destination)
        state.remember(destination)
        written.append(destination)
    state.save()
    return written


def carry_reviews(run, progress: Progress) -> None:
    """Copy reviewers' cells from the earlier register, when there is one."""
    from audit.carry import carry_forward

    source = run.options.previous_register or output_name(
        run, "exception_register", ".xlsx")
    if not source.exists():
        return
    count = carry_forward(run.con, source)
    run.notes.append(f"reviewer columns of {count} exception(s) carried forward "
                     f"from {source}")
    progress.note(f"carried the reviewers' entries of {count} exception(s) "
                  f"forward from {source.name}")


class WrittenState:
    """The SHA-256 of each workbook as the tool wrote it, kept in the output folder.

    A workbook whose bytes differ from what the tool wrote has been edited by
    someone (reviewers fill in owners and root causes), so it is kept as a
    dated backup instead of being overwritten.
    """

    FILE_NAME = ".order-audit-written.json"

    def __init__(self, folder: Path):
        self.path = folder / self.FILE_NAME
        try:
            self.hashes = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            self.hashes = {}

    def protect_edits(self, destination: Path) -> Path | None:
        if not destination.exists():
            return None
        known = self.hashes.get(destination.name)
        if known is not None and known == sha256_of(destination):
            return None
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = destination.with_name(f"{destination.stem}.edited-{stamp}{destination.suffix}")
        os.replace(destination, backup)
        return backup

    def remember(self, destination: Path) -> None:
        self.hashes[destination.name] = sha256_of(destination)

    def save(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.hashes, indent=2), encoding="utf-8")
        os.replace(temporary, self.path)


def _previous_label(run, lang: str) -> str:
    if run.previous is None:
        return translate_note(
            "no comparison: the inputs do not cover the previous period", lang)
    return run.previous[0].strftime("%Y-%m")


def _period_label(run, lang: str) -> str:
    if run.options.config.period:
        return run.period_label
    return span_label(run.period[0].date(), run.as_of, lang)


def _localized_record_values(run, values: dict, lang: str) -> dict:
    """Translate the run record's single cells; the JSON record stays in English."""
    localized = dict(values)
    localized["as_of"] = as_of_label(run.as_of, run.as_of_derived, lang)
    localized["period"] = _period_label(run, lang)
    if run.options.config.source is None:
        localized["configuration"] = label("run.no_configuration", lang)
    return localized


def _write_parquet_copies(run) -> None:
    """Write the register and the rejected rows whole, as Parquet files.

    A workbook cell contains at most 32,767 characters and a sheet 1,048,576
    rows; these files keep every value as it was, however long. The
    register's copy is written only with the register workbook, so that the
    two always come from the same run.
    """
    copies = [("rejected_rows", "rejected_rows")]
    if "register" in run.options.config.workbooks:
        copies.insert(0, ("register", "exception_register"))
    for table, stem in copies:
        destination = output_name(run, stem, ".parquet")
        handle, temporary = tempfile.mkstemp(dir=destination.parent,
                                             suffix=".parquet.tmp")
        os.close(handle)
        quoted = temporary.replace("'", "''")
        run.con.execute(f"COPY {table} TO '{quoted}' (FORMAT parquet)")
        os.replace(temporary, destination)


def _write_run_record_json(run, values: dict, written: list[Path]) -> None:
    record = {
        **{k: v for k, v in values.items() if k != "configuration"},
        "inputs": [{"input": i.name, "path": str(i.path), "sha256": i.sha256,
                    "rows_read": i.rows_read, "rows_accepted": i.rows_accepted,
                    "rows_rejected": i.rows_rejected} for i in run.inputs],
        "rules": [{"rule_id": r.rule_id, "version": r.version, "status": r.status,
                   "exceptions": r.exceptions, "note": r.note,
                   "parameters": {k: str(v) for k, v in r.parameters.items()}}
                  for r in run.rule_records],
        "workbooks": [str(path) for path in written],
        "notes": run.notes,
    }
    destination = output_name(run, "run_record", ".json")
    temporary = destination.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, destination)

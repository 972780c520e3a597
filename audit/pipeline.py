"""One run: exports in, register and statistics computed in DuckDB.

The steps are visible in ``prepare`` and ``run_rules``; writing the
workbooks is in ``audit.output`` so this module never touches openpyxl.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from audit import loader, register, validate
from audit import rules as rules_module
from audit.config import Config
from audit.errors import AuditError, ConfigError, UsageError
from audit.profiles import InputSpec, Profile, load_profile, profile_hint
from audit.progress import Progress
from audit.resources import builtin_dir
from audit.schema import CANONICAL, SQL_TYPES

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    config: Config
    folder: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)
    rules_dirs: list[Path] = field(default_factory=list)
    command_line: str = ""
    previous_register: Path | None = None


@dataclass
class InputRecord:
    name: str
    path: Path
    sha256: str
    encoding: str | None
    rows_read: int
    rows_accepted: int
    rows_rejected: int


@dataclass
class RuleRecord:
    rule_id: str
    version: str
    status: str
    exceptions: int
    note: str
    parameters: dict


@dataclass
class Run:
    con: duckdb.DuckDBPyConnection
    options: RunOptions
    profile: Profile
    inputs: list[InputRecord] = field(default_factory=list)
    rule_records: list[RuleRecord] = field(default_factory=list)
    as_of: dt.date | None = None
    as_of_derived: bool = False
    period_label: str = ""
    period: tuple[dt.datetime, dt.datetime] | None = None
    previous: tuple[dt.datetime, dt.datetime] | None = None
    notes: list[str] = field(default_factory=list)
    # The folder DuckDB spills to; removed with the database by close().
    spill: Path | None = None

    def close(self) -> None:
        self.con.close()
        if self.spill is not None:
            shutil.rmtree(self.spill, ignore_errors=True)

    @property
    def as_of_moment(self) -> dt.datetime:
        """The end of the as-of day: ages and overdue flags are measured here."""
        return dt.datetime.combine(self.as_of + dt.timedelta(days=1), dt.time())

    @property
    def report_parameters(self) -> dict:
        start, end = self.period
        previous = self.previous or (None, None)
        return {"period_start": start, "period_end": end, "prev_start": previous[0],
                "prev_end": previous[1], "as_of": self.as_of_moment}


def resolve_inputs(profile: Profile, options: RunOptions) -> list[tuple[InputSpec, Path]]:
    """Find each input's file, in the folder or from the file options."""
    chosen: list[tuple[InputSpec, Path]] = []
    for option, path in options.files.items():
        spec = profile.input_for_option(option) or profile.inputs.get(option)
        if spec is None:
            raise UsageError(f"profile {profile.name!r} has no input for --{option}")
        if not path.exists():
            raise UsageError(f"input file not found: {path} (given with --{option.replace('_', '-')})")
        chosen.append((spec, path))
    taken = {spec.name for spec, _ in chosen}
    if options.folder is not None:
        chosen += _inputs_in_folder(profile, options.folder, taken)
    missing = [spec for spec in profile.inputs.values()
               if spec.required and spec.name not in {s.name for s, _ in chosen}]
    if missing:
        where = f"in {options.folder}" if options.folder else "on the command line"
        fix = "Name the files as shown, or give them with --orders and the other file options."
        if options.folder is not None and options.folder.is_dir():
            hint = profile_hint(options.folder, options.config.profiles, profile.name)
            if hint:
                fix = f"{hint}\n{fix}"
        raise AuditError(
            "required input(s) not found " + where + ": "
            + "; ".join(f"{spec.name} (expected a file named {' or '.join(spec.files)})"
                        for spec in missing),
            fix=fix,
        )
    return chosen


def _inputs_in_folder(profile: Profile, folder: Path, taken: set[str]):
    if not folder.is_dir():
        raise UsageError(f"input folder not found: {folder}")
    by_name = {path.name.casefold(): path for path in folder.iterdir() if path.is_file()}
    found = []
    for spec in profile.inputs.values():
        if spec.name in taken:
            continue
        for name in spec.files:
            if name.casefold() in by_name:
                found.append((spec, by_name[name.casefold()]))
                break
    return found


# A size no run reaches, so DuckDB never checkpoints on its own.
NO_CHECKPOINT = "1000TB"
MEMORY_LIMIT_FIX = 'Give a size such as "8GB" or "500MB" under [run].'


def open_database(config: Config, spill: Path) -> duckdb.DuckDBPyConnection:
    """Open the run's in-memory database, which spills to ``spill`` past its limit.

    Without a configured limit DuckDB may take half the machine's memory;
    the rest is left for the frames, charts and workbooks built in Python.
    """
    limit = config.memory_limit or f"{_physical_memory_mb() // 2}MB"
    if limit.strip().startswith("-"):
        # DuckDB reads a negative size as no limit at all.
        raise ConfigError(f"run.memory_limit {limit!r} is not a memory size: it is "
                          "negative", fix=MEMORY_LIMIT_FIX)
    # DuckDB checkpoints an in-memory database too, once a commit has written
    # more than checkpoint_threshold. With the million-order demo loaded, one
    # checkpoint took 1.5 s, and it gains nothing for a database that lives
    # as long as one run.
    settings = {"memory_limit": limit, "temp_directory": str(spill),
                "checkpoint_threshold": NO_CHECKPOINT}
    try:
        return duckdb.connect(config=settings)
    except duckdb.Error as exc:
        raise ConfigError(f"run.memory_limit {limit!r} is not a memory size: {exc}",
                          fix=MEMORY_LIMIT_FIX) from None


def _physical_memory_mb() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def prepare(options: RunOptions, progress: Progress) -> Run:
    """Load, validate and map the inputs; fix the as-of date and period.

    The caller closes the returned run, which removes its spill folder.
    """
    config = options.config
    profile = load_profile(config.profile, config.profiles)
    chosen = resolve_inputs(profile, options)
    spill = Path(tempfile.mkdtemp(prefix="order-audit-spill-"))
    try:
        con = open_database(config, spill)
    except BaseException:
        shutil.rmtree(spill, ignore_errors=True)
        raise
    run = Run(con, options, profile, spill=spill)
    try:
        _load_and_validate(run, chosen, progress)
        _fix_dates(run, config)
    except BaseException:
        run.close()
        raise
    return run


def _load_and_validate(run: Run, chosen: list[tuple[InputSpec, Path]],
                       progress: Progress) -> None:
    con, config, profile = run.con, run.options.config, run.profile
    with progress.step("load inputs"):
        loaded = [
            (spec, loader.load_file(con, spec.name, path, spec.encoding or config.encoding))
            for spec, path in chosen
        ]
    mappings = validate.check_required_columns(loaded, profile.name, config.profiles)
    formats = validate.Formats(config.time_zone, config.decimal_mark, config.date_order)
    with progress.step("validate inputs"):
        con.execute(validate.REJECTED_DDL)
        for spec, item in loaded:
            counts = validate.stage_input(con, spec, item, mappings[spec.name], formats)
            run.inputs.append(InputRecord(
                spec.name, item.path, item.sha256, item.encoding, counts.rows_read,
                counts.rows_accepted, counts.rows_rejected,
            ))
    with progress.step("map to canonical tables"):
        _create_canonical_tables(con, profile, [spec for spec, _ in loaded])


def _create_canonical_tables(con, profile: Profile, present: list[InputSpec]) -> None:
    for spec in present:
        if spec.feeds:
            # The accepted rows are in the file's order and in the canonical
            # columns after _row, so renaming saves copying every value.
            con.execute(f'ALTER TABLE "in_{spec.name}" DROP COLUMN _row')
            con.execute(f'DROP TABLE IF EXISTS "{spec.feeds}"')
            con.execute(f'ALTER TABLE "in_{spec.name}" RENAME TO "{spec.feeds}"')
    present_names = {spec.name for spec in present}
    for table, sql in profile.views.items():
        _create_view_table(con, profile, table, sql, present_names)
    existing = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
    for table, columns in CANONICAL.items():
        if table not in existing:
            definition = ", ".join(f'"{c.name}" {SQL_TYPES[c.type]}' for c in columns)
            con.execute(f'CREATE TABLE "{table}" ({definition})')
    _create_shared_views(con)


def _create_shared_views(con) -> None:
    """Create the helper views that rules and reports share (queries/views)."""
    for path in sorted((builtin_dir("queries") / "views").glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))


def _create_view_table(con, profile, table, sql, present_names) -> None:
    # A profile view may read optional inputs; absent ones become empty tables
    # with their declared columns so the view's SQL still binds.
    for spec in profile.inputs.values():
        if spec.name not in present_names:
            definition = ", ".join(
                f'"{c.name}" {SQL_TYPES[c.type]}' for c in spec.columns
            )
            con.execute(
                f'CREATE TABLE IF NOT EXISTS "in_{spec.name}" '
                f"(_file VARCHAR, _row BIGINT, {definition})"
            )
    try:
        con.execute(f'CREATE OR REPLACE TABLE "{table}" AS {sql}')
    except duckdb.Error as exc:
        raise AuditError(
            f"profile {profile.name!r}: the SQL that builds table {table!r} failed: {exc}"
        ) from None
    # A view written before a canonical column existed still yields every
    # column; the missing ones hold no values, so rules needing them are skipped.
    present = {row[0] for row in con.execute(f'DESCRIBE "{table}"').fetchall()}
    for column in CANONICAL[table]:
        if column.name not in present:
            con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{column.name}" '
                        f"{SQL_TYPES[column.type]}")


def _latest_timestamp(con) -> dt.datetime | None:
    """Return the latest moment an event is recorded in the inputs.

    Promised dates are left out because they lie in the future by design.
    """
    return con.execute(
        """SELECT max(t) FROM (
            SELECT greatest(max(created_at), max(paid_at), max(shipped_at),
                            max(delivered_at), max(cancel_requested_at),
                            max(cancelled_at)) AS t FROM orders
            UNION ALL SELECT max(event_at) FROM carrier_events
            UNION ALL SELECT greatest(max(created_at), max(first_response_at),
                                      max(resolved_at)) FROM complaints
            UNION ALL SELECT greatest(max(requested_at), max(approved_at),
                                      max(refunded_at)) FROM refunds)"""
    ).fetchone()[0]


def _fix_dates(run: Run, config: Config) -> None:
    """Decide the as-of date and the period, so that a rerun gives the same result."""
    con = run.con
    first = con.execute("SELECT min(created_at) FROM orders").fetchone()[0]
    latest = _latest_timestamp(con)
    if first is None or latest is None:
        raise AuditError(
            "no order was accepted from the inputs, so there is nothing to audit",
            fix="See the Rejected rows sheet or the messages above for why rows were rejected.",
        )
    if config.period:
        start = dt.datetime.strptime(config.period, "%Y-%m")
        end = (start + dt.timedelta(days=32)).replace(day=1)
        run.period = (start, end)
        run.period_label = config.period
        previous_start = (start - dt.timedelta(days=1)).replace(day=1)
        if first < start:
            run.previous = (previous_start, start)
        default_as_of = (end - dt.timedelta(days=1)).date()
    else:
        default_as_of = latest.date()
    run.as_of = config.as_of or default_as_of
    run.as_of_derived = config.as_of is None
    if run.period is None:
        run.period = (dt.datetime.combine(first.date(), dt.time()), run.as_of_moment)
        run.period_label = f"{first.date().isoformat()} to {run.as_of.isoformat()}"


def available_columns(con) -> set[str]:
    """Return 'table.column' for every canonical column that contains a value."""
    available: set[str] = set()
    for table, columns in CANONICAL.items():
        counts = con.execute(
            "SELECT " + ", ".join(f'count("{c.name}")' for c in columns) + f' FROM "{table}"'
        ).fetchone()
        available |= {f"{table}.{c.name}" for c, n in zip(columns, counts) if n}
    return available


def run_rules(run: Run, progress: Progress) -> None:
    """Run every enabled rule whose columns are available, then build the register."""
    con, config = run.con, run.options.config
    rule_list = rules_module.load_rules(run.options.rules_dirs)
    rules_module.check_rule_settings(rule_list, config.rules)
    global_values = {"as_of": run.as_of_moment, "period_start": run.period[0],
                     "period_end": run.period[1]}
    enabled = sum(1 for rule in rule_list
                  if config.rule_settings(rule.id).get("enabled", True))
    with progress.step(f"run {enabled} rules"):
        con.execute(rules_module.RULE_HITS_DDL)
        register.create_rule_catalog(con, rule_list, config)
        available = available_columns(con)
        for rule in rule_list:
            run.rule_records.append(_run_one(con, rule, config, available, global_values))
    with progress.step("build the exception register"):
        register.build_register(con, config, run.as_of_moment, run.period)
        register.validate_register(con)
    with progress.step("register of the previous period"):
        _build_previous_register(run, rule_list, global_values)


def _build_previous_register(run: Run, rule_list, global_values: dict) -> None:
    """Build ``register_previous``, the previous period's exceptions.

    Most rules find the same exceptions whatever the period, so their hits are
    reused. Rules bounded by the period, such as repeat complaints in the
    month, run again with the previous period's bounds.
    """
    con, config = run.con, run.options.config
    con.execute("CREATE OR REPLACE TABLE previous_hits AS SELECT * FROM rule_hits")
    if run.previous is None:
        con.execute("CREATE OR REPLACE TABLE register_previous AS "
                    "SELECT * FROM register WHERE false")
        return
    bounded = [rule for rule in rule_list
               if {"period_start", "period_end"} & rule.referenced_parameters]
    previous_values = {**global_values, "period_start": run.previous[0],
                       "period_end": run.previous[1]}
    ran = {record.rule_id for record in run.rule_records if record.status == "ran"}
    con.execute("ALTER TABLE rule_hits RENAME TO current_hits")
    con.execute(rules_module.RULE_HITS_DDL)
    for rule in bounded:
        if rule.id in ran:
            parameters = rules_module.bind_parameters(
                rule, config.rule_settings(rule.id), previous_values)
            rules_module.run_rule(con, rule, parameters)
    con.execute("DELETE FROM previous_hits WHERE rule_id IN (SELECT unnest($ids))",
                {"ids": [rule.id for rule in bounded] or [""]})
    con.execute("INSERT INTO previous_hits SELECT * FROM rule_hits")
    con.execute("DROP TABLE rule_hits")
    con.execute("ALTER TABLE current_hits RENAME TO rule_hits")
    register.build_previous_register(con, config, run.as_of_moment, run.previous)


def _run_one(con, rule, config, available, global_values) -> RuleRecord:
    settings = config.rule_settings(rule.id)
    parameters = rules_module.bind_parameters(rule, settings, global_values)
    shown = {k: v for k, v in parameters.items() if k not in global_values}
    if not settings.get("enabled", True):
        return RuleRecord(rule.id, rule.version, "disabled", 0,
                          "disabled in the configuration", shown)
    missing = [need for need in rule.needs if need not in available]
    if missing:
        return RuleRecord(rule.id, rule.version, "skipped", 0,
                          "no values in " + ", ".join(missing), shown)
    count = rules_module.run_rule(con, rule, parameters)
    return RuleRecord(rule.id, rule.version, "ran", count, "", shown)

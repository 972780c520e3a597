"""The commands' work, between the CLI's parsing and the domain modules."""

from __future__ import annotations

import json
from pathlib import Path

import click

from audit.config import Config, load_config, parse_date, parse_period, parse_workbooks
from audit.errors import UsageError
from audit.pipeline import RunOptions, prepare, run_rules
from audit.progress import Progress


def _apply_overrides(config: Config, *, period=None, as_of=None, out=None, lang=None,
                     profile=None, workbooks=()) -> Config:
    """Let command-line options win over the configuration file."""
    if period:
        config.period = parse_period(period, "--period")
    if as_of:
        config.as_of = parse_date(as_of, "--as-of")
    if out:
        config.out = Path(out)
    if lang:
        config.lang = lang
    if profile:
        config.profile = profile
    if workbooks:
        config.workbooks = parse_workbooks(list(workbooks), "--workbook")
    return config


def run_command(*, folder, files, profile, config_path, period, as_of, out, lang,
                workbooks, rules_dirs, previous_register, open_after, quiet,
                command_line) -> list[Path]:
    config = _apply_overrides(load_config(config_path), period=period, as_of=as_of,
                              out=out, lang=lang, profile=profile, workbooks=workbooks)
    options = RunOptions(config, folder=folder, files=files,
                         rules_dirs=list(rules_dirs), command_line=command_line,
                         previous_register=previous_register)
    return execute(options, Progress(quiet), open_after)


def execute(options: RunOptions, progress: Progress, open_after: bool = False) -> list[Path]:
    """Run the whole job and write its outputs; return the workbook paths."""
    from audit.output import write_outputs

    run = prepare(options, progress)
    try:
        _warn_about_empty_period(run, progress)
        run_rules(run, progress)
        written = write_outputs(run, progress)
        _summarise(run, written, progress)
    finally:
        run.close()
    if open_after:
        _open_in_excel(written)
    return written


def _warn_about_empty_period(run, progress: Progress) -> None:
    """Say so when the period or the as-of date leaves nothing to report."""
    start, end = run.period
    first, last, in_period = run.con.execute(
        "SELECT min(created_at), max(created_at), "
        "count(*) FILTER (WHERE created_at >= $start AND created_at < $end) FROM orders",
        {"start": start, "end": end},
    ).fetchall()[0]
    if in_period == 0:
        progress.warn(f"no order was created in the period {run.period_label}; the "
                      f"orders run from {first:%Y-%m-%d} to {last:%Y-%m-%d}")
    if run.as_of_moment <= start:
        progress.warn(f"the as-of date {run.as_of.isoformat()} is before the period "
                      f"{run.period_label} starts, so nothing in it can be late yet")


def _summarise(run, written: list[Path], progress: Progress) -> None:
    count = run.con.execute("SELECT count(*) FROM register").fetchone()[0]
    rejected = sum(item.rows_rejected for item in run.inputs)
    progress.note(
        f"{count} exception(s) in the register for {run.period_label}, "
        f"as of {run.as_of.isoformat()}; {rejected} input row(s) rejected."
    )
    for path in written:
        click.echo(str(path))


def _open_in_excel(paths: list[Path]) -> None:
    try:
        import xlwings
    except ImportError:
        click.echo("--open needs the 'excel' extra: pip install 'order-audit[excel]'. "
                   "The workbooks are at the paths above.", err=True)
        return
    try:
        for path in paths:
            xlwings.Book(str(path))
    except Exception as exc:  # noqa: BLE001 (xlwings raises platform-specific errors)
        click.echo(f"Could not open Excel ({exc}); the workbooks are at the paths above.",
                   err=True)


def demo_command(*, order_count, seed, data_only, file_format, config_path, period,
                 as_of, out, lang, workbooks, rules_dirs, previous_register, open_after,
                 quiet, command_line):
    from audit.demo import DEMO_AS_OF, write_demo

    config = _apply_overrides(load_config(config_path), period=period, as_of=as_of,
                              out=out, lang=lang, profile="canonical", workbooks=workbooks)
    if config.out == Path("order-audit-output"):
        config.out = Path("order-audit-demo")
    data_dir = config.out / "demo-data"
    progress = Progress(quiet)
    with progress.step(f"write {order_count} synthetic orders"):
        write_demo(data_dir, order_count=order_count, seed=seed, file_format=file_format)
    if data_only:
        click.echo(str(data_dir))
        return []
    if config.as_of is None:
        config.as_of = DEMO_AS_OF
    options = RunOptions(config, folder=data_dir, rules_dirs=list(rules_dirs),
                         command_line=command_line, previous_register=previous_register)
    return execute(options, progress, open_after)


def rules_command(rule_id, as_json, rules_dirs) -> None:
    from audit.rules import load_rules

    rules = load_rules(list(rules_dirs))
    if rule_id:
        matches = [rule for rule in rules if rule.id == rule_id]
        if not matches:
            raise UsageError(f"no rule with id {rule_id!r}",
                             fix="Run `order-audit rules` to list the rule ids.")
        rules = matches
    records = [_rule_record(rule, full=bool(rule_id)) for rule in rules]
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif rule_id:
        for key, value in records[0].items():
            click.echo(f"{key}: {value}")
    else:
        for record in records:
            click.echo(f"{record['id']:<32} {record['category']:<13} "
                       f"{record['severity']:<10} {record['responsible']:<17} "
                       f"{record['title']}")


def _rule_record(rule, full: bool) -> dict:
    record = {"id": rule.id, "title": rule.title, "category": rule.category,
              "class": rule.exception_class, "severity": rule.severity,
              "responsible": rule.responsible, "time_limit": rule.time_limit,
              "needs": rule.needs}
    if full:
        record.update(action=rule.action, description=rule.description,
                      parameters={name: {"default": value, "help": rule.param_help[name]}
                                  for name, value in rule.params.items()},
                      file=str(rule.path), sql=rule.sql)
    return record


def init_command(target: Path, from_file: Path | None, force: bool) -> None:
    from audit.init import write_config

    write_config(target, from_file, force)
    click.echo(str(target))

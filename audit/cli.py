"""The order-audit command: a thin layer over the domain code.

Domain code raises AuditError and its kinds; this module alone turns them
into messages on stderr and exit codes: 0 success, 1 the run failed, 2 bad
usage, 130 interrupted (Ctrl-C or SIGTERM), 141 the reader of the output
closed it early (as ``order-audit rules | head`` does). A Python traceback
reaches the user only with --debug.
"""

from __future__ import annotations

import functools
import logging
import os
import shlex
import signal
import sys
from pathlib import Path

import click
import duckdb

from audit import __version__
from audit.config import WORKBOOK_NAMES
from audit.errors import AuditError, UsageError

FILE_OPTIONS = ["orders", "order_lines", "carrier_events", "complaints", "refunds",
                "disruptions"]


def _report_errors(command):
    """Turn domain errors into an 'Error:' message and the matching exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        debug = (kwargs.pop("debug", False)
                 or click.get_current_context().find_root().params.get("debug", False))
        if debug:
            _enable_debug_logging()
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            return command(*args, **kwargs)
        except (KeyboardInterrupt, duckdb.InterruptException):
            _interrupted()
        except RuntimeError as exc:
            # DuckDB stops a query on Ctrl-C or SIGTERM with this RuntimeError.
            if str(exc).startswith("Query interrupted"):
                _interrupted()
            if debug:
                raise
            _unexpected(exc)
        except duckdb.OutOfMemoryException as exc:
            if debug:
                raise
            click.echo(f"Error: the run ran out of memory: {exc}", err=True)
            click.echo("Fix: Raise memory_limit under [run] in the configuration "
                       "(empty means half of the machine's memory).", err=True)
            sys.exit(1)
        except AuditError as exc:
            if debug:
                raise
            click.echo(f"Error: {exc.message}", err=True)
            if exc.fix:
                click.echo(f"Fix: {exc.fix}", err=True)
            sys.exit(2 if isinstance(exc, UsageError) else 1)
        except BrokenPipeError:
            _output_closed()
        except (OSError, MemoryError) as exc:
            if debug:
                raise
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except Exception as exc:  # a bug: still no traceback without --debug
            if debug:
                raise
            _unexpected(exc)
        finally:
            signal.signal(signal.SIGTERM, previous)

    return wrapper


def _interrupted() -> None:
    click.echo("Error: interrupted; the earlier workbooks are unchanged", err=True)
    sys.exit(130)


def _output_closed() -> None:
    # The reader closed the pipe, so the rest of the output is discarded:
    # Python flushes stdout again at exit, which would fail the same way.
    # 141 is the exit status of a Unix tool stopped by SIGPIPE.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(141)


def _unexpected(exc: Exception) -> None:
    click.echo(f"Error: unexpected {type(exc).__name__}: {exc}", err=True)
    click.echo("Fix: Run again with --debug and report the traceback as a bug "
               "in order-audit.", err=True)
    sys.exit(1)


def _interrupt(signum, frame) -> None:
    # A terminated run ends as an interrupted one does, so the database's
    # spill folder and the staged workbooks are removed on the way out.
    raise KeyboardInterrupt


def _existing_path(ctx, param, value):
    """Reject a path option that names nothing, as bad usage (exit status 2)."""
    if value is not None and not Path(value).exists():
        raise click.BadParameter(f"path not found: {value}", ctx=ctx, param=param)
    return Path(value) if value is not None else None


def run_options(command):
    """Options shared by `run` and `demo`: configuration, dates and output."""
    options = [
        click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     callback=_existing_path,
                     help="Configuration file (TOML); `order-audit init` writes one."),
        click.option("--period", metavar="YYYY-MM",
                     help="Month to report. Default: the whole span of the inputs."),
        click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
                     help="Date that ages and time limits are measured at (end of "
                     "that day, business time zone). Default: last day of --period, "
                     "else the date of the latest timestamp in the inputs."),
        click.option("--out", "out", type=click.Path(file_okay=False),
                     help="Folder for the workbooks, charts and run files. "
                     "Default: order-audit-output."),
        click.option("--lang", type=click.Choice(["en", "zh-CN"]),
                     help="Language of workbook and chart labels. Default: en."),
        click.option("--workbook", "workbooks", multiple=True,
                     type=click.Choice(list(WORKBOOK_NAMES)),
                     help="Write only this workbook; may be given more than once. "
                     "Default: all three, or run.workbooks in the configuration."),
        click.option("--rules", "rules_dirs", multiple=True,
                     type=click.Path(file_okay=False), callback=_existing_dirs,
                     help="Folder of your own rule files (*.sql), added to the "
                     "built-in rules; may be given more than once."),
        click.option("--previous-register", "previous_register",
                     type=click.Path(dir_okay=False), callback=_existing_path,
                     help="Earlier exception register (xlsx) whose reviewer columns "
                     "(owner, status, root cause, action, notes) are carried forward "
                     "by exception id. Default: the register already in --out."),
        click.option("--open", "open_after", is_flag=True,
                     help="Open the finished workbooks in desktop Excel (needs the "
                     "'excel' extra and Excel on Windows or macOS)."),
        click.option("--quiet", is_flag=True, help="Show no progress messages."),
        click.option("--debug", is_flag=True,
                     help="Show Python tracebacks and debug logs (same as "
                     "`order-audit --debug ...`)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _existing_dirs(ctx, param, values):
    for value in values:
        if not Path(value).is_dir():
            raise click.BadParameter(f"folder not found: {value}", ctx=ctx, param=param)
    return [Path(value) for value in values]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="order-audit")
@click.option("--debug", is_flag=True, help="Show Python tracebacks and debug logs.")
def main(debug: bool) -> None:
    """Audit order, carrier, complaint and refund exports.

    Writes an exception register, a monthly review pack and a refund check
    as Excel workbooks.
    """
    logging.basicConfig(level=logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if debug:
        _enable_debug_logging()


def _enable_debug_logging() -> None:
    logging.getLogger().setLevel(logging.DEBUG)
    # matplotlib's font manager logs every font it considers at debug level,
    # which buries the tool's own messages.
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    logging.getLogger("PIL").setLevel(logging.WARNING)


@main.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False),
                callback=_existing_path)
@click.option("--profile", help="How the exports' columns map onto the canonical "
              "tables: canonical, olist, or one defined in the configuration.")
@click.option("--orders", type=click.Path(dir_okay=False), callback=_existing_path,
              help="Orders export (CSV, XLSX or Parquet).")
@click.option("--order-lines", "order_lines", type=click.Path(dir_okay=False),
              callback=_existing_path, help="Order lines export.")
@click.option("--carrier-events", "carrier_events", type=click.Path(dir_okay=False),
              callback=_existing_path, help="Carrier tracking events export.")
@click.option("--complaints", type=click.Path(dir_okay=False), callback=_existing_path,
              help="Customer complaints export.")
@click.option("--refunds", type=click.Path(dir_okay=False), callback=_existing_path,
              help="Refunds export.")
@click.option("--disruptions", type=click.Path(dir_okay=False), callback=_existing_path,
              help="Disruptions (typhoon, outage...) whose exceptions are force majeure.")
@run_options
@_report_errors
def run(folder, profile, **options) -> None:
    """Audit the exports in FOLDER, or the files given one by one."""
    from audit.app import run_command

    given = {name: options.pop(name) for name in FILE_OPTIONS}
    files = {name: path for name, path in given.items() if path is not None}
    if folder is None and not files:
        raise UsageError(
            "no input given",
            fix="Name a folder of exports, or give at least --orders FILE.",
        )
    run_command(folder=folder, files=files, profile=profile,
                command_line=_command_line(), **options)


@main.command()
@click.option("--orders", "order_count", type=click.IntRange(min=100), default=2000,
              show_default=True, help="Number of synthetic orders to generate.")
@click.option("--seed", type=int, default=7, show_default=True,
              help="Random seed; the same seed writes the same files.")
@click.option("--data-only", is_flag=True,
              help="Write the synthetic exports only; do not run the audit.")
@click.option("--format", "file_format", type=click.Choice(["csv", "parquet"]),
              default="csv", show_default=True, help="File format of the exports.")
@run_options
@_report_errors
def demo(order_count, seed, data_only, file_format, **options) -> None:
    """Write synthetic exports (planted exceptions included) and audit them."""
    from audit.app import demo_command

    demo_command(order_count=order_count, seed=seed, data_only=data_only,
                 file_format=file_format, command_line=_command_line(), **options)


@main.command()
@click.option("--path", "target", type=click.Path(dir_okay=False),
              default="order-audit.toml", show_default=True,
              help="Where to write the configuration.")
@click.option("--from", "from_file", type=click.Path(dir_okay=False),
              callback=_existing_path,
              help="Draft a profile from this export's header row.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@_report_errors
def init(target, from_file, force) -> None:
    """Write a commented configuration with every default."""
    from audit.app import init_command

    init_command(Path(target), from_file, force)


@main.command()
@click.argument("rule_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of objects.")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False),
              callback=_existing_dirs, help="Folder of your own rule files to include.")
@_report_errors
def rules(rule_id, as_json, rules_dirs) -> None:
    """List the rules, or show RULE_ID in full."""
    from audit.app import rules_command

    rules_command(rule_id, as_json, rules_dirs)


def _command_line() -> str:
    return " ".join(shlex.quote(part) for part in ["order-audit", *sys.argv[1:]])


if __name__ == "__main__":
    main()

"""Statistics of the monthly review pack: one SQL file per output table.

Each file in ``queries/reports`` starts with a header of ``-- key: value`` lines
for id, title and description, then contains one SELECT. In the header, a line
starting ``--`` and two or more spaces continues the previous field. The id names
the output table and the Excel table that receives it, where the review pack
template has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from audit.errors import AuditError
from audit.resources import builtin_dir

REQUIRED_FIELDS = ["id", "title", "description"]

# Parameters a report may reference as $name; compute_reports binds only the
# ones each SQL file uses, because DuckDB rejects parameters a query lacks.
REPORT_PARAMETERS = ["period_start", "period_end", "prev_start", "prev_end", "as_of"]

PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")

# The columns of each built-in report, in order. Where the review pack template has
# the table, they are its header columns, so a report that returns others fails.
REPORT_COLUMNS: dict[str, list[str]] = {
    "Headline": [
        "indicator", "numerator", "denominator", "value", "previous_value",
        "change", "unit", "note",
    ],
    "ByCategorySeverity": ["category", "severity", "exceptions", "per_1000_orders"],
    "ByRule": [
        "rule_id", "rule_title", "exceptions", "share", "cumulative_share",
        "vital_few",
    ],
    "ByRuleAmount": [
        "rule_id", "rule_title", "amount_at_risk", "share", "cumulative_share",
        "vital_few",
    ],
    "ByParty": [
        "responsible_party", "exceptions", "amount_at_risk", "share",
        "cumulative_share", "vital_few",
    ],
    "CarrierScorecard": [
        "carrier", "shipments", "delivered", "on_time_rate", "avg_delay_days",
        "lost_damaged", "lost_damaged_per_1000", "complaints",
        "complaints_per_1000", "rank",
    ],
    "SellerScorecard": [
        "seller_id", "orders", "exceptions", "exceptions_per_1000",
        "late_shipments", "quality_complaints", "rank",
    ],
    "ComplaintTrend": [
        "week_start", "category", "complaints", "per_1000_orders",
        "median_first_response_hours", "median_resolution_hours",
    ],
    "ComplaintMonthly": [
        "month", "category", "complaints", "per_1000_orders", "repeat_complainants",
    ],
    "OpenAgeing": ["age_band", "exceptions"],
    "ExceptionTrend": ["month", "category", "exceptions"],
    "ResponseTimes": [
        "complaint_id", "category", "first_response_hours", "resolution_hours",
    ],
}


@dataclass(frozen=True)
class Report:
    """One report file: its header fields and its SELECT."""

    id: str
    title: str
    description: str
    sql: str
    path: Path

    @property
    def parameters(self) -> set[str]:
        """Names of the ``$name`` parameters the SQL references."""
        return set(PARAMETER.findall(_strip_comments(self.sql)))


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def _parse_header(lines: list[str]) -> tuple[dict[str, str], int]:
    """Read the leading comment lines; return the fields and the body's first line."""
    fields: dict[str, str] = {}
    last: str | None = None
    for number, line in enumerate(lines):
        if not line.startswith("--"):
            return fields, number
        content = line[2:]
        if content.startswith("  ") and last is not None and content.strip():
            fields[last] = f"{fields[last]} {content.strip()}".strip()
            continue
        key, separator, value = content.strip().partition(":")
        if separator:
            last = key.strip()
            fields[last] = value.strip()
    return fields, len(lines)


def parse_report(path: Path) -> Report:
    """Read one report file; raise AuditError naming every problem in it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    fields, body_start = _parse_header(lines)
    sql = "\n".join(lines[body_start:]).strip().rstrip(";").strip()

    problems = [
        f"missing header field {name!r}" for name in REQUIRED_FIELDS
        if not fields.get(name)
    ]
    if fields.get("id") and fields["id"] != path.stem:
        problems.append(f"id {fields['id']!r} differs from the file name {path.stem!r}")
    if not sql:
        problems.append("no SELECT after the header")
    if problems:
        raise AuditError(
            f"report file {path}: " + "; ".join(problems),
            fix="Start the file with '-- id:', '-- title:' and '-- description:' "
            "lines, then one SELECT.",
        )
    return Report(fields["id"], fields["title"], fields["description"], sql, path)


def load_reports(folder: Path | None = None) -> list[Report]:
    """Parse every ``*.sql`` file of ``folder`` (the built-in reports by default)."""
    folder = folder or builtin_dir("queries") / "reports"
    return [parse_report(path) for path in sorted(folder.glob("*.sql"))]


def _bind(report: Report, params: dict) -> dict:
    """Pick the parameters the report references; raise if one is missing."""
    missing = sorted(report.parameters - params.keys())
    if missing:
        raise AuditError(
            f"report file {report.path} references parameters that were not "
            f"given: {', '.join('$' + name for name in missing)}",
            fix=f"Use only the report parameters {', '.join(REPORT_PARAMETERS)}.",
        )
    return {name: params[name] for name in sorted(report.parameters)}


def _check_columns(report: Report, table: pa.Table) -> None:
    expected = REPORT_COLUMNS.get(report.id)
    if expected is not None and table.column_names != expected:
        raise AuditError(
            f"report file {report.path} returned the columns "
            f"{table.column_names}, expected {expected}",
            fix="The review pack template's table needs exactly these columns, "
            "in this order.",
        )


def run_report(
    con: duckdb.DuckDBPyConnection, report: Report, params: dict
) -> pa.Table:
    """Run one report's SELECT and return its rows as an Arrow table."""
    try:
        table = con.sql(report.sql, params=_bind(report, params)).to_arrow_table()
    except (duckdb.OutOfMemoryException, duckdb.InterruptException):
        raise  # not a fault of the report's SQL
    except duckdb.Error as exc:
        raise AuditError(f"report file {report.path} failed in DuckDB: {exc}") from exc
    _check_columns(report, table)
    return table


def compute_reports(
    con: duckdb.DuckDBPyConnection, params: dict, folder: Path | None = None
) -> dict[str, pa.Table]:
    """Run every report against ``con``; return the tables keyed by report id.

    ``params`` contains the TIMESTAMP values period_start, period_end (exclusive),
    prev_start and prev_end (None when the inputs do not cover the previous
    period) and as_of (the end of the as-of day).
    """
    create_report_macros(con)
    reports = load_reports(folder)
    return {report.id: run_report(con, report, params) for report in reports}


def create_report_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the table macros that several reports share (queries/reports/macros)."""
    folder = builtin_dir("queries") / "reports" / "macros"
    for path in sorted(folder.glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))

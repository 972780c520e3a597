"""The refund check: refund totals, reconciliation between exports, refund exceptions.

The SQL lives in ``queries/refunds``, one file per table. Two helper tables
come first: ``refund_reason_parties`` (who is responsible for each refund
reason) and ``refund_lines`` (the refunds the check counts, from the refunds
export or else from the orders export). The workbook's tables are SELECTs
over them, over the exports and over the register.

The values are the tool's own totals. Formulas in the refund check template
recompute them from the tables, and a check cell beside each shows whether
the spreadsheet agrees. Amounts stay DECIMAL until the workbook filler writes
them as numbers, and a spreadsheet's binary double keeps every cent of an
amount below about 10^13.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import duckdb
import pyarrow as pa

from audit.errors import AuditError, ConfigError
from audit.reports import Report, parse_report
from audit.resources import builtin_dir
from audit.rules import PARTIES

# The rules whose register rows finance reviews in the refund check. The
# refund check template has a control row for each of them.
REFUND_RULES = (
    "refund_exceeds_paid",
    "refund_duplicate",
    "refund_unpaid_order",
    "refund_late",
    "refund_without_cause",
    "cancelled_not_refunded",
)

# Values of compared_with: the refunds export is reconciled with the orders
# export's refunded_amount and with the compensation recorded on complaints.
COMPARISONS = ("orders", "complaints")

# Breakdown tables and the suffix of their defined names (tool_total_by_month).
BREAKDOWNS = {
    "RefundsByMonth": "by_month",
    "RefundsByReason": "by_reason",
    "RefundsByMethod": "by_method",
    "RefundsByParty": "by_party",
}

# The columns of each table, in order: the header of the template's table.
TABLE_COLUMNS: dict[str, list[str]] = {
    "Refunds": [
        "refund_id",
        "order_id",
        "source",
        "status",
        "requested_at",
        "approved_at",
        "refunded_at",
        "month",
        "amount",
        "reason",
        "method",
        "responsible_party",
        "party_from",
    ],
    "RefundsByMonth": ["month", "refunds", "amount"],
    "RefundsByReason": ["reason", "refunds", "amount"],
    "RefundsByMethod": ["method", "refunds", "amount"],
    "RefundsByParty": ["responsible_party", "refunds", "amount"],
    "Reconciliation": [
        "order_id",
        "compared_with",
        "status",
        "refunds",
        "refunds_amount",
        "other_amount",
        "difference",
        "refund_ids",
        "complaint_ids",
    ],
    "RefundExceptions": [
        "exception_id",
        "rule_id",
        "rule_title",
        "order_id",
        "refund_id",
        "amount_at_risk",
        "detected_at",
        "evidence",
        "severity",
    ],
}

# Helper tables, created in this order because refund_lines reads the other.
HELPER_TABLES = ("refund_reason_parties", "refund_lines")

DEFAULT_TOLERANCE = Decimal("0.01")
# A party for refunds whose reason, complaint and order name none.
UNASSIGNED = "unassigned"
SETTING_KEYS = ("tolerance", "parties")


@dataclass(frozen=True)
class RefundCheckSettings:
    """The ``[refund_check]`` section of the configuration."""

    # Largest difference between two exports' amounts for an order that still
    # counts as matched, in money units.
    tolerance: Decimal = DEFAULT_TOLERANCE
    # Refund reason (lower case) to responsible party, over the built-in list.
    parties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundCheck:
    """The tables and the defined-name values that fill the refund check."""

    tables: dict[str, pa.Table]
    values: dict[str, object]


def build_refund_check(
    con: duckdb.DuckDBPyConnection,
    parameters: dict,
    settings: RefundCheckSettings | dict | None = None,
) -> RefundCheck:
    """Compute the refund check's tables and the tool's own totals.

    ``parameters`` contains period_start and period_end (exclusive), as the
    reports receive them. ``settings`` is either parsed already or the raw
    ``[refund_check]`` table of the configuration. The register must exist.
    """
    if isinstance(settings, RefundCheckSettings):
        parsed = settings
    else:
        parsed = parse_settings(settings or {})
    bound = _query_parameters(con, parameters, parsed)
    _create_helper_tables(con, parsed, bound)
    tables = {name: _run_table(con, name, bound) for name in TABLE_COLUMNS}
    # The reconciliation totals are summed from the rows the workbook receives.
    con.register("refund_reconciliation", tables["Reconciliation"])
    values = {
        **_refund_values(con, bound),
        **_reconciliation_values(con, bound),
        **_exception_values(con, bound),
        "reconciliation_tolerance": parsed.tolerance,
    }
    return RefundCheck(tables, values)


# Settings


def parse_settings(raw: dict) -> RefundCheckSettings:
    """Validate the ``[refund_check]`` table and return its settings.

    Raises ConfigError naming the invalid key.
    """
    unknown = sorted(set(raw) - set(SETTING_KEYS))
    if unknown:
        raise ConfigError(
            f"refund_check has unknown key(s) {', '.join(unknown)}",
            fix=f"Use only {', '.join(SETTING_KEYS)}.",
        )
    tolerance = _parse_tolerance(raw.get("tolerance", str(DEFAULT_TOLERANCE)))
    return RefundCheckSettings(tolerance, _parse_parties(raw.get("parties", {})))


def _parse_tolerance(value) -> Decimal:
    # A TOML float such as 0.1 carries binary noise, so only text and integers
    # are accepted. Amounts are DECIMAL(18,2), so a cent is the finest step.
    try:
        tolerance = Decimal(value) if isinstance(value, (str, int)) else None
    except InvalidOperation:
        tolerance = None
    if tolerance is None or not tolerance.is_finite() or tolerance < 0:
        raise ConfigError(
            f"refund_check.tolerance must be an amount of zero or more, got {value!r}",
            fix='Write it as a quoted amount, such as tolerance = "0.01".',
        )
    if tolerance != tolerance.quantize(Decimal("0.01")):
        raise ConfigError(
            f"refund_check.tolerance has more than 2 decimal places: {value!r}",
            fix="Amounts are kept to the cent; round the tolerance to cents.",
        )
    return tolerance


def _parse_parties(value) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(
            "refund_check.parties must be a table of reason = party",
            fix='Write [refund_check.parties] with lines such as damaged = "carrier".',
        )
    allowed = [*PARTIES, UNASSIGNED]
    parties = {}
    for reason, party in value.items():
        if party not in allowed:
            raise ConfigError(
                f"refund_check.parties.{reason} is {party!r}, not a known party",
                fix=f"Use one of {', '.join(allowed)}.",
            )
        parties[str(reason).strip().lower()] = party
    return parties


# Running the SQL


def _query_parameters(con, parameters: dict, settings: RefundCheckSettings) -> dict:
    """Return the values that the refund check's SQL files may reference."""
    has_refunds = _exists(con, "SELECT 1 FROM refunds")
    has_orders = _exists(con, "SELECT 1 FROM orders WHERE refunded_amount <> 0")
    has_complaints = _exists(
        con, "SELECT 1 FROM complaints WHERE compensation_amount <> 0"
    )
    return {
        "period_start": parameters["period_start"],
        "period_end": parameters["period_end"],
        "tolerance": settings.tolerance,
        "rule_ids": list(REFUND_RULES),
        "has_refunds": has_refunds,
        "compare_orders": has_refunds and has_orders,
        "compare_complaints": has_refunds and has_complaints,
    }


def _exists(con, sql: str) -> bool:
    ((found,),) = con.execute(f"SELECT EXISTS ({sql})").fetchall()
    return found


def _query(name: str) -> Report:
    return parse_report(builtin_dir("queries") / "refunds" / f"{name}.sql")


def _execute(con, query: Report, sql: str, parameters: dict):
    """Run ``sql``, the query's SQL or a statement around it, with its parameters."""
    missing = sorted(query.parameters - parameters.keys())
    if missing:
        raise AuditError(
            f"refund check query {query.path} references unknown parameter(s) "
            + ", ".join("$" + name for name in missing),
            fix=f"Use only {', '.join('$' + name for name in sorted(parameters))}.",
        )
    used = {name: parameters[name] for name in sorted(query.parameters)}
    try:
        return con.sql(sql, params=used or None)
    except duckdb.Error as exc:
        raise AuditError(f"refund check query {query.path} failed: {exc}") from exc


def _create_helper_tables(con, settings: RefundCheckSettings, parameters: dict) -> None:
    for name in HELPER_TABLES:
        query = _query(name)
        sql = f'CREATE OR REPLACE TEMP TABLE "{name}" AS {query.sql}'
        _execute(con, query, sql, parameters)
        if name == "refund_reason_parties":
            _apply_party_settings(con, settings.parties)


def _apply_party_settings(con, parties: dict[str, str]) -> None:
    for reason, party in parties.items():
        con.execute("DELETE FROM refund_reason_parties WHERE reason = ?", [reason])
        con.execute("INSERT INTO refund_reason_parties VALUES (?, ?)", [reason, party])


def _run_table(con, name: str, parameters: dict) -> pa.Table:
    """Run the SQL of one workbook table and check that it returns its columns."""
    query = _query(name)
    table = _execute(con, query, query.sql, parameters).to_arrow_table()
    if table.column_names != TABLE_COLUMNS[name]:
        raise AuditError(
            f"refund check query {query.path} returned the columns "
            f"{table.column_names}, expected {TABLE_COLUMNS[name]}",
            fix="The refund check template's table needs exactly these columns.",
        )
    return table


def _rows(con, name: str, parameters: dict) -> list[dict]:
    query = _query(name)
    relation = _execute(con, query, query.sql, parameters)
    return [dict(zip(relation.columns, row)) for row in relation.fetchall()]


# The tool's own totals


def _refund_values(con, parameters: dict) -> dict[str, object]:
    """Return the totals of the period's refunds and the source they come from."""
    (totals,) = _rows(con, "refund_totals", parameters)
    values = {
        "refund_source": _source_text(con),
        "undated_refunds": totals["undated_refunds"],
        "undated_amount": totals["undated_amount"],
        "tool_count_refunds": totals["refunds"],
        "tool_total_refunds": totals["amount"],
        "tool_count_paid_refunds": totals["paid_refunds"],
        "tool_total_paid_refunds": totals["paid_amount"],
    }
    for suffix in BREAKDOWNS.values():
        values[f"tool_count_{suffix}"] = totals["refunds"]
        values[f"tool_total_{suffix}"] = totals["amount"]
    return values


def _source_text(con) -> str:
    """Return the text that names the refunds' source on the Totals sheet."""
    counts = dict(
        con.execute(
            "SELECT source, count(*) FROM refund_lines GROUP BY source"
        ).fetchall()
    )
    if "refunds export" in counts:
        return f"refunds export: {_count(counts['refunds export'], 'refund')}"
    if "orders export" in counts:
        orders = _count(counts["orders export"], "order")
        return (
            f"orders export: the refunded_amount of {orders}, "
            "because the refunds export has no rows"
        )
    return "none: neither the refunds export nor the orders export records a refund"


def _reconciliation_values(con, parameters: dict) -> dict[str, object]:
    totals = {
        row["compared_with"]: row for row in _rows(con, "reconciliation_totals", {})
    }
    values: dict[str, object] = {}
    for comparison in COMPARISONS:
        row = totals.get(comparison, {})
        for measure in ("refunds_amount", "other_amount", "difference"):
            values[f"tool_{comparison}_{measure}"] = row.get(measure, Decimal("0.00"))
        for status in ("matched", "differing", "refunds_only", "other_only"):
            values[f"tool_{comparison}_{status}"] = row.get(status, 0)
        values[f"reconciliation_{comparison}_note"] = _comparison_note(
            comparison, parameters, row
        )
    values["tool_total_difference"] = sum(
        (row["difference"] for row in totals.values()), Decimal("0.00")
    )
    return values


def _comparison_note(comparison: str, parameters: dict, row: dict) -> str:
    """Return the text that gives a comparison's number of orders, or why it is off."""
    if parameters[f"compare_{comparison}"]:
        statuses = ("matched", "differing", "refunds_only", "other_only")
        listed = sum(row.get(status, 0) for status in statuses)
        return f"compared: {_count(listed, 'order')}"
    if not parameters["has_refunds"]:
        return "not compared: the refunds export has no rows"
    if comparison == "orders":
        return "not compared: no order in the orders export has a refunded_amount"
    return "not compared: no complaint has a compensation_amount"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _exception_values(con, parameters: dict) -> dict[str, object]:
    """Return the number and amount at risk of the refund exceptions, per rule."""
    by_rule = {
        row["rule_id"]: row for row in _rows(con, "exception_totals", parameters)
    }
    values: dict[str, object] = {}
    for rule_id in REFUND_RULES:
        row = by_rule.get(rule_id, {})
        values[f"tool_count_{rule_id}"] = row.get("exceptions", 0)
        values[f"tool_total_{rule_id}"] = row.get("amount_at_risk", Decimal("0.00"))
    values["tool_count_refund_exceptions"] = sum(
        row["exceptions"] for row in by_rule.values()
    )
    values["tool_total_refund_exceptions"] = sum(
        (row["amount_at_risk"] for row in by_rule.values()), Decimal("0.00")
    )
    return values

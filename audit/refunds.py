"""Tables of the refund check: refund totals and the refund exceptions."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa

# Rules whose exceptions finance reviews in the refund check.
REFUND_CATEGORIES = ("refund", "cancellation")

REFUND_DATE = "coalesce(refunded_at, approved_at, requested_at)"


def refund_tables(con, parameters: dict) -> dict[str, pa.Table]:
    """Refunds of the period, their totals by month and reason, and exceptions."""
    window = {"period_start": parameters["period_start"],
              "period_end": parameters["period_end"]}
    in_period = (f"{REFUND_DATE} >= $period_start AND {REFUND_DATE} < $period_end")
    return {
        "Refunds": con.sql(
            "SELECT refund_id, order_id, requested_at, approved_at, refunded_at, "
            f"amount, reason, method FROM refunds WHERE {in_period} "
            f"ORDER BY {REFUND_DATE}, refund_id", params=window).to_arrow_table(),
        "RefundsByMonth": con.sql(
            f"SELECT strftime({REFUND_DATE}, '%Y-%m') AS month, count(*) AS refunds, "
            f"sum(amount) AS amount FROM refunds WHERE {in_period} "
            "GROUP BY month ORDER BY month", params=window).to_arrow_table(),
        "RefundsByReason": con.sql(
            "SELECT coalesce(reason, '(none given)') AS reason, count(*) AS refunds, "
            f"sum(amount) AS amount FROM refunds WHERE {in_period} "
            "GROUP BY 1 ORDER BY amount DESC, reason", params=window).to_arrow_table(),
        "RefundExceptions": con.sql(
            "SELECT exception_id, rule_id, rule_title, order_id, refund_id, "
            "amount_at_risk, evidence, severity FROM register "
            f"WHERE category IN {REFUND_CATEGORIES} "
            "ORDER BY rule_id, order_id, exception_id").to_arrow_table(),
    }


def refund_control_totals(tables: dict[str, pa.Table]) -> dict[str, object]:
    """The tool's own totals, which the workbook's formulas must tie out with.

    Summed as decimals from the tables the workbook receives, so a formula
    that disagrees points at the workbook, not at a rounding in the tool.
    """
    def total(name: str, column: str):
        values = tables[name].column(column).to_pylist()
        return sum((value for value in values if value is not None), Decimal("0.00"))

    return {
        "tool_total_by_month": total("RefundsByMonth", "amount"),
        "tool_total_by_reason": total("RefundsByReason", "amount"),
        "tool_total_refund_exceptions": total("RefundExceptions", "amount_at_risk"),
        "tool_total_refunds": total("Refunds", "amount"),
    }

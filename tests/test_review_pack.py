"""The review pack end to end, with every figure checked against the raw exports.

Each run goes through the command line and writes its workbooks to disk, and the
tests read them back with openpyxl. The expected figures come from plain SQL,
written here, over read_csv of the input files: never from the tool's report
queries or tables. Exception counts come from the register sheet of the same
run's exception register, because the rules have tests of their own.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from audit.charts import build_figures, chart_metadata
from audit.cli import main
from audit.config import load_config
from audit.demo import DEMO_AS_OF, MANIFEST_NAME, write_demo
from audit.labels import INDICATORS, header_labels, value_label
from audit.pipeline import RunOptions, prepare, run_rules
from audit.progress import Progress
from audit.reports import compute_reports
from audit.resources import builtin_dir

STAGES = [
    "creation", "payment", "inventory", "fulfilment", "cancellation", "refund",
    "after_sales", "complaints", "fraud",
]
# The event codes a carrier event may carry; validation rejects any other.
EVENT_CODES = [
    "picked_up", "in_transit", "out_for_delivery", "delivery_failed", "exception",
    "damaged", "lost", "returned", "delivered",
]
# Age bands of open exceptions: Headline code suffix, lowest and highest age in days.
AGE_BANDS = [("0_2", 0, 2), ("3_7", 3, 7), ("8_14", 8, 14), ("15_30", 15, 30),
             ("over_30", 31, None)]
CLOSED_STATUSES = {"closed", "resolved", "done", "cancelled", "已关闭", "已解决", "已完成"}

NO_PREVIOUS = "no comparison: the inputs do not cover the previous period"
NO_STATUS = "no comparison: the register keeps no status for the previous period"

RATE_TOLERANCE = 1e-9
CENT = Decimal("0.01")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHART_IDS = [f"chart_{number}" for number in range(1, 7)]
LATIN_LETTER = re.compile(r"[A-Za-z]")


# Raw exports as plain SQL views: orders, seller_orders, carrier_events,
# refunds and complaints, with the same columns for the demo and for Olist.


def csv(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    return f"read_csv('{quoted}', all_varchar = true, header = true)"


def demo_views(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Create the views over the demo's canonical CSV files.

    The WHERE clauses and DISTINCT drop the rows that validation rejects. These
    are an order without an id, an order whose amount is no number, the second
    copy of an order, an unknown event code and a complaint dated on a day that
    does not exist.
    """
    con.execute(f"""
        CREATE VIEW orders AS
        SELECT DISTINCT
            order_id,
            CAST(created_at AS TIMESTAMP) AS created_at,
            CAST(paid_at AS TIMESTAMP) AS paid_at,
            CAST(promised_ship_by AS TIMESTAMP) AS ship_by,
            CAST(promised_delivery_by AS TIMESTAMP) AS delivery_by,
            CAST(shipped_at AS TIMESTAMP) AS shipped_at,
            CAST(delivered_at AS TIMESTAMP) AS delivered_at,
            carrier,
            tracking_no,
            seller_id
        FROM {csv(folder / 'orders.csv')}
        WHERE order_id IS NOT NULL
            AND (order_amount IS NULL
                OR try_cast(order_amount AS DECIMAL(18, 2)) IS NOT NULL)
    """)
    con.execute(f"""
        CREATE VIEW seller_orders AS
        SELECT order_id, seller_id FROM orders WHERE seller_id IS NOT NULL
        UNION
        SELECT order_id, seller_id FROM {csv(folder / 'order_lines.csv')}
        WHERE seller_id IS NOT NULL
    """)
    con.execute(f"""
        CREATE VIEW carrier_events AS
        SELECT order_id, tracking_no, carrier, event_code
        FROM {csv(folder / 'carrier_events.csv')}
        WHERE event_code IN ({", ".join(f"'{code}'" for code in EVENT_CODES)})
    """)
    con.execute(f"""
        CREATE VIEW refunds AS
        SELECT
            order_id,
            CAST(amount AS DECIMAL(18, 2)) AS amount,
            CAST(coalesce(refunded_at, approved_at, requested_at) AS TIMESTAMP)
                AS dated_at
        FROM {csv(folder / 'refunds.csv')}
    """)
    con.execute(f"""
        CREATE VIEW complaints AS
        SELECT
            complaint_id,
            order_id,
            try_cast(created_at AS TIMESTAMP) AS created_at,
            CAST(first_response_at AS TIMESTAMP) AS first_response_at,
            CAST(resolved_at AS TIMESTAMP) AS resolved_at,
            category
        FROM {csv(folder / 'complaints.csv')}
        WHERE try_cast(created_at AS TIMESTAMP) IS NOT NULL
    """)


def olist_views(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Create the views over the Olist CSV files, mapped as the olist profile maps them.

    The ship-by time is the earliest shipping limit of the order's items, the
    hand-over to the carrier is the shipment and the estimated delivery date
    is the promise. Reviews scored 1 or 2 are the complaints, and the answer to
    the review is the first response. Olist names no carrier, records no lost
    or damaged parcel and has no refunds, so those views are empty.
    """
    items = csv(folder / "olist_order_items_dataset.csv")
    con.execute(f"""
        CREATE VIEW orders AS
        WITH limits AS (
            SELECT order_id, min(CAST(shipping_limit_date AS TIMESTAMP)) AS ship_by
            FROM {items}
            GROUP BY order_id
        )
        SELECT
            o.order_id,
            CAST(o.order_purchase_timestamp AS TIMESTAMP) AS created_at,
            CAST(o.order_approved_at AS TIMESTAMP) AS paid_at,
            limits.ship_by,
            CAST(o.order_estimated_delivery_date AS TIMESTAMP) AS delivery_by,
            CAST(o.order_delivered_carrier_date AS TIMESTAMP) AS shipped_at,
            CAST(o.order_delivered_customer_date AS TIMESTAMP) AS delivered_at,
            CAST(NULL AS VARCHAR) AS carrier,
            CAST(NULL AS VARCHAR) AS tracking_no
        FROM {csv(folder / 'olist_orders_dataset.csv')} AS o
        LEFT JOIN limits USING (order_id)
    """)
    con.execute(f"""
        CREATE VIEW seller_orders AS
        SELECT DISTINCT order_id, seller_id FROM {items}
    """)
    con.execute("""
        CREATE VIEW carrier_events AS
        SELECT CAST(NULL AS VARCHAR) AS order_id, CAST(NULL AS VARCHAR) AS tracking_no,
            CAST(NULL AS VARCHAR) AS carrier, CAST(NULL AS VARCHAR) AS event_code
        WHERE false
    """)
    con.execute("""
        CREATE VIEW refunds AS
        SELECT
            CAST(NULL AS VARCHAR) AS order_id,
            CAST(NULL AS DECIMAL(18, 2)) AS amount,
            CAST(NULL AS TIMESTAMP) AS dated_at
        WHERE false
    """)
    con.execute(f"""
        CREATE VIEW complaints AS
        SELECT
            review_id AS complaint_id,
            order_id,
            CAST(review_creation_date AS TIMESTAMP) AS created_at,
            CAST(review_answer_timestamp AS TIMESTAMP) AS first_response_at,
            CAST(NULL AS TIMESTAMP) AS resolved_at,
            'low_rating' AS category
        FROM {csv(folder / 'olist_order_reviews_dataset.csv')}
        WHERE CAST(review_score AS INTEGER) <= 2
    """)


# Expected Headline figures, by plain SQL over the views above. $start and $end
# bound the period; the end is exclusive.

CREATED = "FROM orders WHERE created_at >= $start AND created_at < $end"
SHIPPED = "FROM orders WHERE shipped_at >= $start AND shipped_at < $end"
COMPLAINED = "FROM complaints WHERE created_at >= $start AND created_at < $end"
INCIDENTS = """
    SELECT o.order_id
    FROM orders AS o
    JOIN carrier_events AS e
        ON e.order_id = o.order_id OR e.tracking_no = o.tracking_no
    WHERE e.event_code IN ('lost', 'damaged')
"""

# Each indicator's unit and the query that returns its numerator and denominator.
RATIOS = {
    "orders": ("count", f"SELECT count(*), NULL {CREATED}"),
    "on_time_shipping_rate": ("rate", f"""
        SELECT count(*) FILTER (WHERE shipped_at <= ship_by), count(ship_by)
        {SHIPPED}
    """),
    # On time means delivered on or before the promised calendar day.
    "on_time_delivery_rate": ("rate", f"""
        SELECT
            count(*) FILTER (
                WHERE CAST(delivered_at AS DATE) <= CAST(delivery_by AS DATE)),
            count(*) FILTER (WHERE delivered_at IS NOT NULL AND delivery_by IS NOT NULL)
        {SHIPPED}
    """),
    "lost_damaged_per_1000_shipments": ("per_1000", f"""
        SELECT count(*) FILTER (WHERE order_id IN ({INCIDENTS})), count(*)
        {SHIPPED}
    """),
    "refund_total": ("money", """
        SELECT coalesce(sum(amount), 0), NULL
        FROM refunds WHERE dated_at >= $start AND dated_at < $end
    """),
    "refund_rate": ("rate", f"""
        SELECT count(*) FILTER (WHERE order_id IN (SELECT order_id FROM refunds)),
            count(*)
        {CREATED}
    """),
    "complaints_per_1000_orders": (
        "per_1000", f"SELECT (SELECT count(*) {COMPLAINED}), count(*) {CREATED}",
    ),
}

# Each handling-time indicator's timestamp column and quantile. A time before
# the complaint itself is a data error and is left out.
HANDLING_TIMES = {
    "first_response_hours_median": ("first_response_at", 0.5),
    "first_response_hours_p90": ("first_response_at", 0.9),
    "resolution_hours_median": ("resolved_at", 0.5),
    "resolution_hours_p90": ("resolved_at", 0.9),
}

DATA_INDICATORS = [*RATIOS, *HANDLING_TIMES]
EXCEPTION_INDICATORS = [
    "exceptions_per_1000_orders",
    *(f"exceptions_per_1000_orders.{stage}" for stage in STAGES),
]
AGE_INDICATORS = [f"open_exceptions_age_{band}" for band, _, _ in AGE_BANDS]


@dataclass(frozen=True)
class Figure:
    """One indicator's expected numerator, denominator and value; unit as in RATIOS."""

    numerator: int | Decimal | None
    denominator: int | None
    value: float | Decimal | None
    unit: str


def ratio_value(numerator, denominator, unit: str):
    if unit in ("count", "money"):
        return numerator
    if not denominator:
        return None
    scale = 1000 if unit == "per_1000" else 1
    return scale * numerator / denominator


def expected_ratio(con, indicator: str, bounds: tuple) -> Figure:
    unit, sql = RATIOS[indicator]
    start, end = bounds
    numerator, denominator = con.execute(sql, {"start": start, "end": end}).fetchone()
    value = ratio_value(numerator, denominator, unit)
    return Figure(numerator, denominator, value, unit)


def expected_hours(con, indicator: str, bounds: tuple) -> Figure:
    column, quantile = HANDLING_TIMES[indicator]
    start, end = bounds
    count, value = con.execute(
        f"""SELECT count(*), quantile_cont(hours, {quantile}) FROM (
            SELECT epoch({column} - created_at) / 3600 AS hours {COMPLAINED}
                AND {column} >= created_at)""",
        {"start": start, "end": end},
    ).fetchone()
    return Figure(None, count, value, "hours")


def expected_figure(con, indicator: str, bounds: tuple) -> Figure:
    if indicator in RATIOS:
        figure = expected_ratio(con, indicator, bounds)
    else:
        figure = expected_hours(con, indicator, bounds)
    # With no refund in the inputs the pack leaves the refund figures empty.
    no_refunds = con.execute("SELECT count(*) = 0 FROM refunds").fetchone()[0]
    if indicator.startswith("refund_") and no_refunds:
        return Figure(figure.numerator, figure.denominator, None, figure.unit)
    return figure


def exception_figure(indicator: str, register: list[dict], orders: int) -> Figure:
    """Count the register rows of the indicator's stage, or all of them."""
    stage = indicator.partition(".")[2]
    count = sum(1 for row in register if not stage or row["category"] == stage)
    return Figure(count, orders, ratio_value(count, orders, "per_1000"), "per_1000")


def age_figure(indicator: str, register: list[dict]) -> Figure:
    """Count the open register rows whose age_days falls in the indicator's band."""
    band = indicator.removeprefix("open_exceptions_age_")
    low, high = next((low, high) for code, low, high in AGE_BANDS if code == band)
    open_rows = [row for row in register if not is_closed(row["status"])]
    count = sum(
        1 for row in open_rows
        if row["age_days"] >= low and (high is None or row["age_days"] <= high)
    )
    return Figure(count, len(open_rows), count, "count")


def is_closed(status: str | None) -> bool:
    return status is not None and status.strip().lower() in CLOSED_STATUSES


# Comparing figures read from the workbook with the expected ones.


def assert_number(actual, expected, unit: str, context: str) -> None:
    """Compare counts exactly, money to the cent and other values to 1e-9."""
    if expected is None:
        assert actual is None, context
    elif unit == "money":
        assert Decimal(str(actual)).quantize(CENT) == expected, context
    elif unit == "count":
        assert actual == expected, context
    else:
        assert actual == pytest.approx(expected, rel=0, abs=RATE_TOLERANCE), context


def assert_figure(row: dict, expected: Figure) -> None:
    name = row["indicator"]
    numerator_unit = "money" if expected.unit == "money" else "count"
    assert_number(row["numerator"], expected.numerator, numerator_unit, name)
    assert_number(row["denominator"], expected.denominator, "count", name)
    assert_number(row["value"], expected.value, expected.unit, name)


def assert_comparison(row: dict, current: Figure, previous: Figure) -> None:
    name = row["indicator"]
    assert_number(row["previous_value"], previous.value, previous.unit, name)
    if current.value is None or previous.value is None:
        assert row["change"] is None, name
    else:
        change = current.value - previous.value
        assert_number(row["change"], change, current.unit, name)


# Runs of the whole job, read back from disk.


@dataclass
class PackRun:
    """One `order-audit run`: its workbooks read back, and the raw exports as views."""

    pack: Workbook
    register: list[dict]
    raw: duckdb.DuckDBPyConnection
    period: tuple[dt.datetime, dt.datetime]
    previous: tuple[dt.datetime, dt.datetime] | None
    previous_register: list[dict] | None
    out: Path
    suffix: str
    as_of: dt.date

    def headline(self) -> dict[str, dict]:
        """Return the Headline rows keyed by indicator code."""
        codes = {texts[0]: code for code, texts in INDICATORS.items()}
        rows = table_rows(self.pack, "Headline")
        return {codes[row["indicator"]]: row for row in rows}

    def orders(self, bounds: tuple) -> int:
        return expected_ratio(self.raw, "orders", bounds).numerator


def run_cli(data: Path, out: Path, options: list[str]) -> None:
    arguments = ["run", "--quiet", "--out", str(out), *options, str(data)]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, (result.output, result.exception)


def table_rows(workbook: Workbook, name: str) -> list[dict]:
    """Return the data rows of the Excel table ``name``, keyed by header text."""
    for sheet in workbook.worksheets:
        if name in sheet.tables:
            cells = sheet[sheet.tables[name].ref]
            header = [cell.value for cell in cells[0]]
            rows = [[cell.value for cell in row] for row in cells[1:]]
            return [dict(zip(header, row)) for row in rows if any(row)]
    raise KeyError(f"no table {name!r} in the workbook")


def register_rows(path: Path) -> list[dict]:
    sheet = load_workbook(path, read_only=True)["Register"]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip(header, row)) for row in rows if row[0] is not None]


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.strptime(month, "%Y-%m")
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def previous_month(month: str) -> str:
    start, _ = month_bounds(month)
    return (start - dt.timedelta(days=1)).strftime("%Y-%m")


def first_order_at(con) -> dt.datetime:
    return con.execute("SELECT min(created_at) FROM orders").fetchone()[0]


def latest_date(con) -> dt.date:
    """Return the date of the latest recorded event: an order, payment, shipment,
    delivery, complaint, response, resolution or refund."""
    return con.execute("""
        SELECT CAST(max(moment) AS DATE) FROM (
            SELECT max(created_at) AS moment FROM orders
            UNION ALL SELECT max(paid_at) FROM orders
            UNION ALL SELECT max(shipped_at) FROM orders
            UNION ALL SELECT max(delivered_at) FROM orders
            UNION ALL SELECT max(created_at) FROM complaints
            UNION ALL SELECT max(first_response_at) FROM complaints
            UNION ALL SELECT max(resolved_at) FROM complaints
            UNION ALL SELECT max(dated_at) FROM refunds)
    """).fetchone()[0]


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


@dataclass(frozen=True)
class Case:
    """How one run is made: the data set, the month (None for the whole span)."""

    data: str
    month: str | None

    @property
    def suffix(self) -> str:
        return f"_{self.month}" if self.month else ""


CASES = {
    "demo": Case("demo", None),
    "demo-2026-03": Case("demo", "2026-03"),
    "olist": Case("olist", None),
    "olist-2018-03": Case("olist", "2018-03"),
}
MONTH_CASES = ["demo-2026-03", "olist-2018-03"]
SPAN_CASES = ["demo", "olist"]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo-data")
    write_demo(folder)
    return folder


def data_folder(request, data: str) -> Path:
    fixture = "demo_dir" if data == "demo" else "olist_dir"
    return request.getfixturevalue(fixture)


def raw_views(data: str, folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    (demo_views if data == "demo" else olist_views)(con, folder)
    return con


def as_of_for(case: Case, raw) -> dt.date:
    """Return the as-of date: the demo's fixed date, else the tool's default."""
    if case.data == "demo":
        return DEMO_AS_OF
    if case.month:
        return (month_bounds(case.month)[1] - dt.timedelta(days=1)).date()
    return latest_date(raw)


def period_of(case: Case, raw, as_of: dt.date) -> tuple:
    if case.month:
        return month_bounds(case.month)
    first = dt.datetime.combine(first_order_at(raw).date(), dt.time())
    return first, end_of(as_of)


def previous_of(case: Case, raw) -> tuple | None:
    if case.month is None:
        return None
    previous = month_bounds(previous_month(case.month))
    return previous if first_order_at(raw) < previous[1] else None


def cli_options(case: Case, month: str | None, as_of: dt.date | None) -> list[str]:
    options = ["--profile", "canonical" if case.data == "demo" else "olist"]
    if as_of is not None:
        options += ["--as-of", as_of.isoformat()]
    return options + (["--period", month] if month else [])


def run_previous_month(case: Case, folder: Path, out: Path, as_of: dt.date):
    """Run the month before, at the same as-of date; return its register rows."""
    month = previous_month(case.month)
    run_cli(folder, out / "previous", cli_options(case, month, as_of))
    return register_rows(out / "previous" / f"exception_register_{month}.xlsx")


def make_run(case: Case, folder: Path, out: Path) -> PackRun:
    raw = raw_views(case.data, folder)
    as_of = as_of_for(case, raw)
    # Olist runs leave the as-of date to the tool, so its default is tested too.
    given_as_of = as_of if case.data == "demo" else None
    run_cli(folder, out, cli_options(case, case.month, given_as_of))
    previous = previous_of(case, raw)
    previous_register = None
    if previous is not None:
        previous_register = run_previous_month(case, folder, out, as_of)
    return PackRun(
        pack=load_workbook(out / f"review_pack{case.suffix}.xlsx"),
        register=register_rows(out / f"exception_register{case.suffix}.xlsx"),
        raw=raw,
        period=period_of(case, raw, as_of),
        previous=previous,
        previous_register=previous_register,
        out=out,
        suffix=case.suffix,
        as_of=as_of,
    )


@pytest.fixture(scope="module")
def run_cache() -> dict[str, PackRun]:
    return {}


def cached_run(name: str, request, tmp_path_factory, cache: dict) -> PackRun:
    if name not in cache:
        case = CASES[name]
        folder = data_folder(request, case.data)
        cache[name] = make_run(case, folder, tmp_path_factory.mktemp(name))
    return cache[name]


@pytest.fixture(scope="module", params=list(CASES))
def pack_run(request, tmp_path_factory, run_cache) -> PackRun:
    return cached_run(request.param, request, tmp_path_factory, run_cache)


@pytest.fixture(scope="module", params=MONTH_CASES)
def month_run(request, tmp_path_factory, run_cache) -> PackRun:
    """A run of one month whose inputs cover the month before."""
    return cached_run(request.param, request, tmp_path_factory, run_cache)


@pytest.fixture(scope="module", params=SPAN_CASES)
def span_run(request, tmp_path_factory, run_cache) -> PackRun:
    """A run over the whole span of the inputs, which has no previous period."""
    return cached_run(request.param, request, tmp_path_factory, run_cache)


@pytest.fixture(scope="module")
def first_month_run(demo_dir, tmp_path_factory) -> PackRun:
    """The demo's first month, January 2026: the inputs hold no month before it."""
    case = Case("demo", "2026-01")
    return make_run(case, demo_dir, tmp_path_factory.mktemp("demo-2026-01"))


# The run framing: period, previous period and as-of date on the Overview sheet.


def overview_value(run: PackRun, name: str):
    """Return the value of the cell that the defined name ``name`` points at."""
    sheet_title, cell = next(run.pack.defined_names[name].destinations)
    return run.pack[sheet_title][cell.replace("$", "")].value


def test_review_pack_as_of_date(pack_run):
    assert overview_value(pack_run, "as_of") == pack_run.as_of.isoformat()


def test_review_pack_period_label(pack_run):
    start, end = pack_run.period
    if pack_run.suffix:
        expected = start.strftime("%Y-%m")
    else:
        last = (end - dt.timedelta(days=1)).date()
        expected = f"{start.date().isoformat()} to {last.isoformat()}"
    assert overview_value(pack_run, "period") == expected


def test_review_pack_previous_period_label(pack_run):
    expected = NO_PREVIOUS
    if pack_run.previous is not None:
        expected = pack_run.previous[0].strftime("%Y-%m")
    assert overview_value(pack_run, "previous_period") == expected


def test_raw_demo_views_drop_rejected_rows(demo_dir):
    # The views must leave out exactly the rows the manifest says are rejected.
    manifest = json.loads((demo_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    rejected = Counter(item["input"] for item in manifest["rejections"])
    con = raw_views("demo", demo_dir)
    for table in ["orders", "carrier_events", "complaints", "refunds"]:
        path = demo_dir / f"{table}.csv"
        read = con.execute(f"SELECT count(*) FROM {csv(path)}").fetchone()[0]
        kept = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert read - kept == rejected[table], table


# The Headline, indicator by indicator.


@pytest.mark.parametrize("indicator", DATA_INDICATORS)
def test_headline_matches_raw_exports(pack_run, indicator):
    row = pack_run.headline()[indicator]
    expected = expected_figure(pack_run.raw, indicator, pack_run.period)
    assert_figure(row, expected)


@pytest.mark.parametrize("indicator", EXCEPTION_INDICATORS)
def test_headline_exceptions_match_register(pack_run, indicator):
    row = pack_run.headline()[indicator]
    orders = pack_run.orders(pack_run.period)
    assert_figure(row, exception_figure(indicator, pack_run.register, orders))


@pytest.mark.parametrize("indicator", AGE_INDICATORS)
def test_headline_open_ageing_matches_register(pack_run, indicator):
    row = pack_run.headline()[indicator]
    assert_figure(row, age_figure(indicator, pack_run.register))


def test_headline_lists_every_indicator(pack_run):
    expected = DATA_INDICATORS + EXCEPTION_INDICATORS + AGE_INDICATORS
    assert sorted(pack_run.headline()) == sorted(expected)


# Comparison with the previous period.


@pytest.mark.parametrize("indicator", DATA_INDICATORS)
def test_headline_previous_matches_raw_exports(month_run, indicator):
    row = month_run.headline()[indicator]
    current = expected_figure(month_run.raw, indicator, month_run.period)
    previous = expected_figure(month_run.raw, indicator, month_run.previous)
    assert_comparison(row, current, previous)


@pytest.mark.parametrize("indicator", EXCEPTION_INDICATORS)
def test_headline_previous_exceptions_match_previous_register(month_run, indicator):
    row = month_run.headline()[indicator]
    current_orders = month_run.orders(month_run.period)
    previous_orders = month_run.orders(month_run.previous)
    current = exception_figure(indicator, month_run.register, current_orders)
    previous = exception_figure(
        indicator, month_run.previous_register, previous_orders
    )
    assert_comparison(row, current, previous)


def test_headline_previous_period_leaves_no_note(month_run):
    notes = {
        code: row["note"] for code, row in month_run.headline().items()
        if code not in AGE_INDICATORS and row["note"] is not None
    }
    assert all("no comparison" not in note for note in notes.values()), notes


@pytest.mark.parametrize("indicator", AGE_INDICATORS)
def test_headline_open_ageing_has_no_previous(month_run, indicator):
    row = month_run.headline()[indicator]
    assert row["previous_value"] is None
    assert row["change"] is None
    assert row["note"] == NO_STATUS


def test_headline_first_month_has_no_previous(first_month_run):
    for code, row in first_month_run.headline().items():
        assert row["previous_value"] is None, code
        assert row["change"] is None, code


def test_headline_first_month_says_no_comparison(first_month_run):
    for code, row in first_month_run.headline().items():
        assert row["note"].split("; ")[0] == NO_PREVIOUS, code


def test_overview_first_month_says_no_comparison(first_month_run):
    assert overview_value(first_month_run, "previous_period") == NO_PREVIOUS


def test_headline_whole_span_says_no_comparison(span_run):
    for code, row in span_run.headline().items():
        assert row["previous_value"] is None, code
        assert row["note"].split("; ")[0] == NO_PREVIOUS, code


# The scorecards' main figures.

CARRIER_FIGURES = """
    WITH event_carriers AS (
        SELECT o.order_id, min(e.carrier) AS carrier
        FROM orders AS o
        JOIN carrier_events AS e
            ON e.order_id = o.order_id OR e.tracking_no = o.tracking_no
        GROUP BY o.order_id
    )
    SELECT
        coalesce(o.carrier, e.carrier, 'unknown') AS carrier,
        count(*) AS shipments,
        count(*) FILTER (
            WHERE CAST(o.delivered_at AS DATE) <= CAST(o.delivery_by AS DATE)
        ) AS on_time,
        count(*) FILTER (
            WHERE o.delivered_at IS NOT NULL AND o.delivery_by IS NOT NULL
        ) AS with_promise
    FROM orders AS o
    LEFT JOIN event_carriers AS e USING (order_id)
    WHERE o.shipped_at >= $start AND o.shipped_at < $end
    GROUP BY 1
"""

# Each exception counts for its own seller, else for every seller of its order.
SELLER_EXCEPTIONS = """
    SELECT seller_id, count(DISTINCT exception_id) AS exceptions
    FROM (
        SELECT exception_id, seller_id FROM register_sheet WHERE seller_id IS NOT NULL
        UNION ALL
        SELECT r.exception_id, s.seller_id
        FROM register_sheet AS r
        JOIN seller_orders AS s USING (order_id)
        WHERE r.seller_id IS NULL
    )
    GROUP BY seller_id
"""


def expected_carriers(run: PackRun) -> dict[str, tuple[int, float | None]]:
    """Return each carrier's shipments and on-time rate, keyed by its label."""
    start, end = run.period
    rows = run.raw.execute(CARRIER_FIGURES, {"start": start, "end": end}).fetchall()
    return {
        value_label("carrier", carrier, "en"): (
            shipments, ratio_value(on_time, with_promise, "rate"),
        )
        for carrier, shipments, on_time, with_promise in rows
    }


def expected_seller_exceptions(run: PackRun) -> dict[str, int]:
    schema = pa.schema([(name, pa.string()) for name in
                        ["exception_id", "seller_id", "order_id"]])
    rows = [{name: row[name] for name in schema.names} for row in run.register]
    run.raw.register("register_sheet", pa.Table.from_pylist(rows, schema=schema))
    try:
        return dict(run.raw.execute(SELLER_EXCEPTIONS).fetchall())
    finally:
        run.raw.unregister("register_sheet")


def test_carrier_scorecard_lists_carriers(pack_run):
    rows = table_rows(pack_run.pack, "CarrierScorecard")
    assert sorted(row["carrier"] for row in rows) == sorted(expected_carriers(pack_run))


def test_carrier_scorecard_shipments_and_rate(pack_run):
    table = table_rows(pack_run.pack, "CarrierScorecard")
    rows = {row["carrier"]: row for row in table}
    for carrier, (shipments, rate) in expected_carriers(pack_run).items():
        assert rows[carrier]["shipments"] == shipments, carrier
        assert_number(rows[carrier]["on_time_rate"], rate, "rate", carrier)


def test_seller_scorecard_exceptions(pack_run):
    expected = expected_seller_exceptions(pack_run)
    rows = table_rows(pack_run.pack, "SellerScorecard")
    in_sheet = {row["seller_id"]: row["exceptions"] for row in rows}
    assert set(expected) <= set(in_sheet)
    for seller, exceptions in in_sheet.items():
        assert exceptions == expected.get(seller, 0), seller


# Charts: drawn beside the workbook and embedded in it.


def test_review_pack_writes_chart_files(pack_run):
    for chart_id in CHART_IDS:
        path = pack_run.out / f"charts{pack_run.suffix}" / f"{chart_id}.png"
        assert path.read_bytes().startswith(PNG_SIGNATURE), chart_id


def test_review_pack_embeds_six_charts(pack_run):
    path = pack_run.out / f"review_pack{pack_run.suffix}.xlsx"
    with zipfile.ZipFile(path) as package:
        media = [name for name in package.namelist()
                 if name.startswith("xl/media/") and name.endswith(".png")]
        signatures = [package.read(name)[:8] for name in media]
    assert len(media) == len(CHART_IDS)
    assert set(signatures) == {PNG_SIGNATURE}


# The review pack in Simplified Chinese: no English label left.

# Columns of the pack's tables whose values are labels, not codes or data.
LABEL_COLUMNS = {
    "Headline": ["indicator", "unit", "note"],
    "ByCategorySeverity": ["category", "severity"],
    "ByRule": ["rule_title"],
    "ByParty": ["responsible_party"],
    "ComplaintTrend": ["category"],
}
# The same for the run record and rejected rows, which every workbook shares.
SHARED_LABEL_COLUMNS = {"RuleVersions": ["status", "note"], "RejectedRows": ["reason"]}
# Defined names of cells that the tool fills with its own text.
TEXT_CELLS = ["title", "period", "previous_period"]
RUN_RECORD_TEXT_CELLS = ["as_of", "configuration"]
# Identifiers that stay as they are in every language.
IDENTIFIERS = re.compile(r"SHA-256|\b[a-z_]+\.[a-z_]+\b")


def latin_texts(texts) -> list[str]:
    """Return the texts that contain a Latin letter outside an identifier."""
    return [
        text for text in texts
        if isinstance(text, str) and LATIN_LETTER.search(IDENTIFIERS.sub("", text))
    ]


@pytest.fixture(scope="module", params=SPAN_CASES)
def chinese_pack(request, tmp_path_factory) -> Workbook:
    case = CASES[request.param]
    folder = data_folder(request, case.data)
    out = tmp_path_factory.mktemp(f"{request.param}-zh-CN")
    as_of = DEMO_AS_OF if case.data == "demo" else None
    run_cli(folder, out, [*cli_options(case, None, as_of), "--lang", "zh-CN"])
    return load_workbook(out / "review_pack.xlsx")


def template_captions() -> list[tuple[int, str]]:
    """Return the sheet index and cell of each template text outside a table."""
    template = load_workbook(builtin_dir("templates") / "review_pack.xlsx")
    captions = []
    for index, sheet in enumerate(template.worksheets):
        in_tables = {
            cell.coordinate
            for table in sheet.tables.values()
            for row in sheet[table.ref]
            for cell in row
        }
        captions += [
            (index, cell.coordinate)
            for row in sheet.iter_rows()
            for cell in row
            if cell.data_type == "s" and cell.coordinate not in in_tables
        ]
    return captions


def defined_value(workbook: Workbook, name: str, sheet=None):
    names = workbook.defined_names if sheet is None else sheet.defined_names
    sheet_title, cell = next(names[name].destinations)
    return workbook[sheet_title][cell.replace("$", "")].value


def test_chinese_pack_sheet_titles(chinese_pack):
    assert latin_texts(chinese_pack.sheetnames) == []


def test_chinese_pack_table_headers(chinese_pack):
    for sheet in chinese_pack.worksheets:
        for table in sheet.tables.values():
            header = [cell.value for cell in sheet[table.ref][0]]
            assert latin_texts(header) == [], table.displayName


def test_chinese_pack_captions(chinese_pack):
    captions = [
        chinese_pack.worksheets[index][cell].value
        for index, cell in template_captions()
    ]
    assert latin_texts(captions) == []


def test_chinese_pack_overview_texts(chinese_pack):
    texts = [defined_value(chinese_pack, name) for name in TEXT_CELLS]
    assert latin_texts(texts) == []


def test_chinese_pack_run_record_texts(chinese_pack):
    sheet = next(
        sheet for sheet in chinese_pack.worksheets if "RuleVersions" in sheet.tables
    )
    texts = [defined_value(chinese_pack, name, sheet) for name in RUN_RECORD_TEXT_CELLS]
    assert latin_texts(texts) == []


def label_values(workbook: Workbook, table: str, column: str) -> list:
    header = header_labels("zh-CN")[column]
    return [row[header] for row in table_rows(workbook, table)]


@pytest.mark.parametrize("table", list(LABEL_COLUMNS))
def test_chinese_pack_label_columns(chinese_pack, table):
    for column in LABEL_COLUMNS[table]:
        values = label_values(chinese_pack, table, column)
        assert latin_texts(values) == [], column


def test_chinese_pack_shared_label_columns(chinese_pack):
    for table, columns in SHARED_LABEL_COLUMNS.items():
        for column in columns:
            values = label_values(chinese_pack, table, column)
            assert latin_texts(values) == [], f"{table}.{column}"


@pytest.fixture(scope="module")
def demo_reports(demo_dir) -> dict[str, pa.Table]:
    """Return the demo's report tables, as the charts receive them."""
    config = load_config()
    config.profile = "canonical"
    config.as_of = DEMO_AS_OF
    run = prepare(RunOptions(config, folder=demo_dir), Progress(quiet=True))
    run_rules(run, Progress(quiet=True))
    reports = compute_reports(run.con, run.report_parameters)
    run.close()
    return reports


def test_chinese_charts_have_no_english(demo_reports):
    for chart_id, meta in chart_metadata(demo_reports, "zh-CN").items():
        texts = [meta["title"], meta["xlabel"], meta["ylabel"], *meta["legend"]]
        texts.append(meta["ylabel_right"])
        assert latin_texts(texts) == [], chart_id


def test_chinese_age_chart_ticks(demo_reports):
    figure = build_figures(demo_reports, "zh-CN")["chart_6"]
    ticks = [text.get_text() for text in figure.axes[0].get_xticklabels()]
    assert latin_texts(ticks) == []


# The charts drawn from the demo's own report tables.

UNIT_IN_BRACKETS = re.compile(r"\(.+\)$")


def series_count(figure) -> int:
    """Count the lines and bar groups drawn on every axes of the figure."""
    return sum(len(axes.lines) + len(axes.containers) for axes in figure.axes)


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_demo_chart_title_and_axis_units(demo_reports, chart_id):
    meta = chart_metadata(demo_reports, "en")[chart_id]
    assert meta["title"]
    assert UNIT_IN_BRACKETS.search(meta["xlabel"]), meta["xlabel"]
    assert UNIT_IN_BRACKETS.search(meta["ylabel"]), meta["ylabel"]


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_demo_chart_legend_names_each_series(demo_reports, chart_id):
    figure = build_figures(demo_reports, "en")[chart_id]
    legend = chart_metadata(demo_reports, "en")[chart_id]["legend"]
    series = series_count(figure)
    assert len(legend) == (series if series > 1 else 0)

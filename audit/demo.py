"""Synthetic exports for the demo and the tests: a baseline plus planted cases.

The baseline is drawn with NumPy from the seed: mostly clean orders with a few
percent of natural exceptions, four carriers with different transit times,
complaints and refunds. On top of it every rule gets planted cases: rows that
must fire the rule, and near misses that must not (shipped exactly at the
deadline, a rate exactly at the limit). The manifest lists both, together
with the rows that validation must reject, so a test can check a whole run.

Every value derives from the seed and fixed dates, never from the clock, so
the same seed writes byte-identical files. Timestamps are naive UTC, the
demo's business time zone.

NOTE: NumPy does not promise the same random stream from one of its versions
to the next, and DuckDB writes its version into Parquet files, so files are
identical only between runs with the same NumPy and DuckDB versions.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from audit.schema import CANONICAL, EVENT_CODES

DEMO_AS_OF = dt.date(2026, 3, 31)
DATA_START = dt.datetime(2026, 1, 1)
# The exports are taken at the end of the as-of day, so nothing later is in them.
EXPORT_MOMENT = dt.datetime.combine(DEMO_AS_OF + dt.timedelta(days=1), dt.time())
LAST_ORDER_AT = dt.datetime(2026, 3, 31, 20, 0)
FILE_FORMATS = ("csv", "parquet")
MANIFEST_NAME = "manifest.json"

HOUR = 3600
DAY = 86400
# A missing timestamp or amount in the baseline's integer arrays.
MISSING = -1

# name, share of orders, median transit hours, spread of the log transit time
CARRIERS = [
    ("SF Express", 0.30, 28, 0.35),
    ("JD Logistics", 0.20, 32, 0.40),
    ("ZTO", 0.28, 40, 0.40),
    ("YTO", 0.22, 44, 0.45),
]
REGIONS = [
    ("Guangdong", 0.18),
    ("Zhejiang", 0.14),
    ("Jiangsu", 0.12),
    ("Shanghai", 0.10),
    ("Beijing", 0.09),
    ("Shandong", 0.08),
    ("Sichuan", 0.08),
    ("Hubei", 0.07),
    ("Fujian", 0.07),
    ("Henan", 0.07),
]
SELLERS = 40
# Orders of 1,500.00 or more are flagged as key orders.
KEY_ORDER_CENTS = 150_000
STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled", "unavailable"]
CHANNELS = ["chat", "phone", "email", "app"]
COMPLAINT_CATEGORIES = [
    "quality",
    "wrong_item",
    "service",
    "late",
    "damaged",
    "not_received",
]
# Shares of the categories of complaints made for no particular incident.
RANDOM_COMPLAINTS = {
    "quality": 0.35,
    "wrong_item": 0.2,
    "service": 0.25,
    "late": 0.1,
    "damaged": 0.1,
}
# Complaints after which the customer is often refunded.
REFUNDED_COMPLAINTS = ["quality", "wrong_item", "damaged", "not_received"]
REFUND_REASONS = ["cancelled", "out_of_stock", "complaint"]
# Refund methods with their shares: most refunds go back to the way the
# customer paid.
REFUND_METHODS = {"original": 0.8, "store_credit": 0.15, "bank_transfer": 0.05}
# Carrier incidents drawn for shipped orders, with their shares.
INCIDENTS = {
    "none": 0.9555,
    "failed_once": 0.03,
    "failed_twice": 0.005,
    "lost": 0.0015,
    "returned": 0.002,
    "damaged": 0.003,
    "stalled": 0.003,
}
TYPHOON = {
    "disruption_id": "D-2026-TY01",
    "starts_at": dt.datetime(2026, 3, 10),
    "ends_at": dt.datetime(2026, 3, 13, 23, 59, 59),
    "region": "Guangdong",
    "kind": "typhoon",
}


@dataclass
class PlantedRule:
    """The keys one rule must report in the demo, and the near misses it must not."""

    # Register column that identifies the exception: order_id, complaint_id,
    # refund_id, or seller_id or customer_id for the aggregate rules.
    key: str
    expected: list[str] = field(default_factory=list)
    near_misses: list[str] = field(default_factory=list)


@dataclass
class Rejection:
    """An input row that validation must reject, numbered as the loader numbers it."""

    input: str
    file: str
    row: int
    column: str
    reason_code: str


@dataclass
class PlantedReconciliation:
    """A row that the refund check's reconciliation must show for a planted order.

    ``difference`` is the refunds export's side minus the other side, as text.
    """

    order_id: str
    compared_with: str
    status: str
    difference: str


@dataclass
class DemoManifest:
    """Contents planted in the demo data on purpose, for tests and for a reader."""

    seed: int
    order_count: int
    as_of: str
    file_format: str
    # Canonical table name to the file written for it.
    files: dict[str, str]
    rules: dict[str, PlantedRule]
    # Order ids late during the typhoon: "expected" are in its region, so their
    # exceptions are force majeure, and "not_expected" are outside it.
    force_majeure: dict[str, list[str]]
    rejections: list[Rejection]
    # Planted orders whose refunds the exports record differently.
    reconciliation: list[PlantedReconciliation]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


def write_demo(
    folder: Path, *, order_count: int = 2000, seed: int = 7, file_format: str = "csv"
) -> DemoManifest:
    """Write the demo exports and ``manifest.json`` into ``folder``.

    ``order_count`` is the size of the baseline, and the planted cases come on
    top of it. ``file_format`` is "csv" or "parquet". Returns the manifest
    that was written.
    """
    if file_format not in FILE_FORMATS:
        raise ValueError(
            f"file_format must be one of {FILE_FORMATS}, got {file_format!r}"
        )
    if order_count < 1:
        raise ValueError(f"order_count must be at least 1, got {order_count}")
    folder.mkdir(parents=True, exist_ok=True)
    _remove_old_exports(folder)

    planter = Planter()
    plant_all(planter)
    with duckdb.connect() as con:
        # The files keep the order of the drawn arrays only while DuckDB
        # preserves insertion order.
        con.execute("SET preserve_insertion_order = true")
        _register_baseline(con, np.random.default_rng(seed), order_count)
        files, row_counts = _write_tables(con, planter, folder, file_format)

    manifest = DemoManifest(
        seed=seed,
        order_count=order_count,
        as_of=DEMO_AS_OF.isoformat(),
        file_format=file_format,
        files=files,
        rules={rule_id: PlantedRule(**case) for rule_id, case in planter.cases.items()},
        force_majeure=planter.force_majeure,
        rejections=_rejections(planter, files, row_counts),
        reconciliation=[
            PlantedReconciliation(**case) for case in planter.reconciliation
        ],
    )
    (folder / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def _remove_old_exports(folder: Path) -> None:
    # The canonical profile takes the first file name it finds per input, so
    # a stale CSV would shadow a new Parquet file.
    for table in CANONICAL:
        for suffix in FILE_FORMATS:
            (folder / f"{table}.{suffix}").unlink(missing_ok=True)


# Baseline: NumPy arrays of epoch seconds, cents and codes, one per column.


def _epoch(moment: dt.datetime) -> int:
    return calendar.timegm(moment.timetuple())


def _cut_at_export(times: np.ndarray) -> np.ndarray:
    """Drop the moments after the export was taken: they have not happened yet."""
    return np.where(times >= _epoch(EXPORT_MOMENT), MISSING, times)


def _shares(pairs) -> np.ndarray:
    values = np.array([pair[1] for pair in pairs], dtype=float)
    return values / values.sum()


def _draw_orders(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Draw who ordered what, when and where; amounts come from the lines."""
    customers = max(20, n // 3)
    customer = rng.integers(0, customers, n)
    customer_region = rng.choice(len(REGIONS), customers, p=_shares(REGIONS))
    seller_weights = 1.0 / (np.arange(SELLERS) + 5)
    address_state = rng.choice(3, n, p=[0.997, 0.002, 0.001])  # ok, none, "unknown"
    return {
        "order_no": np.arange(1, n + 1),
        "created": np.sort(rng.integers(_epoch(DATA_START), _epoch(LAST_ORDER_AT), n)),
        "customer": customer,
        "region": customer_region[customer],
        "seller": rng.choice(SELLERS, n, p=seller_weights / seller_weights.sum()),
        "carrier": rng.choice(len(CARRIERS), n, p=_shares(CARRIERS)),
        "address_state": address_state,
    }


def _draw_lines(rng: np.random.Generator, orders: dict) -> dict[str, np.ndarray]:
    """Draw 1 to 3 lines per order from the seller's own SKUs; set the order amount."""
    n = len(orders["order_no"])
    count = 1 + rng.binomial(2, 0.2, n)
    order_index = np.repeat(np.arange(n), count)
    first_line = np.repeat(np.cumsum(count) - count, count)
    total = len(order_index)

    skus = max(SELLERS * 5, min(5000, n // 50))
    base_price = np.maximum(100, np.round(np.exp(rng.normal(4.0, 0.8, skus)) * 100))
    sku = orders["seller"][order_index] + SELLERS * rng.integers(
        0, skus // SELLERS, total
    )
    factor = np.where(rng.random(total) < 0.08, rng.uniform(0.8, 0.95, total), 1.0)
    # A few prices typed with a digit too many: natural SKU price outliers.
    factor = np.where(rng.random(total) < 0.0003, 10.0, factor)
    price = np.round(base_price[sku] * factor).astype(np.int64)
    quantity = 1 + rng.binomial(2, 0.15, total)

    orders["amount"] = np.bincount(
        order_index, weights=price * quantity, minlength=n
    ).astype(np.int64)
    return {
        "order_index": order_index,
        "line_no": np.arange(total) - first_line + 1,
        "sku": sku,
        "quantity": quantity,
        "price": price,
    }


def _draw_payment(rng: np.random.Generator, orders: dict) -> None:
    """Pay most orders within minutes; cancel unpaid ones at the 30-minute timeout."""
    n = len(orders["created"])
    created = orders["created"]
    unpaid = rng.random(n) < 0.03
    orders["paid"] = np.where(unpaid, MISSING, created + rng.integers(60, 1200, n))
    paid_cents = np.where(unpaid, MISSING, orders["amount"])
    mismatch = ~unpaid & (rng.random(n) < 0.002)
    shortfall = rng.integers(1, 500, mismatch.sum())
    paid_cents[mismatch] = np.maximum(0, paid_cents[mismatch] - shortfall)
    orders["paid_cents"] = paid_cents
    # Most unpaid orders are closed by the automatic timeout; a few stay open.
    timed_out = unpaid & (rng.random(n) < 0.9)
    orders["cancelled"] = np.where(timed_out, created + 30 * 60, MISSING)
    orders["cancel_requested"] = np.full(n, MISSING)


def _draw_fulfilment(rng: np.random.Generator, orders: dict) -> None:
    """Cancel a few paid orders, ship the rest, and draw each carrier's transit time."""
    n = len(orders["created"])
    paid = orders["paid"]
    is_paid = paid != MISSING
    delay = (rng.gamma(2.0, 8.0, n) * HOUR).astype(np.int64) + 600
    by_customer = is_paid & (rng.random(n) < 0.02)
    stock_out = is_paid & ~by_customer & (rng.random(n) < 0.005)

    # Customers request the cancellation before the order ships, and a few
    # requests wait more than a day to be processed.
    request = paid + (delay * rng.uniform(0.1, 0.9, n)).astype(np.int64)
    processing = np.where(
        rng.random(n) < 0.05,
        rng.integers(25 * HOUR, 60 * HOUR, n),
        rng.integers(300, 6 * HOUR, n),
    )
    orders["cancel_requested"] = np.where(by_customer, request, MISSING)
    orders["cancelled"] = np.where(
        by_customer, request + processing, orders["cancelled"]
    )
    out_at = paid + rng.integers(2 * HOUR, 30 * HOUR, n)
    orders["cancelled"] = np.where(stock_out, out_at, orders["cancelled"])
    orders["stock_out"] = stock_out

    forgotten = rng.random(n) < 0.003
    ships = is_paid & ~by_customer & ~stock_out & ~forgotten
    orders["ship_by"] = np.where(is_paid, paid + 48 * HOUR, MISSING)
    orders["promised_delivery"] = np.where(is_paid, paid + (48 + 72) * HOUR, MISSING)
    orders["shipped"] = np.where(ships, paid + delay, MISSING)
    median = np.array([carrier[2] for carrier in CARRIERS])[orders["carrier"]]
    spread = np.array([carrier[3] for carrier in CARRIERS])[orders["carrier"]]
    transit = median * np.exp(spread * rng.standard_normal(n)) * HOUR
    orders["transit"] = transit.astype(np.int64)


def _draw_incidents(rng: np.random.Generator, orders: dict) -> None:
    """Give a few shipped parcels a failed attempt, a loss, a return or damage."""
    n = len(orders["created"])
    shipped = orders["shipped"]
    names = list(INCIDENTS)
    incident = rng.choice(len(names), n, p=list(INCIDENTS.values()))
    incident[shipped == MISSING] = 0
    failures = np.select(
        [
            incident == names.index("failed_once"),
            incident == names.index("failed_twice"),
        ],
        [1, 2],
        0,
    )
    delivered = shipped + orders["transit"] + failures * DAY
    undelivered = np.isin(
        incident, [names.index(name) for name in ("lost", "returned", "stalled")]
    )
    delivered = np.where((shipped == MISSING) | undelivered, MISSING, delivered)

    # The typhoon holds up deliveries in its region by two days.
    typhoon_region = [name for name, _ in REGIONS].index(TYPHOON["region"])
    start = _epoch(TYPHOON["starts_at"])
    end = _epoch(TYPHOON["ends_at"]) + 2 * DAY
    delayed = (
        (orders["region"] == typhoon_region) & (delivered >= start) & (delivered < end)
    )
    orders["delivered"] = np.where(delayed, delivered + 2 * DAY, delivered)
    orders["incident"] = incident


def _finish_orders(orders: dict) -> None:
    """Apply the export moment and derive each order's status from what remains."""
    for name in ("paid", "cancel_requested", "cancelled", "shipped", "delivered"):
        orders[name] = _cut_at_export(orders[name])
    orders["incident"][orders["shipped"] == MISSING] = 0
    cancelled = orders["cancelled"] != MISSING
    orders["status"] = np.select(
        [
            cancelled & orders["stock_out"],
            cancelled,
            orders["delivered"] != MISSING,
            orders["shipped"] != MISSING,
            orders["paid"] != MISSING,
        ],
        [5, 4, 3, 2, 1],
        0,
    )


def _scan_parts(orders: dict) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """Return (which orders, when, event code) for each kind of carrier scan."""
    shipped, transit = orders["shipped"], orders["transit"]
    delivered = orders["delivered"]
    arrival = shipped + transit
    halfway = shipped + transit // 2
    is_shipped = shipped != MISSING
    is_delivered = delivered != MISSING

    def had(*incidents: str) -> np.ndarray:
        codes = [list(INCIDENTS).index(name) for name in incidents]
        return is_shipped & np.isin(orders["incident"], codes)

    return [
        (is_shipped, shipped, "picked_up"),
        (is_shipped, shipped + (transit * 0.4).astype(np.int64), "in_transit"),
        (had("failed_once", "failed_twice", "returned"), arrival, "delivery_failed"),
        (had("failed_twice"), arrival + DAY, "delivery_failed"),
        (had("returned"), arrival + 3 * DAY, "returned"),
        (had("lost"), halfway, "lost"),
        (had("damaged"), halfway, "damaged"),
        (is_delivered, delivered - 2 * HOUR, "out_for_delivery"),
        (is_delivered, delivered, "delivered"),
    ]


def _draw_events(orders: dict) -> dict[str, np.ndarray]:
    """Build the carrier scans of every shipped parcel, ordered by order and time."""
    parts = _scan_parts(orders)
    index = np.concatenate([np.nonzero(mask)[0] for mask, _, _ in parts])
    times = np.concatenate([when[mask] for mask, when, _ in parts])
    codes = np.concatenate(
        [np.full(mask.sum(), EVENT_CODES.index(code)) for mask, _, code in parts]
    )

    keep = times < _epoch(EXPORT_MOMENT)
    index, times, codes = index[keep], times[keep], codes[keep]
    order = np.lexsort((times, index))
    return {"order_index": index[order], "event": times[order], "code": codes[order]}


def _draw_complaints(rng: np.random.Generator, orders: dict) -> dict[str, np.ndarray]:
    """Draw complaints about damage, lost parcels and late deliveries, and some others."""
    n = len(orders["created"])
    names = list(INCIDENTS)
    incident, delivered = orders["incident"], orders["delivered"]
    is_delivered = delivered != MISSING
    late = is_delivered & (delivered // DAY > orders["promised_delivery"] // DAY)
    category = np.full(n, -1)
    pick = rng.random(n)
    random_category = np.array(
        [COMPLAINT_CATEGORIES.index(name) for name in RANDOM_COMPLAINTS]
    )
    drawn = rng.choice(random_category, n, p=list(RANDOM_COMPLAINTS.values()))
    # About one delivered order in twenty draws a complaint of its own, so a
    # million orders bring some 50,000 complaints, as at a large shop.
    chosen = is_delivered & (pick < 0.05)
    category[chosen] = drawn[chosen]
    category[late & (pick < 0.3)] = COMPLAINT_CATEGORIES.index("late")
    lost = np.isin(incident, [names.index("lost"), names.index("returned")])
    category[lost & (pick < 0.8)] = COMPLAINT_CATEGORIES.index("not_received")
    damaged = (incident == names.index("damaged")) & is_delivered
    category[damaged & (pick < 0.7)] = COMPLAINT_CATEGORIES.index("damaged")

    index = np.nonzero(category >= 0)[0]
    base = np.where(is_delivered, delivered, orders["shipped"] + orders["transit"])[
        index
    ]
    created = base + rng.integers(2 * HOUR, 7 * DAY, len(index))
    keep = created < _epoch(EXPORT_MOMENT)
    index, created = index[keep], created[keep]
    return _complaint_handling(rng, orders, index, created, category[index])


def _complaint_handling(rng, orders, index, created, category) -> dict[str, np.ndarray]:
    """Draw the response, resolution, score and compensation of each complaint."""
    count = len(index)
    first_response = created + (4 * HOUR * np.exp(rng.normal(0, 1.0, count))).astype(
        np.int64
    )
    resolved = created + rng.integers(12 * HOUR, 6 * DAY + 12 * HOUR, count)
    resolved = np.where(
        rng.random(count) < 0.04, resolved + rng.integers(7 * DAY, 12 * DAY), resolved
    )
    resolved = _cut_at_export(np.where(rng.random(count) < 0.03, MISSING, resolved))
    score = np.where(
        resolved != MISSING,
        rng.choice(5, count, p=[0.05, 0.08, 0.2, 0.37, 0.3]) + 1,
        MISSING,
    )
    return {
        "order_index": index,
        "created": created,
        "first_response": _cut_at_export(first_response),
        "resolved": resolved,
        "category": category,
        "channel": rng.integers(0, len(CHANNELS), count),
        "score": score,
        # Set by _draw_refunds, because compensation is paid as a refund.
        "compensation": np.full(count, MISSING),
    }


def _draw_refunds(
    rng: np.random.Generator, orders: dict, complaints: dict
) -> dict[str, np.ndarray]:
    """Refund cancelled paid orders and many complaints about a parcel.

    The refund of a complaint is also recorded as the complaint's compensation.
    """
    paid_cents = orders["paid_cents"]
    cancelled = (orders["cancelled"] != MISSING) & (paid_cents > 0)
    cancel_index = np.nonzero(cancelled)[0]
    reason = np.where(
        orders["stock_out"][cancel_index],
        REFUND_REASONS.index("out_of_stock"),
        REFUND_REASONS.index("cancelled"),
    )

    refundable = np.isin(
        complaints["category"],
        [COMPLAINT_CATEGORIES.index(name) for name in REFUNDED_COMPLAINTS],
    )
    chosen = refundable & (rng.random(len(refundable)) < 0.6)
    complaint_index = complaints["order_index"][chosen]
    partial = rng.random(len(complaint_index)) < 0.3
    complaint_amount = np.where(
        partial, paid_cents[complaint_index] * 3 // 10, paid_cents[complaint_index]
    )

    index = np.concatenate([cancel_index, complaint_index])
    requested = np.concatenate(
        [
            orders["cancelled"][cancel_index],
            complaints["created"][chosen]
            + rng.integers(HOUR, 20 * HOUR, len(complaint_index)),
        ]
    )
    amount = np.concatenate([paid_cents[cancel_index], complaint_amount])
    reason = np.concatenate(
        [reason, np.full(len(complaint_index), REFUND_REASONS.index("complaint"))]
    )
    keep = (requested < _epoch(EXPORT_MOMENT)) & (amount > 0)
    # Customer service records the refund of a complaint as its compensation.
    refunded = keep[len(cancel_index) :]
    compensated = np.nonzero(chosen)[0][refunded]
    complaints["compensation"][compensated] = complaint_amount[refunded]
    return _refund_payment(
        rng, index[keep], requested[keep], amount[keep], reason[keep]
    )


def _refund_payment(rng, index, requested, amount, reason) -> dict[str, np.ndarray]:
    """Approve and pay each refund; a few are paid late and a few entered twice."""
    count = len(index)
    approved = requested + rng.integers(HOUR // 5, 4 * HOUR, count)
    delay = np.where(
        rng.random(count) < 0.02,
        rng.integers(80 * HOUR, 150 * HOUR, count),
        rng.integers(HOUR, 40 * HOUR, count),
    )
    refunds = {
        "order_index": index,
        "requested": requested,
        "approved": approved,
        "refunded": approved + delay,
        "amount": amount,
        "reason": reason,
    }
    twice = rng.random(count) < 0.002
    for name, values in refunds.items():
        copy = values[twice] + (
            DAY if name in ("requested", "approved", "refunded") else 0
        )
        refunds[name] = np.concatenate([values, copy])
    keep = refunds["requested"] < _epoch(EXPORT_MOMENT)
    refunds = {name: values[keep] for name, values in refunds.items()}
    refunds["approved"] = _cut_at_export(refunds["approved"])
    refunds["refunded"] = _cut_at_export(refunds["refunded"])

    # Drawn after every other value, so the methods do not shift their draws.
    shares = list(REFUND_METHODS.values())
    refunds["method"] = rng.choice(len(shares), len(refunds["amount"]), p=shares)
    return refunds


def _record_refunds_on_orders(orders: dict, refunds: dict) -> None:
    """Record on each order the total and the time of its paid refunds.

    The order system learns of a refund when it is paid, so refunds still
    waiting for payment at the export are missing from the orders export.
    """
    n = len(orders["created"])
    paid = refunds["refunded"] != MISSING
    index = refunds["order_index"][paid]
    total = np.zeros(n, dtype=np.int64)
    np.add.at(total, index, refunds["amount"][paid])
    latest = np.full(n, MISSING)
    np.maximum.at(latest, index, refunds["refunded"][paid])
    orders["refunded_cents"] = np.where(latest == MISSING, MISSING, total)
    orders["refunded"] = latest


def _arrow(columns: dict[str, np.ndarray]) -> pa.Table:
    """Turn arrays into an Arrow table, with MISSING in integer columns as null."""
    arrays = {}
    for name, values in columns.items():
        mask = values == MISSING if values.dtype.kind == "i" else None
        arrays[name] = pa.array(values, mask=mask)
    return pa.table(arrays)


def _register_baseline(con, rng: np.random.Generator, n: int) -> None:
    """Draw the baseline and register its arrays with DuckDB as ``draw_*`` tables."""
    orders = _draw_orders(rng, n)
    lines = _draw_lines(rng, orders)
    _draw_payment(rng, orders)
    _draw_fulfilment(rng, orders)
    _draw_incidents(rng, orders)
    _finish_orders(orders)
    events = _draw_events(orders)
    complaints = _draw_complaints(rng, orders)
    refunds = _draw_refunds(rng, orders, complaints)
    _record_refunds_on_orders(orders, refunds)

    # Each table carries the order columns its text needs, prefixed "o_".
    order_fields = {
        "lines": (lines, ("order_no", "seller", "ship_by")),
        "events": (events, ("order_no", "carrier", "shipped", "region")),
        "complaints": (complaints, ("order_no", "customer")),
        "refunds": (refunds, ("order_no",)),
    }
    for table, (columns, fields) in order_fields.items():
        for name in fields:
            columns[f"o_{name}"] = orders[name][columns["order_index"]]
        con.register(f"draw_{table}", _arrow(columns))
    con.register(
        "draw_orders", _arrow({k: v for k, v in orders.items() if k != "stock_out"})
    )


# SQL that formats the drawn arrays as export text.


def _text(moment: str) -> str:
    return f"strftime(make_timestamp({moment} * 1000000), '%Y-%m-%d %H:%M:%S')"


def _money(cents: str) -> str:
    return f"CAST(CAST({cents} AS DECIMAL(18, 0)) / 100 AS DECIMAL(18, 2))::VARCHAR"


def _pick(names: list[str], code: str) -> str:
    literal = ", ".join("'" + name.replace("'", "''") + "'" for name in names)
    return f"[{literal}][{code} + 1]"


def _order_id(number: str) -> str:
    return f"lpad(CAST({number} AS VARCHAR), 8, '0')"


def _tracking_no(number: str, carrier: str, shipped: str) -> str:
    """Return SQL for a tracking number in the style of each carrier of CARRIERS.

    ZTO's has 18 digits, the length that spreadsheets round when they read it
    as a number.
    """
    return f"""CASE WHEN {shipped} IS NULL THEN NULL
        WHEN {carrier} = 0 THEN 'SF' || lpad(CAST({number} AS VARCHAR), 13, '0')
        WHEN {carrier} = 1 THEN 'JDX' || lpad(CAST({number} AS VARCHAR), 12, '0')
        WHEN {carrier} = 2 THEN CAST(730000000000000000 + {number} * 7 AS VARCHAR)
        ELSE 'YT' || lpad(CAST({number} * 3 AS VARCHAR), 16, '0') END"""


def _orders_sql() -> str:
    carriers = [carrier[0] for carrier in CARRIERS]
    regions = [region[0] for region in REGIONS]
    return f"""SELECT {_order_id("order_no")} AS order_id,
        'C' || lpad(CAST(customer AS VARCHAR), 7, '0') AS customer_id,
        {_text("created")} AS created_at, {_text("paid")} AS paid_at,
        {_pick(STATUSES, "status")} AS order_status,
        {_money("amount")} AS order_amount, {_money("paid_cents")} AS paid_amount,
        'CNY' AS currency, {_text("ship_by")} AS promised_ship_by,
        {_text("promised_delivery")} AS promised_delivery_by,
        {_text("shipped")} AS shipped_at, {_text("delivered")} AS delivered_at,
        {_text("cancel_requested")} AS cancel_requested_at,
        {_text("cancelled")} AS cancelled_at,
        {_pick(carriers, "carrier")} AS carrier,
        {_tracking_no("order_no", "carrier", "shipped")} AS tracking_no,
        'S' || lpad(CAST(seller + 1 AS VARCHAR), 3, '0') AS seller_id,
        'W0' || CAST(region % 5 + 1 AS VARCHAR) AS warehouse_id,
        {_pick(regions, "region")} AS ship_region,
        CASE address_state WHEN 1 THEN NULL WHEN 2 THEN 'unknown'
             ELSE 'ADDR-' || lpad(CAST(customer AS VARCHAR), 7, '0') END
            AS ship_address_key,
        CASE WHEN amount >= {KEY_ORDER_CENTS} THEN 'true' ELSE 'false' END
            AS is_key_order,
        {_money("refunded_cents")} AS refunded_amount,
        {_text("refunded")} AS refunded_at
        FROM draw_orders"""


def _lines_sql() -> str:
    return f"""SELECT {_order_id("o_order_no")} AS order_id,
        CAST(line_no AS VARCHAR) AS line_no,
        lpad(CAST(sku + 1 AS VARCHAR), 5, '0') AS sku,
        CAST(quantity AS VARCHAR) AS quantity, {_money("price")} AS unit_price,
        'S' || lpad(CAST(o_seller + 1 AS VARCHAR), 3, '0') AS seller_id,
        {_text("o_ship_by")} AS ship_by
        FROM draw_lines"""


def _events_sql() -> str:
    carriers = [carrier[0] for carrier in CARRIERS]
    regions = [region[0] for region in REGIONS]
    return f"""SELECT
        {_tracking_no("o_order_no", "o_carrier", "o_shipped")} AS tracking_no,
        CAST(NULL AS VARCHAR) AS order_id,
        {_pick(carriers, "o_carrier")} AS carrier, {_text("event")} AS event_at,
        {_pick(EVENT_CODES, "code")} AS event_code,
        {_pick(regions, "o_region")} AS location, CAST(NULL AS VARCHAR) AS detail
        FROM draw_events"""


def _complaints_sql() -> str:
    return f"""SELECT 'K' || lpad(CAST(row_number() OVER (
            ORDER BY created, o_order_no) AS VARCHAR), 8, '0') AS complaint_id,
        {_order_id("o_order_no")} AS order_id,
        'C' || lpad(CAST(o_customer AS VARCHAR), 7, '0') AS customer_id,
        {_text("created")} AS created_at, {_pick(CHANNELS, "channel")} AS channel,
        {_pick(COMPLAINT_CATEGORIES, "category")} AS category,
        {_text("first_response")} AS first_response_at,
        {_text("resolved")} AS resolved_at,
        CASE WHEN resolved IS NULL THEN 'open' ELSE 'resolved' END AS status,
        {_money("compensation")} AS compensation_amount,
        CAST(score AS VARCHAR) AS satisfaction_score, CAST(NULL AS VARCHAR) AS text
        FROM draw_complaints ORDER BY created, o_order_no"""


def _refunds_sql() -> str:
    return f"""SELECT 'RF' || lpad(CAST(row_number() OVER (
            ORDER BY requested, o_order_no, reason, amount) AS VARCHAR), 8, '0')
            AS refund_id,
        {_order_id("o_order_no")} AS order_id, {_text("requested")} AS requested_at,
        {_text("approved")} AS approved_at, {_text("refunded")} AS refunded_at,
        {_money("amount")} AS amount, {_pick(REFUND_REASONS, "reason")} AS reason,
        {_pick(list(REFUND_METHODS), "method")} AS method
        FROM draw_refunds ORDER BY requested, o_order_no, reason, amount"""


def _baseline_sql() -> dict[str, str]:
    """Return, per canonical table, the SELECT that formats its drawn rows as text.

    The drawn arrays are already in file order, and a SELECT without ORDER BY
    keeps that order because DuckDB preserves insertion order by default.
    """
    return {
        "orders": _orders_sql(),
        "order_lines": _lines_sql(),
        "carrier_events": _events_sql(),
        "complaints": _complaints_sql(),
        "refunds": _refunds_sql(),
        "disruptions": """SELECT CAST(NULL AS VARCHAR) AS disruption_id,
            CAST(NULL AS VARCHAR) AS starts_at, CAST(NULL AS VARCHAR) AS ends_at,
            CAST(NULL AS VARCHAR) AS region, CAST(NULL AS VARCHAR) AS kind
            WHERE false""",
    }


# Writing: the baseline, then the planted rows, in canonical column order.


def _write_tables(
    con, planter: Planter, folder: Path, file_format: str
) -> tuple[dict[str, str], dict[str, int]]:
    """Write each table, baseline rows then planted rows.

    Returns the file name and the number of data rows of each table. One table
    at a time is formatted as text, so the peak memory is that of the largest
    table (the carrier events), not of all of them.
    """
    files, row_counts = {}, {}
    for table, sql in _baseline_sql().items():
        names = [column.name for column in CANONICAL[table]]
        con.execute(f'CREATE TABLE "{table}" AS {sql}')
        planted = planter.text_rows(table, names)
        if planted:
            arrays = {
                name: pa.array([row[name] for row in planted], pa.string())
                for name in names
            }
            con.register("planted", pa.table(arrays))
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM planted')
            con.unregister("planted")
        path = folder / f"{table}.{file_format}"
        select = ", ".join(f'CAST("{name}" AS VARCHAR) AS "{name}"' for name in names)
        options = "HEADER, DELIMITER ','" if file_format == "csv" else "FORMAT parquet"
        target = str(path).replace("'", "''")
        con.execute(
            f"COPY (SELECT {select} FROM \"{table}\") TO '{target}' ({options})"
        )
        files[table] = path.name
        row_counts[table] = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        con.execute(f'DROP TABLE "{table}"')
    return files, row_counts


def _rejections(
    planter: Planter, files: dict[str, str], row_counts: dict[str, int]
) -> list[Rejection]:
    """Number the planted bad rows as the loader does, for CSV and Parquet alike.

    The loader numbers rows as a spreadsheet shows them, with the header as
    row 1, so the first data row is row 2.
    """
    found = []
    for table, position, column, reason_code in planter.rejections:
        index = row_counts[table] - len(planter.rows[table]) + position
        found.append(Rejection(table, files[table], index + 2, column, reason_code))
    return found


# Planted cases: for every rule, rows that must fire it and near misses that
# must not. The ids name the rule, so a reader of the register can see why a
# row is there: P-<rule>-fire and P-<rule>-near.


def _at(text: str) -> dt.datetime:
    """Read 'MM-DD HH:MM' (seconds optional) as a moment of 2026."""
    return dt.datetime.fromisoformat(f"2026-{text}")


def _text_value(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


class Planter:
    """Planted rows for each canonical table, and the results they should cause."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {table: [] for table in CANONICAL}
        self.cases: dict[str, dict] = {}
        self.force_majeure: dict[str, list[str]] = {"expected": [], "not_expected": []}
        # (table, position among the table's planted rows, column, reason code)
        self.rejections: list[tuple[str, int, str, str]] = []
        self.reconciliation: list[dict] = []
        self._serial = 0

    def order(
        self,
        order_id: str,
        created: str,
        *,
        amount: str = "100.00",
        events: list[tuple] | None = None,
        lines: list[tuple] | None = None,
        **overrides,
    ) -> dict:
        """Add an order that no rule flags unless ``overrides`` change it.

        It is paid 5 minutes after creation, must ship within 48 hours and
        ships after 20, is promised for 5 days after creation and delivered
        after 3. ``events`` lists (code, moment) or (code, moment, tracking
        number) to replace the default scans; ``lines`` lists (sku, quantity,
        unit price) to replace the single line.
        """
        self._serial += 1
        row = self.order_row(order_id, _at(created), amount)
        row.update(overrides)
        if "order_status" not in overrides:
            row["order_status"] = _status(row)
        self.rows["orders"].append(row)
        self._add_lines(row, lines)
        self._add_events(row, events)
        return row

    def order_row(self, order_id: str, created_at: dt.datetime, amount: str) -> dict:
        """Return the orders row of a clean order without adding it."""
        return {
            "order_id": order_id,
            "customer_id": f"C-{order_id}",
            "created_at": created_at,
            "paid_at": created_at + dt.timedelta(minutes=5),
            "order_amount": amount,
            "paid_amount": amount,
            "currency": "CNY",
            "promised_ship_by": created_at + dt.timedelta(hours=48),
            "promised_delivery_by": created_at + dt.timedelta(days=5),
            "shipped_at": created_at + dt.timedelta(hours=20),
            "delivered_at": created_at + dt.timedelta(days=3),
            "cancel_requested_at": None,
            "cancelled_at": None,
            "carrier": "SF Express",
            "tracking_no": f"SFP{self._serial:011d}",
            "seller_id": "S-PLANT",
            "warehouse_id": "W02",
            "ship_region": "Zhejiang",
            "ship_address_key": f"ADDR-{order_id}",
            "is_key_order": False,
            "refunded_amount": None,
            "refunded_at": None,
        }

    def _add_lines(self, row: dict, lines: list[tuple] | None) -> None:
        if lines is None:
            # SKU 09001 always sells at 100.00. Any other amount gets a SKU of
            # its own, so no planted price looks like an outlier of another.
            sku = (
                "09001" if row["order_amount"] == "100.00" else f"08{self._serial:03d}"
            )
            lines = [(sku, 1, row["order_amount"])]
        for number, (sku, quantity, price) in enumerate(lines, start=1):
            self.rows["order_lines"].append(
                {
                    "order_id": row["order_id"],
                    "line_no": number,
                    "sku": sku,
                    "quantity": quantity,
                    "unit_price": price,
                    "seller_id": row["seller_id"],
                    "ship_by": row["promised_ship_by"],
                }
            )

    def _add_events(self, row: dict, events: list[tuple] | None) -> None:
        if events is None:
            events = _default_scans(row)
        for event in events:
            code, moment = event[0], event[1]
            tracking_no = event[2] if len(event) > 2 else row["tracking_no"]
            self.rows["carrier_events"].append(
                {
                    "tracking_no": tracking_no,
                    "order_id": row["order_id"],
                    "carrier": row["carrier"],
                    "event_at": moment,
                    "event_code": code,
                    "location": row["ship_region"],
                    "detail": None,
                }
            )

    def complaint(
        self, complaint_id: str, order: dict, created: str, **overrides
    ) -> dict:
        """Add a complaint with a first response after 2 hours, resolved after 2 days.

        The customer scores its handling 4 of 5.
        """
        row = self.complaint_row(complaint_id, order, _at(created)) | overrides
        self.rows["complaints"].append(row)
        return row

    def complaint_row(
        self, complaint_id: str, order: dict, created_at: dt.datetime
    ) -> dict:
        """Return the complaints row that ``complaint`` adds, without adding it."""
        return {
            "complaint_id": complaint_id,
            "order_id": order["order_id"],
            "customer_id": order["customer_id"],
            "created_at": created_at,
            "channel": "chat",
            "category": "service",
            "first_response_at": created_at + dt.timedelta(hours=2),
            "resolved_at": created_at + dt.timedelta(days=2),
            "status": "resolved",
            "compensation_amount": None,
            "satisfaction_score": 4,
            "text": None,
        }

    def refund(
        self,
        refund_id: str,
        order: dict,
        requested: str,
        *,
        amount: str = "100.00",
        on_order: bool = True,
        **overrides,
    ) -> dict:
        """Add a refund approved after 1 hour and paid after 1 day.

        Once paid, the refund is added to the order's refunded_amount and
        refunded_at, as an order system records it, unless ``on_order`` is false.
        """
        requested_at = _at(requested)
        row = {
            "refund_id": refund_id,
            "order_id": order["order_id"],
            "requested_at": requested_at,
            "approved_at": requested_at + dt.timedelta(hours=1),
            "refunded_at": requested_at + dt.timedelta(days=1),
            "amount": amount,
            "reason": None,
            "method": "original",
        }
        row.update(overrides)
        self.rows["refunds"].append(row)
        if on_order and row["refunded_at"] is not None:
            _record_on_order(order, row)
        return row

    def reject(self, table: str, row: dict, column: str, reason_code: str) -> None:
        """Add a row that validation must reject for ``reason_code`` in ``column``."""
        self.rejections.append((table, len(self.rows[table]), column, reason_code))
        self.rows[table].append(row)

    def expect_reconciliation(
        self, order: dict, compared_with: str, status: str, difference: str
    ) -> None:
        self.reconciliation.append(
            {
                "order_id": order["order_id"],
                "compared_with": compared_with,
                "status": status,
                "difference": difference,
            }
        )

    def expect(self, rule_id: str, key: str, fire: list[str], near: list[str]) -> None:
        self.cases[rule_id] = {
            "key": key,
            "expected": list(fire),
            "near_misses": list(near),
        }

    def text_rows(self, table: str, names: list[str]) -> list[dict]:
        """Return the table's planted rows as export text, one value per column."""
        return [
            {name: _text_value(row.get(name)) for name in names}
            for row in self.rows[table]
        ]


def _record_on_order(order: dict, refund: dict) -> None:
    total = Decimal(order.get("refunded_amount") or "0") + Decimal(refund["amount"])
    order["refunded_amount"] = str(total)
    moments = [order.get("refunded_at"), refund["refunded_at"]]
    order["refunded_at"] = max(moment for moment in moments if moment is not None)


def _status(row: dict) -> str:
    if row.get("cancelled_at") is not None:
        return "cancelled"
    for column, status in (
        ("delivered_at", "delivered"),
        ("shipped_at", "shipped"),
        ("paid_at", "paid"),
    ):
        if row.get(column) is not None:
            return status
    return "pending"


def _default_scans(row: dict) -> list[tuple]:
    """Pick-up at shipment, a transit scan 6 hours later, and the delivery scan."""
    shipped, delivered = row.get("shipped_at"), row.get("delivered_at")
    if shipped is None:
        return []
    scans = [("picked_up", shipped)]
    transit = shipped + dt.timedelta(hours=6)
    if delivered is None or transit < delivered:
        scans.append(("in_transit", transit))
    if delivered is not None:
        scans.append(("delivered", delivered))
    return scans


def _unshipped(**overrides) -> dict:
    return {"shipped_at": None, "delivered_at": None} | overrides


def _plant_creation(p: Planter) -> None:
    rule = "duplicate_order"
    for kind, second in (("fire", "03-02 10:10"), ("near", "03-02 10:10:01")):
        customer = f"C-P-{rule}-{kind}"
        p.order(f"P-{rule}-{kind}-first", "03-02 10:00", customer_id=customer)
        p.order(f"P-{rule}-{kind}", second, customer_id=customer)
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "shipping_info_missing"
    p.order(f"P-{rule}-fire", "03-02 10:00", ship_address_key="unknown")
    p.order(f"P-{rule}-near", "03-02 10:00", ship_address_key="A-1234")
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "nonpositive_amount"
    p.order(f"P-{rule}-fire", "03-02 10:00", amount="0.00")
    p.order(f"P-{rule}-near", "03-02 10:00", amount="0.01")
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "amount_outlier_customer"
    for kind, last in (("fire", "1000.00"), ("near", "150.00")):
        customer = f"C-P-{rule}-{kind}"
        for day, amount in enumerate(
            ["100.00", "90.00", "110.00", "95.00", "105.00"], 1
        ):
            p.order(
                f"P-{rule}-{kind}-history-{day}",
                f"03-0{day} 10:00",
                amount=amount,
                customer_id=customer,
            )
        p.order(f"P-{rule}-{kind}", "03-06 10:00", amount=last, customer_id=customer)
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "price_outlier_sku"
    for kind, sku, last in (("fire", "09002", "200.00"), ("near", "09003", "125.00")):
        prices = ["100.00", "98.00", "102.00", "100.00", "101.00"]
        for day, price in enumerate(prices, 1):
            p.order(
                f"P-{rule}-{kind}-history-{day}",
                f"03-0{day} 10:00",
                amount=price,
                lines=[(sku, 1, price)],
            )
        p.order(f"P-{rule}-{kind}", "03-06 10:00", amount=last, lines=[(sku, 1, last)])
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])


def _plant_fraud(p: Planter) -> None:
    rule = "customer_order_burst"
    for kind, last in (("fire", "11:00"), ("near", "11:01")):
        customer = f"C-P-{rule}-{kind}"
        for number, time in enumerate(["10:00", "10:15", "10:30", "10:45", last], 1):
            p.order(
                f"P-{rule}-{kind}-{number}",
                f"03-02 {time}",
                customer_id=customer,
                amount=f"{100 + number}.00",
                ship_address_key=f"ADDR-{customer}",
            )
    p.expect(rule, "customer_id", [f"C-P-{rule}-fire"], [f"C-P-{rule}-near"])

    rule = "address_shared_by_customers"
    dates = {
        "fire": ["03-01", "03-05", "03-10", "03-20"],
        "near": ["02-01", "02-10", "02-20", "03-04"],
    }
    for kind, days in dates.items():
        for number, day in enumerate(days, 1):
            p.order(
                f"P-{rule}-{kind}-{number}",
                f"{day} 10:00",
                ship_address_key=f"ADDR-SHARED-{kind.upper()}",
            )
    p.expect(
        rule,
        "order_id",
        [f"P-{rule}-fire-4"],
        [f"P-{rule}-near-{number}" for number in range(1, 5)],
    )

    rule = "customer_refund_rate"
    for kind, refunded in (("fire", 3), ("near", 2)):
        customer = f"C-P-{rule}-{kind}"
        for day in range(1, 5):
            _returned_by_customer(
                p,
                f"P-{rule}-{kind}-{day}",
                f"03-0{day} 10:00",
                customer,
                refund=day <= refunded,
            )
    p.expect(rule, "customer_id", [f"C-P-{rule}-fire"], [f"C-P-{rule}-near"])


def _returned_by_customer(
    p: Planter, order_id: str, created: str, customer: str, refund: bool
) -> None:
    """Add a delivered order; with ``refund``, its return 2 days later and a refund."""
    created_at = _at(created)
    shipped = created_at + dt.timedelta(hours=20)
    delivered = created_at + dt.timedelta(days=3)
    events = [("picked_up", shipped), ("delivered", delivered)]
    if refund:
        events.append(("returned", delivered + dt.timedelta(days=2)))
    order = p.order(
        order_id,
        created,
        customer_id=customer,
        events=events,
        ship_address_key=f"ADDR-{customer}",
    )
    if refund:
        requested = delivered + dt.timedelta(days=2, hours=2)
        p.refund(
            f"PR-{order_id}",
            order,
            requested.strftime("%m-%d %H:%M"),
            reason="returned",
        )


def _plant_payment(p: Planter) -> None:
    rule = "payment_timeout"
    p.order(
        f"P-{rule}-fire",
        "03-02 10:00",
        paid_at=_at("03-03 10:01"),
        shipped_at=_at("03-03 12:00"),
    )
    p.order(
        f"P-{rule}-near",
        "03-02 10:00",
        paid_at=None,
        paid_amount=None,
        cancelled_at=_at("03-03 10:00"),
        **_unshipped(),
    )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "shipped_before_payment"
    p.order(
        f"P-{rule}-fire",
        "03-03 05:40",
        paid_at=_at("03-03 07:00"),
        shipped_at=_at("03-03 06:00"),
    )
    p.order(
        f"P-{rule}-near",
        "03-03 05:40",
        paid_at=_at("03-03 06:00"),
        shipped_at=_at("03-03 06:00"),
    )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "paid_more_than_once"
    p.order(f"P-{rule}-fire", "03-02 10:00", paid_amount="200.00")
    p.order(f"P-{rule}-near", "03-02 10:00", paid_amount="100.00")
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "paid_amount_mismatch"
    p.order(f"P-{rule}-fire", "03-02 10:00", paid_amount="99.90")
    p.order(f"P-{rule}-near", "03-02 10:00", paid_amount="99.99")
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])


def _plant_inventory(p: Planter) -> None:
    rule = "cancelled_out_of_stock"
    fire = p.order(
        f"P-{rule}-fire",
        "03-02 10:00",
        order_status="unavailable",
        cancelled_at=_at("03-02 15:00"),
        **_unshipped(),
    )
    p.refund(f"PR-{rule}-fire", fire, "03-02 15:00", reason="out_of_stock")
    p.order(
        f"P-{rule}-near",
        "03-02 10:00",
        order_status="unavailable",
        paid_at=None,
        paid_amount=None,
        cancelled_at=_at("03-02 10:10"),
        **_unshipped(),
    )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])


def _plant_shipping(p: Planter) -> None:
    rule = "not_shipped_in_time"
    p.order(f"P-{rule}-fire", "03-02 10:00", **_unshipped())
    p.order(
        f"P-{rule}-near",
        "03-02 10:00",
        promised_ship_by=_at("03-05 10:05"),
        shipped_at=_at("03-05 10:05"),
        delivered_at=_at("03-06 10:00"),
    )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "shipped_after_ship_by"
    p.order(f"P-{rule}-fire", "03-02 10:00", shipped_at=_at("03-04 10:01"))
    p.order(f"P-{rule}-near", "03-02 10:00", shipped_at=_at("03-04 10:00"))
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "split_shipment_late"
    for kind, second in (("fire", "03-04 10:01"), ("near", "03-04 10:00")):
        second_parcel = f"SFP-{kind.upper()}-2"
        events = [
            ("picked_up", _at("03-03 06:00")),
            ("delivered", _at("03-04 10:00")),
            ("picked_up", _at(second), second_parcel),
            ("delivered", _at("03-05 10:00"), second_parcel),
        ]
        p.order(
            f"P-{rule}-{kind}",
            "03-02 10:00",
            promised_ship_by=_at("03-04 10:00"),
            delivered_at=_at("03-05 10:00"),
            events=events,
        )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "impossible_timestamps"
    for kind, delivered in (("fire", "03-03 05:00"), ("near", "03-03 06:00")):
        events = [("picked_up", _at("03-03 06:00")), ("delivered", _at(delivered))]
        p.order(
            f"P-{rule}-{kind}",
            "03-02 10:00",
            delivered_at=_at(delivered),
            events=events,
        )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])


def _plant_delivery(p: Planter) -> None:
    rule = "delivered_late"
    p.order(
        f"P-{rule}-fire",
        "03-02 10:00",
        promised_delivery_by=_at("03-06 18:00"),
        delivered_at=_at("03-07 09:00"),
    )
    p.order(
        f"P-{rule}-near",
        "03-02 10:00",
        promised_delivery_by=_at("03-06 10:00"),
        delivered_at=_at("03-06 23:59"),
    )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "not_delivered_by_promise"
    p.order(
        f"P-{rule}-fire",
        "03-05 10:00",
        promised_delivery_by=_at("03-10 18:00"),
        delivered_at=None,
    )
    p.order(
        f"P-{rule}-near",
        "03-26 10:00",
        promised_delivery_by=_at("03-31 09:00"),
        delivered_at=None,
    )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "no_scan_in_transit"
    p.order(f"P-{rule}-fire", "03-10 10:00", delivered_at=None)
    # The only scan is exactly 5 days before the end of the as-of day.
    p.order(
        f"P-{rule}-near",
        "03-26 04:00",
        shipped_at=_at("03-27 00:00"),
        delivered_at=None,
        events=[("picked_up", _at("03-27 00:00"))],
    )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "delivered_without_scan"
    p.order(
        f"P-{rule}-fire",
        "03-02 10:00",
        events=[("picked_up", _at("03-03 06:00")), ("in_transit", _at("03-03 12:00"))],
    )
    p.order(
        f"P-{rule}-near",
        "03-02 10:00",
        events=[
            ("picked_up", _at("03-03 06:00")),
            ("in_transit", _at("03-03 12:00")),
            ("delivered", _at("03-06 09:00")),
        ],
    )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])


def _plant_carrier_incidents(p: Planter) -> None:
    rule = "repeated_delivery_failures"
    shipped = [
        ("picked_up", _at("03-03 06:00")),
        ("in_transit", _at("03-03 12:00")),
        ("delivery_failed", _at("03-04 10:00")),
    ]
    p.order(
        f"P-{rule}-fire",
        "03-02 10:00",
        delivered_at=_at("03-06 10:00"),
        events=[
            *shipped,
            ("delivery_failed", _at("03-05 10:00")),
            ("delivered", _at("03-06 10:00")),
        ],
    )
    p.order(
        f"P-{rule}-near",
        "03-02 10:00",
        events=[*shipped, ("delivered", _at("03-05 10:00"))],
    )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "returned_to_sender"
    fire = p.order(
        f"P-{rule}-fire",
        "03-02 10:00",
        delivered_at=None,
        events=[*shipped, ("returned", _at("03-06 10:00"))],
    )
    p.refund(f"PR-{rule}-fire", fire, "03-06 12:00", reason="returned")
    near = p.order(
        f"P-{rule}-near",
        "03-02 10:00",
        events=[
            ("picked_up", _at("03-03 06:00")),
            ("delivered", _at("03-05 10:00")),
            ("returned", _at("03-08 10:00")),
        ],
    )
    p.refund(f"PR-{rule}-near", near, "03-08 12:00", reason="returned")
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "carrier_lost_or_damaged"
    fire = p.order(
        f"P-{rule}-fire",
        "03-02 10:00",
        delivered_at=None,
        events=[
            ("picked_up", _at("03-03 06:00")),
            ("in_transit", _at("03-03 12:00")),
            ("lost", _at("03-04 12:00")),
        ],
    )
    p.complaint(f"PK-{rule}-fire", fire, "03-06 10:00", category="not_received")
    p.refund(f"PR-{rule}-fire", fire, "03-06 12:00", reason="lost")
    p.order(
        f"P-{rule}-near",
        "03-02 10:00",
        events=[
            ("picked_up", _at("03-03 06:00")),
            ("exception", _at("03-04 12:00")),
            ("delivered", _at("03-05 10:00")),
        ],
    )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])


def _plant_cancellation(p: Planter) -> None:
    rule = "cancel_request_not_processed"
    for kind, done in (("fire", "03-11 11:00"), ("near", "03-11 10:00")):
        order = p.order(
            f"P-{rule}-{kind}",
            "03-10 09:00",
            cancel_requested_at=_at("03-10 10:00"),
            cancelled_at=_at(done),
            **_unshipped(),
        )
        p.refund(f"PR-{rule}-{kind}", order, done, reason="cancelled")
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "cancelled_after_shipment"
    fire = p.order(
        f"P-{rule}-fire",
        "03-02 10:00",
        cancel_requested_at=_at("03-03 07:00"),
        cancelled_at=_at("03-03 08:00"),
        delivered_at=None,
        events=[
            ("picked_up", _at("03-03 06:00")),
            ("in_transit", _at("03-03 12:00")),
            ("returned", _at("03-04 12:00")),
        ],
    )
    p.refund(f"PR-{rule}-fire", fire, "03-04 13:00", reason="cancelled")
    near = p.order(
        f"P-{rule}-near",
        "03-02 10:00",
        cancel_requested_at=_at("03-03 05:30"),
        cancelled_at=_at("03-03 05:59"),
        **_unshipped(),
    )
    p.refund(f"PR-{rule}-near", near, "03-03 06:00", reason="cancelled")
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "shipped_after_cancellation"
    fire = p.order(
        f"P-{rule}-fire",
        "03-02 10:00",
        cancel_requested_at=_at("03-02 11:00"),
        cancelled_at=_at("03-02 12:00"),
    )
    near = p.order(
        f"P-{rule}-near",
        "03-02 10:00",
        cancel_requested_at=_at("03-02 11:00"),
        cancelled_at=_at("03-02 12:00"),
        **_unshipped(),
    )
    for order in (fire, near):
        p.refund(f"PR-{order['order_id']}", order, "03-02 12:00", reason="cancelled")
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "cancelled_not_refunded"
    for kind, refunded in (("fire", "03-06 10:01"), ("near", "03-06 10:00")):
        order = p.order(
            f"P-{rule}-{kind}",
            "03-02 10:00",
            cancel_requested_at=_at("03-03 09:00"),
            cancelled_at=_at("03-03 10:00"),
            **_unshipped(),
        )
        p.refund(
            f"PR-{rule}-{kind}",
            order,
            "03-05 10:00",
            reason="cancelled",
            refunded_at=_at(refunded),
        )
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])


def _plant_refunds(p: Planter) -> None:
    rule = "refund_late"
    for kind, refunded in (("fire", "03-08 10:01"), ("near", "03-08 10:00")):
        order = p.order(f"P-{rule}-{kind}", "03-01 10:00")
        p.complaint(f"PK-{rule}-{kind}", order, "03-05 08:00", category="wrong_item")
        p.refund(
            f"PR-{rule}-{kind}",
            order,
            "03-05 10:00",
            refunded_at=_at(refunded),
            reason="complaint",
        )
    p.expect(rule, "refund_id", [f"PR-{rule}-fire"], [f"PR-{rule}-near"])

    rule = "refund_duplicate"
    for kind, second in (("fire", "50.00"), ("near", "30.00")):
        order = p.order(f"P-{rule}-{kind}", "03-01 10:00")
        p.complaint(f"PK-{rule}-{kind}", order, "03-06 10:00", category="damaged")
        p.refund(f"PR-{rule}-{kind}-first", order, "03-07 10:00", amount="50.00")
        p.refund(f"PR-{rule}-{kind}", order, "03-08 10:00", amount=second)
    p.expect(rule, "refund_id", [f"PR-{rule}-fire"], [f"PR-{rule}-near"])

    rule = "refund_exceeds_paid"
    for kind, second in (("fire", "50.00"), ("near", "40.00")):
        order = p.order(f"P-{rule}-{kind}", "03-01 10:00")
        p.complaint(f"PK-{rule}-{kind}", order, "03-06 10:00", category="damaged")
        p.refund(f"PR-{rule}-{kind}-first", order, "03-07 10:00", amount="60.00")
        p.refund(f"PR-{rule}-{kind}", order, "03-08 10:00", amount=second)
    p.expect(rule, "order_id", [f"P-{rule}-fire"], [f"P-{rule}-near"])

    rule = "refund_unpaid_order"
    fire = p.order(
        f"P-{rule}-fire",
        "03-02 10:00",
        paid_at=None,
        paid_amount=None,
        cancelled_at=_at("03-02 10:30"),
        **_unshipped(),
    )
    p.refund(f"PR-{rule}-fire", fire, "03-03 10:00", reason="cancelled")
    # Refunded a minute after the payment, when the customer cancelled at once.
    near = p.order(
        f"P-{rule}-near",
        "03-02 10:00",
        cancel_requested_at=_at("03-02 10:06"),
        cancelled_at=_at("03-02 10:06"),
        **_unshipped(),
    )
    p.refund(
        f"PR-{rule}-near",
        near,
        "03-02 10:06",
        approved_at=_at("03-02 10:06"),
        refunded_at=_at("03-02 10:06"),
        reason="cancelled",
    )
    p.expect(rule, "refund_id", [f"PR-{rule}-fire"], [f"PR-{rule}-near"])

    rule = "refund_without_cause"
    fire = p.order(f"P-{rule}-fire", "03-05 10:00")
    p.refund(f"PR-{rule}-fire", fire, "03-10 10:00")
    near = p.order(f"P-{rule}-near", "03-05 10:00")
    p.refund(f"PR-{rule}-near", near, "03-10 10:00", reason="complaint")
    # The complaint is recorded at the end of the 24 hours allowed for it.
    p.complaint(f"PK-{rule}-near", near, "03-11 10:00", category="wrong_item")
    p.expect(rule, "refund_id", [f"PR-{rule}-fire"], [f"PR-{rule}-near"])


def _plant_complaints(p: Planter) -> None:
    rule = "complaint_response_late"
    for kind, answered in (("fire", "03-07 10:01"), ("near", "03-07 10:00")):
        order = p.order(f"P-{rule}-{kind}", "03-02 10:00")
        p.complaint(
            f"PK-{rule}-{kind}", order, "03-06 10:00", first_response_at=_at(answered)
        )
    p.expect(rule, "complaint_id", [f"PK-{rule}-fire"], [f"PK-{rule}-near"])

    rule = "complaint_unresolved"
    for kind, resolved in (("fire", "03-13 10:01"), ("near", "03-13 10:00")):
        order = p.order(f"P-{rule}-{kind}", "03-02 10:00")
        p.complaint(
            f"PK-{rule}-{kind}", order, "03-06 10:00", resolved_at=_at(resolved)
        )
    p.expect(rule, "complaint_id", [f"PK-{rule}-fire"], [f"PK-{rule}-near"])

    rule = "not_received_but_delivered"
    for kind, created in (("fire", "03-06 09:00"), ("near", "03-05 09:00")):
        order = p.order(f"P-{rule}-{kind}", "03-02 10:00")
        p.complaint(f"PK-{rule}-{kind}", order, created, category="not_received")
    p.expect(rule, "complaint_id", [f"PK-{rule}-fire"], [f"PK-{rule}-near"])

    rule = "repeat_complainant"
    for kind, count in (("fire", 3), ("near", 2)):
        customer = f"C-P-{rule}-{kind}"
        for number in range(1, count + 1):
            order = p.order(
                f"P-{rule}-{kind}-{number}",
                f"03-{number * 7 - 6:02d} 10:00",
                customer_id=customer,
                ship_address_key=f"ADDR-{customer}",
            )
            p.complaint(
                f"PK-{rule}-{kind}-{number}", order, f"03-{number * 7 - 1:02d} 10:00"
            )
    p.expect(rule, "customer_id", [f"C-P-{rule}-fire"], [f"C-P-{rule}-near"])

    rule = "seller_complaint_rate"
    for kind, count in (("fire", 2), ("near", 1)):
        seller = f"S-P-{rule}-{kind}"
        for number in range(50):
            day = f"02-{number // 2 + 1:02d} {10 + number % 2}:00"
            order = p.order(f"P-{rule}-{kind}-{number:02d}", day, seller_id=seller)
            if number < count:
                p.complaint(
                    f"PK-{rule}-{kind}-{number}",
                    order,
                    f"02-0{number + 5} 10:00",
                    category="quality",
                )
    p.expect(rule, "seller_id", [f"S-P-{rule}-fire"], [f"S-P-{rule}-near"])


def _plant_after_sales(p: Planter) -> None:
    rule = "low_satisfaction"
    for kind, score in (("fire", 2), ("near", 3)):
        order = p.order(f"P-{rule}-{kind}", "03-02 10:00")
        p.complaint(f"PK-{rule}-{kind}", order, "03-06 10:00", satisfaction_score=score)
    p.expect(rule, "complaint_id", [f"PK-{rule}-fire"], [f"PK-{rule}-near"])

    rule = "compensation_exceeds_order"
    for kind, amount in (("fire", "150.00"), ("near", "100.00")):
        order = p.order(f"P-{rule}-{kind}", "03-02 10:00")
        p.complaint(
            f"PK-{rule}-{kind}",
            order,
            "03-06 12:00",
            category="damaged",
            compensation_amount=amount,
        )
    p.expect(rule, "complaint_id", [f"PK-{rule}-fire"], [f"PK-{rule}-near"])


def _plant_reconciliation(p: Planter) -> None:
    """Plant orders whose refunds the exports record alike or differently.

    Each order has a complaint, so no refund lacks a cause. Where one
    comparison is the point of the case, the other one matches.
    """
    prefix = "P-reconcile"
    order = _complained_order(p, f"{prefix}-matched", compensation="100.00")
    p.refund(f"PR-{prefix}-matched", order, "03-06 12:00", reason="complaint")
    p.expect_reconciliation(order, "orders", "matched", "0.00")
    p.expect_reconciliation(order, "complaints", "matched", "0.00")

    # The orders export records a little more than was refunded: 0.01 is
    # within the default tolerance and 0.02 is not.
    for name, recorded, status in (
        ("within-tolerance", "100.01", "matched"),
        ("beyond-tolerance", "100.02", "differing"),
        ("differing", "90.00", "differing"),
    ):
        order = _complained_order(p, f"{prefix}-{name}", compensation="100.00")
        p.refund(f"PR-{prefix}-{name}", order, "03-06 12:00", reason="complaint")
        order["refunded_amount"] = recorded
        difference = str(Decimal("100.00") - Decimal(recorded))
        p.expect_reconciliation(order, "orders", status, difference)
        p.expect_reconciliation(order, "complaints", "matched", "0.00")

    order = _complained_order(p, f"{prefix}-refunds-only", compensation="100.00")
    p.refund(
        f"PR-{prefix}-refunds-only",
        order,
        "03-06 12:00",
        reason="complaint",
        on_order=False,
    )
    p.expect_reconciliation(order, "orders", "refunds_only", "100.00")

    order = _complained_order(p, f"{prefix}-orders-only", category="quality")
    order["refunded_amount"] = "60.00"
    order["refunded_at"] = _at("03-07 12:00")
    p.expect_reconciliation(order, "orders", "orders_only", "-60.00")

    order = _complained_order(
        p, f"{prefix}-compensation-differing", compensation="30.00"
    )
    p.refund(
        f"PR-{prefix}-compensation-differing",
        order,
        "03-06 12:00",
        amount="25.00",
        reason="complaint",
    )
    p.expect_reconciliation(order, "complaints", "differing", "-5.00")
    p.expect_reconciliation(order, "orders", "matched", "0.00")

    order = _complained_order(p, f"{prefix}-compensation-only", compensation="40.00")
    p.expect_reconciliation(order, "complaints", "complaints_only", "-40.00")

    order = _complained_order(p, f"{prefix}-no-compensation")
    p.refund(
        f"PR-{prefix}-no-compensation",
        order,
        "03-06 12:00",
        amount="50.00",
        reason="complaint",
    )
    p.expect_reconciliation(order, "complaints", "refunds_only", "50.00")
    p.expect_reconciliation(order, "orders", "matched", "0.00")


def _complained_order(
    p: Planter,
    order_id: str,
    *,
    compensation: str | None = None,
    category: str = "damaged",
) -> dict:
    """Add a delivered order of 100.00 with a complaint about it on 03-06."""
    order = p.order(order_id, "03-02 10:00")
    p.complaint(
        f"PK-{order_id[2:]}",
        order,
        "03-06 10:00",
        category=category,
        compensation_amount=compensation,
    )
    return order


def _plant_force_majeure(p: Planter) -> None:
    """Two late deliveries during the typhoon: one in its region, one outside it."""
    p.rows["disruptions"].append(dict(TYPHOON))
    for region in ("Guangdong", "Zhejiang"):
        p.order(
            f"P-force_majeure-{region.lower()}",
            "03-05 10:00",
            ship_region=region,
            promised_delivery_by=_at("03-09 18:00"),
            delivered_at=_at("03-11 15:00"),
        )
    p.force_majeure["expected"].append("P-force_majeure-guangdong")
    p.force_majeure["not_expected"].append("P-force_majeure-zhejiang")


def _plant_rejections(p: Planter) -> None:
    """Plant rows that validation must reject, after all other planted rows."""
    bad_amount = p.order_row("P-reject-amount", _at("03-02 10:00"), "100.00")
    p.reject(
        "orders",
        bad_amount | {"order_amount": "12.3.4", "order_status": "delivered"},
        "order_amount",
        "invalid_amount",
    )
    no_id = p.order_row("P-reject-no-id", _at("03-02 10:00"), "100.00")
    p.reject(
        "orders",
        no_id | {"order_id": None, "order_status": "delivered"},
        "order_id",
        "missing_value",
    )
    first = p.order("P-reject-duplicate", "03-02 10:00")
    p.reject("orders", dict(first), "order_id", "duplicate_key")
    event = dict(p.rows["carrier_events"][-1], event_code="teleported")
    p.reject("carrier_events", event, "event_code", "not_allowed_value")
    complaint = p.complaint_row("PK-reject-date", first, _at("03-06 10:00"))
    p.reject(
        "complaints",
        complaint | {"created_at": "2026-02-30 10:00:00"},
        "created_at",
        "invalid_timestamp",
    )


def plant_all(p: Planter) -> None:
    """Plant the cases of every built-in rule, the typhoon and the rejected rows."""
    for plant in (
        _plant_creation,
        _plant_fraud,
        _plant_payment,
        _plant_inventory,
        _plant_shipping,
        _plant_delivery,
        _plant_carrier_incidents,
        _plant_cancellation,
        _plant_refunds,
        _plant_complaints,
        _plant_after_sales,
        _plant_reconciliation,
        _plant_force_majeure,
        _plant_rejections,
    ):
        plant(p)

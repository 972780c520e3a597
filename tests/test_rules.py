"""Every rule fires on its case and stays quiet on its near miss.

Each entry of CASES builds a few rows in which the rule must fire, and a near
miss that differs only just enough that it must not (shipped exactly at the
deadline, a rate exactly at the limit). Rows come from the builders in
rulekit, which make an order that no rule flags; each case changes only what
its rule is about.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import rulekit
from rulekit import at, complaint, order, refund, run, scans

from audit.rules import REQUIRED_FIELDS, parse_rule

# The exception classes of the domain, as rule headers spell them.
EXCEPTION_CLASSES = {
    "delivery-date",
    "quality",
    "ordering-error",
    "flexible-handling",
    "force-majeure",
}


@dataclass
class Case:
    """A firing case and a near miss for one rule."""

    fires: dict[str, list[dict]]
    near_miss: dict[str, list[dict]]
    expected: str
    detected_at: dt.datetime
    key: str = "order_id"
    # Parameter values that stop the firing case from firing.
    silenced_by: dict = field(default_factory=dict)
    # Parameter values that make the near miss fire.
    triggered_by: dict = field(default_factory=dict)


def _delivered_at(created: str, days: int = 3) -> dt.datetime:
    return at(created) + dt.timedelta(days=days)


def _unshipped(order_id: str, created: str = "2026-03-02 10:00", **overrides) -> dict:
    values = {"order_status": "paid", "shipped_at": None, "delivered_at": None}
    return order(order_id, created, **(values | overrides))


def _customer_history(customer: str, amounts: list[str], last: str) -> list[dict]:
    """Orders of one customer on 1 to 5 March, then one of ``last`` on 6 March."""
    rows = [
        order(
            f"H{day}",
            f"2026-03-0{day} 10:00",
            customer_id=customer,
            order_amount=Decimal(amount),
            paid_amount=Decimal(amount),
        )
        for day, amount in enumerate(amounts, start=1)
    ]
    rows.append(
        order(
            "X",
            "2026-03-06 10:00",
            customer_id=customer,
            order_amount=Decimal(last),
            paid_amount=Decimal(last),
        )
    )
    return rows


def _sku_history(prices: list[str], last: str) -> dict:
    """Lines of SKU 00123 on 1 to 5 March, then one at ``last`` on 6 March."""
    orders = [order(f"H{day}", f"2026-03-0{day} 10:00") for day in range(1, 6)]
    orders.append(order("X", "2026-03-06 10:00"))
    lines = [
        {
            "order_id": row["order_id"],
            "line_no": 1,
            "sku": "00123",
            "quantity": 1,
            "unit_price": Decimal(price),
        }
        for row, price in zip(orders, [*prices, last])
    ]
    return {"orders": orders, "order_lines": lines}


def _shared_address(first_days: list[str]) -> dict:
    """Orders of different customers to one address on the given dates."""
    return {
        "orders": [
            order(f"A{number}", f"{day} 10:00", ship_address_key="ADDR-SHARED")
            for number, day in enumerate(first_days, start=1)
        ]
    }


def _burst(times: list[str]) -> dict:
    return {
        "orders": [
            order(
                f"B{number}",
                f"2026-03-02 {time}",
                customer_id="C-BURST",
                order_amount=Decimal(100 + number),
                paid_amount=Decimal(100 + number),
            )
            for number, time in enumerate(times, start=1)
        ]
    }


def _refunded_customer(refunded: int) -> dict:
    """A customer with 4 delivered orders, ``refunded`` of them refunded later."""
    orders = [
        order(f"R{day}", f"2026-03-0{day} 10:00", customer_id="C-REF")
        for day in range(1, 5)
    ]
    refunds = [
        refund(
            f"RF{row['order_id']}",
            row["order_id"],
            (row["delivered_at"] + dt.timedelta(days=1)).isoformat(sep=" "),
        )
        for row in orders[:refunded]
    ]
    return {"orders": orders, "refunds": refunds}


def _seller_complaints(count: int) -> dict:
    """50 orders of seller S-HIGH with ``count`` quality complaints."""
    orders = [
        order(f"S{number:02d}", "2026-03-02 10:00", seller_id="S-HIGH")
        for number in range(50)
    ]
    complaints = [
        complaint(f"Q{number}", f"S{number:02d}", f"2026-03-1{number} 10:00")
        for number in range(count)
    ]
    return {"orders": orders, "complaints": complaints}


def _split(second_scan: str) -> dict:
    row = order("A", promised_ship_by=at("2026-03-04 10:00"))
    events = [
        {
            "order_id": "A",
            "tracking_no": "T1",
            "carrier": "SF Express",
            "event_at": at("2026-03-03 06:00"),
            "event_code": "picked_up",
        },
        {
            "order_id": "A",
            "tracking_no": "T2",
            "carrier": "SF Express",
            "event_at": at(second_scan),
            "event_code": "picked_up",
        },
    ]
    return {"orders": [row], "carrier_events": events}


def _failures(*codes: str) -> dict:
    row = order("A")
    return {"orders": [row], "carrier_events": scans(row, *codes)}


def _returned(delivered_first: bool) -> dict:
    shipped = at("2026-03-03 06:00")
    delivered = shipped + dt.timedelta(hours=1) if delivered_first else None
    row = order("A", delivered_at=delivered)
    codes = [
        "picked_up",
        "delivered" if delivered_first else "delivery_failed",
        "returned",
    ]
    return {"orders": [row], "carrier_events": scans(row, *codes)}


def _scanned_delivery(delivery_scan_after: dt.timedelta | None) -> dict:
    row = order("A")
    events = scans(row, "picked_up")
    if delivery_scan_after is not None:
        events.append(
            {
                **events[0],
                "event_code": "delivered",
                "event_at": row["delivered_at"] + delivery_scan_after,
            }
        )
    return {"orders": [row], "carrier_events": events}


def _cancelled(order_id: str, cancelled: str, **overrides) -> dict:
    return _unshipped(
        order_id, order_status="cancelled", cancelled_at=at(cancelled), **overrides
    )


CASES: dict[str, Case] = {
    "address_shared_by_customers": Case(
        fires=_shared_address(["2026-03-01", "2026-03-05", "2026-03-10", "2026-03-20"]),
        near_miss=_shared_address(
            ["2026-02-01", "2026-02-10", "2026-02-20", "2026-03-04"]
        ),
        expected="A4",
        detected_at=at("2026-03-20 10:00"),
        silenced_by={"min_customers": 5},
    ),
    "amount_outlier_customer": Case(
        fires={
            "orders": _customer_history("C1", ["100", "90", "110", "95", "105"], "1000")
        },
        near_miss={
            "orders": _customer_history("C1", ["100", "90", "110", "95", "105"], "150")
        },
        expected="X",
        detected_at=at("2026-03-06 10:00"),
        silenced_by={"min_history": 6},
    ),
    "cancel_request_not_processed": Case(
        fires={
            "orders": [
                _cancelled(
                    "A", "2026-03-03 11:00", cancel_requested_at=at("2026-03-02 10:00")
                )
            ]
        },
        near_miss={
            "orders": [
                _cancelled(
                    "A", "2026-03-03 10:00", cancel_requested_at=at("2026-03-02 10:00")
                )
            ]
        },
        expected="A",
        detected_at=at("2026-03-03 10:00"),
        silenced_by={"max_hours": 48},
    ),
    "cancelled_after_shipment": Case(
        fires={
            "orders": [
                order(
                    "A",
                    order_status="cancelled",
                    delivered_at=None,
                    cancelled_at=at("2026-03-03 08:00"),
                )
            ]
        },
        near_miss={"orders": [_cancelled("A", "2026-03-03 05:59")]},
        expected="A",
        detected_at=at("2026-03-03 08:00"),
    ),
    "cancelled_not_refunded": Case(
        fires={
            "orders": [_cancelled("A", "2026-03-03 10:00")],
            "refunds": [
                refund(
                    "R1", "A", "2026-03-05 10:00", refunded_at=at("2026-03-06 10:01")
                )
            ],
        },
        near_miss={
            "orders": [_cancelled("A", "2026-03-03 10:00")],
            "refunds": [
                refund(
                    "R1", "A", "2026-03-05 10:00", refunded_at=at("2026-03-06 10:00")
                )
            ],
        },
        expected="A",
        detected_at=at("2026-03-06 10:00"),
        silenced_by={"max_days": 4},
    ),
    "cancelled_out_of_stock": Case(
        fires={
            "orders": [
                _unshipped(
                    "A", order_status="unavailable", cancelled_at=at("2026-03-02 15:00")
                )
            ]
        },
        near_miss={
            "orders": [
                _unshipped(
                    "A",
                    order_status="unavailable",
                    paid_at=None,
                    paid_amount=None,
                    cancelled_at=at("2026-03-02 10:10"),
                )
            ]
        },
        expected="A",
        detected_at=at("2026-03-02 15:00"),
        silenced_by={"statuses": ["out_of_stock"]},
    ),
    "carrier_lost_or_damaged": Case(
        fires=_failures("picked_up", "in_transit", "lost"),
        near_miss=_failures("picked_up", "exception", "delivered"),
        expected="A",
        detected_at=at("2026-03-03 08:00"),
    ),
    "compensation_exceeds_order": Case(
        fires={
            "orders": [order("A")],
            "complaints": [
                complaint(
                    "K1", "A", "2026-03-06 12:00", compensation_amount=Decimal("150.00")
                )
            ],
        },
        near_miss={
            "orders": [order("A")],
            "complaints": [
                complaint(
                    "K1", "A", "2026-03-06 12:00", compensation_amount=Decimal("100.00")
                )
            ],
        },
        expected="K1",
        key="complaint_id",
        detected_at=at("2026-03-08 12:00"),
        silenced_by={"max_share": 2.0},
    ),
    "complaint_response_late": Case(
        fires={
            "complaints": [
                complaint(
                    "K1",
                    None,
                    "2026-03-05 10:00",
                    first_response_at=at("2026-03-06 10:01"),
                )
            ]
        },
        near_miss={
            "complaints": [
                complaint(
                    "K1",
                    None,
                    "2026-03-05 10:00",
                    first_response_at=at("2026-03-06 10:00"),
                )
            ]
        },
        expected="K1",
        key="complaint_id",
        detected_at=at("2026-03-06 10:00"),
        silenced_by={"max_hours": 48},
    ),
    "complaint_unresolved": Case(
        fires={
            "complaints": [
                complaint(
                    "K1", None, "2026-03-05 10:00", resolved_at=at("2026-03-12 10:01")
                )
            ]
        },
        near_miss={
            "complaints": [
                complaint(
                    "K1", None, "2026-03-05 10:00", resolved_at=at("2026-03-12 10:00")
                )
            ]
        },
        expected="K1",
        key="complaint_id",
        detected_at=at("2026-03-12 10:00"),
        silenced_by={"max_days": 8},
    ),
    "customer_order_burst": Case(
        fires=_burst(["10:00", "10:15", "10:30", "10:45", "11:00"]),
        near_miss=_burst(["10:00", "10:15", "10:30", "10:45", "11:01"]),
        expected="C-BURST",
        key="customer_id",
        detected_at=at("2026-03-02 11:00"),
        silenced_by={"min_orders": 6},
    ),
    "customer_refund_rate": Case(
        fires=_refunded_customer(3),
        near_miss=_refunded_customer(2),
        expected="C-REF",
        key="customer_id",
        detected_at=at("2026-03-08 10:00"),
        silenced_by={"max_share": 0.8},
    ),
    "delivered_late": Case(
        fires={
            "orders": [
                order(
                    "A",
                    promised_delivery_by=at("2026-03-06 18:00"),
                    delivered_at=at("2026-03-07 09:00"),
                )
            ]
        },
        near_miss={
            "orders": [
                order(
                    "A",
                    promised_delivery_by=at("2026-03-06 10:00"),
                    delivered_at=at("2026-03-06 23:59"),
                )
            ]
        },
        expected="A",
        detected_at=at("2026-03-07 09:00"),
        silenced_by={"grace_days": 1},
    ),
    "delivered_without_scan": Case(
        fires=_scanned_delivery(None),
        near_miss=_scanned_delivery(dt.timedelta(hours=23)),
        expected="A",
        detected_at=_delivered_at("2026-03-02 10:00") + dt.timedelta(days=1),
        silenced_by={"grace_hours": 1000},
    ),
    "duplicate_order": Case(
        fires={
            "orders": [
                order("D1", "2026-03-02 10:00", customer_id="C-D"),
                order("D2", "2026-03-02 10:10", customer_id="C-D"),
            ]
        },
        near_miss={
            "orders": [
                order("D1", "2026-03-02 10:00", customer_id="C-D"),
                order("D2", "2026-03-02 10:10:01", customer_id="C-D"),
            ]
        },
        expected="D2",
        detected_at=at("2026-03-02 10:10"),
        silenced_by={"window_minutes": 5},
    ),
    "impossible_timestamps": Case(
        fires={"orders": [order("A", delivered_at=at("2026-03-03 05:00"))]},
        near_miss={"orders": [order("A", delivered_at=at("2026-03-03 06:00"))]},
        expected="A",
        detected_at=at("2026-03-03 06:00"),
        silenced_by={"tolerance_minutes": 120},
    ),
    "low_satisfaction": Case(
        fires={
            "complaints": [
                complaint("K1", None, "2026-03-05 10:00", satisfaction_score=2)
            ]
        },
        near_miss={
            "complaints": [
                complaint("K1", None, "2026-03-05 10:00", satisfaction_score=3)
            ]
        },
        expected="K1",
        key="complaint_id",
        detected_at=at("2026-03-07 10:00"),
        silenced_by={"max_score": 1},
    ),
    "no_scan_in_transit": Case(
        fires=_failures("picked_up", "in_transit")
        | {"orders": [order("A", delivered_at=None, order_status="shipped")]},
        near_miss={
            "orders": [order("A", "2026-03-26 04:00", delivered_at=None)],
            "carrier_events": scans(order("A", "2026-03-26 04:00"), "picked_up"),
        },
        expected="A",
        detected_at=at("2026-03-08 07:00"),
        silenced_by={"max_days_without_scan": 30},
    ),
    "nonpositive_amount": Case(
        fires={"orders": [order("A", order_amount=Decimal("0.00"))]},
        near_miss={
            "orders": [order("A", order_amount=Decimal("0.01"))],
            "order_lines": [
                {
                    "order_id": "A",
                    "line_no": 1,
                    "sku": "00123",
                    "quantity": 1,
                    "unit_price": Decimal("0.01"),
                }
            ],
        },
        expected="A",
        detected_at=at("2026-03-02 10:00"),
    ),
    "not_delivered_by_promise": Case(
        fires={
            "orders": [
                order(
                    "A",
                    delivered_at=None,
                    order_status="shipped",
                    promised_delivery_by=at("2026-03-10 18:00"),
                )
            ]
        },
        near_miss={
            "orders": [
                order(
                    "A",
                    "2026-03-26 10:00",
                    delivered_at=None,
                    promised_delivery_by=at("2026-03-31 09:00"),
                )
            ]
        },
        expected="A",
        detected_at=at("2026-03-11 00:00"),
        silenced_by={"grace_days": 30},
    ),
    "not_received_but_delivered": Case(
        fires={
            "orders": [order("A")],
            "complaints": [
                complaint("K1", "A", "2026-03-06 09:00", category="not_received")
            ],
        },
        near_miss={
            "orders": [order("A")],
            "complaints": [
                complaint("K1", "A", "2026-03-05 09:00", category="not_received")
            ],
        },
        expected="K1",
        key="complaint_id",
        detected_at=at("2026-03-06 09:00"),
        silenced_by={"categories": ["lost"]},
    ),
    "not_shipped_in_time": Case(
        fires={"orders": [_unshipped("A")]},
        near_miss={"orders": [_unshipped("A", shipped_at=at("2026-03-05 10:05"))]},
        expected="A",
        detected_at=at("2026-03-05 10:05"),
        silenced_by={"max_hours": 1000},
    ),
    "paid_amount_mismatch": Case(
        fires={"orders": [order("A", paid_amount=Decimal("99.90"))]},
        near_miss={"orders": [order("A", paid_amount=Decimal("99.99"))]},
        expected="A",
        detected_at=at("2026-03-02 10:05"),
        silenced_by={"tolerance": 0.50},
    ),
    "paid_more_than_once": Case(
        fires={"orders": [order("A", paid_amount=Decimal("200.00"))]},
        near_miss={"orders": [order("A", paid_amount=Decimal("199.98"))]},
        expected="A",
        detected_at=at("2026-03-02 10:05"),
        triggered_by={"tolerance": 0.05},
    ),
    "payment_timeout": Case(
        fires={"orders": [_unshipped("A", paid_at=at("2026-03-03 10:01"))]},
        near_miss={
            "orders": [
                _unshipped(
                    "A",
                    paid_at=None,
                    paid_amount=None,
                    order_status="cancelled",
                    cancelled_at=at("2026-03-03 10:00"),
                )
            ]
        },
        expected="A",
        detected_at=at("2026-03-03 10:00"),
        silenced_by={"max_hours": 48},
    ),
    "price_outlier_sku": Case(
        fires=_sku_history(["100", "98", "102", "100", "101"], "200"),
        near_miss=_sku_history(["100", "98", "102", "100", "101"], "125"),
        expected="X",
        detected_at=at("2026-03-06 10:00"),
        silenced_by={"min_history": 6},
    ),
    "refund_duplicate": Case(
        fires={
            "orders": [order("A")],
            "refunds": [
                refund("R1", "A", "2026-03-05 10:00", amount=Decimal(50)),
                refund("R2", "A", "2026-03-06 10:00", amount=Decimal(50)),
            ],
        },
        near_miss={
            "orders": [order("A")],
            "refunds": [
                refund("R1", "A", "2026-03-05 10:00", amount=Decimal(50)),
                refund("R2", "A", "2026-03-06 10:00", amount=Decimal(30)),
            ],
        },
        expected="R2",
        key="refund_id",
        detected_at=at("2026-03-07 10:00"),
        silenced_by={"window_days": 0},
    ),
    "refund_exceeds_paid": Case(
        fires={
            "orders": [order("A")],
            "refunds": [
                refund("R1", "A", "2026-03-05 10:00", amount=Decimal(60)),
                refund("R2", "A", "2026-03-06 10:00", amount=Decimal(60)),
            ],
        },
        near_miss={
            "orders": [order("A")],
            "refunds": [
                refund("R1", "A", "2026-03-05 10:00", amount=Decimal(60)),
                refund("R2", "A", "2026-03-06 10:00", amount=Decimal(40)),
            ],
        },
        expected="A",
        detected_at=at("2026-03-07 10:00"),
        silenced_by={"tolerance": 20.0},
    ),
    "refund_late": Case(
        fires={
            "refunds": [
                refund(
                    "R1", "A", "2026-03-05 10:00", refunded_at=at("2026-03-08 10:01")
                )
            ]
        },
        near_miss={
            "refunds": [
                refund(
                    "R1", "A", "2026-03-05 10:00", refunded_at=at("2026-03-08 10:00")
                )
            ]
        },
        expected="R1",
        key="refund_id",
        detected_at=at("2026-03-08 10:00"),
        silenced_by={"max_hours": 96},
    ),
    "refund_unpaid_order": Case(
        fires={
            "orders": [
                _cancelled("A", "2026-03-02 11:00", paid_at=None, paid_amount=None)
            ],
            "refunds": [refund("R1", "A", "2026-03-05 10:00")],
        },
        near_miss={
            "orders": [order("A")],
            "refunds": [
                refund(
                    "R1", "A", "2026-03-02 10:06", approved_at=None, refunded_at=None
                )
            ],
        },
        expected="R1",
        key="refund_id",
        detected_at=at("2026-03-06 10:00"),
    ),
    "refund_without_cause": Case(
        fires={
            "orders": [order("A")],
            "refunds": [refund("R1", "A", "2026-03-10 10:00")],
        },
        near_miss={
            "orders": [order("A")],
            "refunds": [refund("R1", "A", "2026-03-10 10:00")],
            "complaints": [complaint("K1", "A", "2026-03-11 10:00")],
        },
        expected="R1",
        key="refund_id",
        detected_at=at("2026-03-11 10:00"),
        triggered_by={"grace_hours": 12},
    ),
    "repeat_complainant": Case(
        fires={
            "complaints": [
                complaint(
                    f"K{day}", None, f"2026-03-{day:02d} 10:00", customer_id="C-RC"
                )
                for day in (2, 9, 16)
            ]
        },
        near_miss={
            "complaints": [
                complaint("K0", None, "2025-12-20 10:00", customer_id="C-RC"),
                complaint("K2", None, "2026-03-02 10:00", customer_id="C-RC"),
                complaint("K9", None, "2026-03-09 10:00", customer_id="C-RC"),
            ]
        },
        expected="C-RC",
        key="customer_id",
        detected_at=at("2026-03-16 10:00"),
        silenced_by={"min_complaints": 4},
    ),
    "repeated_delivery_failures": Case(
        fires=_failures("picked_up", "delivery_failed", "delivery_failed", "delivered"),
        near_miss=_failures("picked_up", "delivery_failed", "delivered"),
        expected="A",
        detected_at=at("2026-03-03 08:00"),
        silenced_by={"min_failures": 3},
    ),
    "returned_to_sender": Case(
        fires=_returned(delivered_first=False),
        near_miss=_returned(delivered_first=True),
        expected="A",
        detected_at=at("2026-03-03 08:00"),
    ),
    "seller_complaint_rate": Case(
        fires=_seller_complaints(2),
        near_miss=_seller_complaints(1),
        expected="S-HIGH",
        key="seller_id",
        detected_at=at("2026-03-11 10:00"),
        silenced_by={"max_per_thousand": 50},
    ),
    "shipped_after_cancellation": Case(
        fires={
            "orders": [
                order(
                    "A", order_status="cancelled", cancelled_at=at("2026-03-02 12:00")
                )
            ]
        },
        near_miss={
            "orders": [
                order(
                    "A", order_status="cancelled", cancelled_at=at("2026-03-03 07:00")
                )
            ]
        },
        expected="A",
        detected_at=at("2026-03-03 06:00"),
    ),
    "shipped_after_ship_by": Case(
        fires={"orders": [order("A", shipped_at=at("2026-03-04 10:01"))]},
        near_miss={"orders": [order("A", shipped_at=at("2026-03-04 10:00"))]},
        expected="A",
        detected_at=at("2026-03-04 10:01"),
        silenced_by={"grace_hours": 1},
    ),
    "shipped_before_payment": Case(
        fires={"orders": [order("A", paid_at=at("2026-03-03 07:00"))]},
        near_miss={"orders": [order("A", paid_at=at("2026-03-03 06:00"))]},
        expected="A",
        detected_at=at("2026-03-03 06:00"),
    ),
    "shipping_info_missing": Case(
        fires={"orders": [order("A", ship_address_key="Unknown")]},
        near_miss={"orders": [order("A", ship_address_key="A-1234")]},
        expected="A",
        detected_at=at("2026-03-02 10:00"),
        silenced_by={"placeholders": []},
    ),
    "split_shipment_late": Case(
        fires=_split("2026-03-04 10:01"),
        near_miss=_split("2026-03-04 10:00"),
        expected="A",
        detected_at=at("2026-03-04 10:01"),
        silenced_by={"min_parcels": 3},
    ),
}


def _keys(hits: list[dict], key: str) -> list:
    return [hit[key] for hit in hits]


def test_cases_cover_every_rule_file():
    assert set(CASES) == set(rulekit.rule_ids())


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_its_case(rule_id):
    case = CASES[rule_id]
    hits = run(rule_id, case.fires)
    assert case.expected in _keys(hits, case.key)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_detects_at_the_moment_it_became_true(rule_id):
    case = CASES[rule_id]
    hits = [hit for hit in run(rule_id, case.fires) if hit[case.key] == case.expected]
    assert [hit["detected_at"] for hit in hits] == [case.detected_at]


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_writes_evidence(rule_id):
    hits = run(rule_id, CASES[rule_id].fires)
    assert all(hit["evidence"] for hit in hits)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_quiet_on_near_miss(rule_id):
    assert run(rule_id, CASES[rule_id].near_miss) == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_quiet_before_detection(rule_id):
    case = CASES[rule_id]
    hits = run(rule_id, case.fires, as_of=case.detected_at)
    assert case.expected not in _keys(hits, case.key)


def _rules_with_parameters() -> list[str]:
    return [
        rule_id
        for rule_id in rulekit.rule_ids()
        if parse_rule(rulekit.RULES_DIR / f"{rule_id}.sql").params
    ]


@pytest.mark.parametrize("rule_id", _rules_with_parameters())
def test_rule_parameter_changes_result(rule_id):
    case = CASES[rule_id]
    assert case.silenced_by or case.triggered_by, "no parameter change to test"
    if case.silenced_by:
        hits = run(rule_id, case.fires, params=case.silenced_by)
        assert case.expected not in _keys(hits, case.key)
    if case.triggered_by:
        hits = run(rule_id, case.near_miss, params=case.triggered_by)
        assert case.expected in _keys(hits, case.key)


@pytest.mark.parametrize("rule_id", rulekit.rule_ids())
def test_rule_header_complete(rule_id):
    rule = parse_rule(rulekit.RULES_DIR / f"{rule_id}.sql")
    values = {name: getattr(rule, name) for name in REQUIRED_FIELDS}
    assert [name for name, value in values.items() if not value] == []
    assert rule.exception_class in EXCEPTION_CLASSES
    assert [name for name, text in rule.param_help.items() if not text] == []


@pytest.mark.parametrize("rule_id", rulekit.rule_ids())
def test_rule_declares_every_parameter_it_uses(rule_id):
    rule = parse_rule(rulekit.RULES_DIR / f"{rule_id}.sql")
    assert set(rule.params) <= rule.referenced_parameters


def _rule_docs_module():
    path = rulekit.REPOSITORY / "tools" / "make_rule_docs.py"
    spec = importlib.util.spec_from_file_location("make_rule_docs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("rule_id", rulekit.rule_ids())
def test_rule_docs_have_a_section(rule_id):
    text = (rulekit.REPOSITORY / "docs" / "rules.md").read_text(encoding="utf-8")
    assert f"\n## `{rule_id}`" in text


def test_rule_docs_up_to_date():
    module = _rule_docs_module()
    written = (rulekit.REPOSITORY / "docs" / "rules.md").read_text(encoding="utf-8")
    assert written == module.render_docs(module.read_rules()), (
        "docs/rules.md is out of date; run python tools/make_rule_docs.py"
    )


# Cases beyond the firing case and near miss of the table above.


def test_duplicate_order_same_lines_other_amount():
    orders = [
        order("D1", "2026-03-02 10:00", customer_id="C-D"),
        order(
            "D2",
            "2026-03-02 10:05",
            customer_id="C-D",
            order_amount=Decimal("90.00"),
            paid_amount=Decimal("90.00"),
        ),
    ]
    lines = [
        {"order_id": row["order_id"], "line_no": 1, "sku": "00123", "quantity": 2}
        for row in orders
    ]
    hits = run("duplicate_order", {"orders": orders, "order_lines": lines})
    assert _keys(hits, "order_id") == ["D2"]


def test_duplicate_order_same_moment_flags_one():
    orders = [order("D1", customer_id="C-D"), order("D2", customer_id="C-D")]
    hits = run("duplicate_order", {"orders": orders})
    assert _keys(hits, "order_id") == ["D2"]


def test_payment_timeout_unpaid_order():
    hits = run("payment_timeout", {"orders": [_unshipped("A", paid_at=None)]})
    assert "still unpaid" in hits[0]["evidence"]


def test_payment_timeout_ignores_future_payment():
    row = _unshipped("A", "2026-03-30 10:00", paid_at=at("2026-04-01 09:00"))
    hits = run("payment_timeout", {"orders": [row]})
    assert "still unpaid" in hits[0]["evidence"]


def test_nonpositive_amount_zero_quantity_line():
    lines = [
        {
            "order_id": "A",
            "line_no": 1,
            "sku": "00123",
            "quantity": 0,
            "unit_price": Decimal("100.00"),
        }
    ]
    hits = run("nonpositive_amount", {"orders": [order("A")], "order_lines": lines})
    assert _keys(hits, "order_id") == ["A"]


def test_not_delivered_by_promise_unshipped_is_warehouse():
    row = _unshipped("A", promised_delivery_by=at("2026-03-10 18:00"))
    hits = run("not_delivered_by_promise", {"orders": [row]})
    assert hits[0]["responsible_override"] == "warehouse"


def test_not_delivered_by_promise_shipped_is_carrier():
    row = order("A", delivered_at=None, promised_delivery_by=at("2026-03-10 18:00"))
    hits = run("not_delivered_by_promise", {"orders": [row]})
    assert hits[0]["responsible_override"] is None


def test_not_delivered_by_promise_skips_delivered():
    row = order("A", promised_delivery_by=at("2026-03-04 18:00"))
    assert run("not_delivered_by_promise", {"orders": [row]}) == []


def test_not_shipped_in_time_ignores_future_shipment():
    row = _unshipped("A", "2026-03-27 10:00", shipped_at=at("2026-04-01 08:00"))
    hits = run("not_shipped_in_time", {"orders": [row]})
    assert _keys(hits, "order_id") == ["A"]


def test_not_shipped_in_time_cancelled_late_still_fires():
    row = _cancelled("A", "2026-03-10 10:00")
    hits = run("not_shipped_in_time", {"orders": [row]})
    assert _keys(hits, "order_id") == ["A"]


def test_not_shipped_in_time_cancelled_in_time_quiet():
    row = _cancelled("A", "2026-03-03 10:00")
    assert run("not_shipped_in_time", {"orders": [row]}) == []


def test_complaint_response_after_as_of_counts_as_none():
    row = complaint(
        "K1", None, "2026-03-30 10:00", first_response_at=at("2026-04-02 10:00")
    )
    hits = run("complaint_response_late", {"complaints": [row]})
    assert "no response" in hits[0]["evidence"]


def test_refund_exceeds_paid_dated_at_crossing():
    refunds = [
        refund("R1", "A", "2026-03-05 10:00", amount=Decimal(60)),
        refund("R2", "A", "2026-03-06 10:00", amount=Decimal(60)),
        refund(
            "R3",
            "A",
            "2026-03-31 10:00",
            amount=Decimal(10),
            refunded_at=at("2026-04-01 10:00"),
        ),
    ]
    hits = run("refund_exceeds_paid", {"orders": [order("A")], "refunds": refunds})
    assert [hit["detected_at"] for hit in hits] == [at("2026-03-07 10:00")]


def test_customer_order_burst_one_row_per_customer():
    times = ["10:00", "10:10", "10:20", "10:30", "10:40", "10:50", "11:00"]
    hits = run("customer_order_burst", _burst(times))
    assert _keys(hits, "customer_id") == ["C-BURST"]


def test_impossible_timestamps_shipped_before_created():
    row = order("A", shipped_at=at("2026-03-02 09:00"), delivered_at=None)
    hits = run("impossible_timestamps", {"orders": [row]})
    assert hits[0]["evidence"].startswith("Shipped 2026-03-02 09:00 is before created")


def test_refund_without_cause_cancelled_order_quiet():
    tables = {
        "orders": [_cancelled("A", "2026-03-02 12:00")],
        "refunds": [refund("R1", "A", "2026-03-02 12:30")],
    }
    assert run("refund_without_cause", tables) == []


def test_returned_to_sender_customer_return_quiet():
    assert run("returned_to_sender", _returned(delivered_first=True)) == []


def test_seller_complaint_rate_too_few_orders_quiet():
    tables = _seller_complaints(2)
    tables["orders"] = tables["orders"][:49]
    assert run("seller_complaint_rate", tables) == []


def test_rule_hits_after_as_of_dropped():
    row = order(
        "A", shipped_at=at("2026-04-01 00:00"), promised_ship_by=at("2026-03-31 10:00")
    )
    assert run("shipped_after_ship_by", {"orders": [row]}) == []


def test_rulekit_rejects_unknown_column():
    with pytest.raises(ValueError, match="no column"):
        run("delivered_late", {"orders": [order("A", colour="red")]})


@pytest.mark.parametrize("first, second", [
    ("in_transit", "out_for_delivery"), ("out_for_delivery", "in_transit")])
def test_no_scan_in_transit_tie_by_code(first, second):
    # Two last events at the same moment: whichever comes first in the file,
    # the later code in the alphabet is taken, so a rerun names the same one.
    row = order("A", delivered_at=None, order_status="shipped")
    events = scans(row, "picked_up", first, second)
    events[2]["event_at"] = events[1]["event_at"]
    hits = run("no_scan_in_transit", {"orders": [row], "carrier_events": events})
    assert len(hits) == 1
    assert "out_for_delivery" in hits[0]["evidence"]


@pytest.mark.parametrize("first, second", [("damaged", "lost"), ("lost", "damaged")])
def test_lost_or_damaged_tie_by_code(first, second):
    row = order("A")
    events = scans(row, first, second)
    events[1]["event_at"] = events[0]["event_at"]
    hits = run("carrier_lost_or_damaged", {"orders": [row], "carrier_events": events})
    assert len(hits) == 1
    assert hits[0]["evidence"].startswith("Carrier reported damaged")

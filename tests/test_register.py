"""The register: stable ids, due dates in business time, severity, force majeure."""

import datetime as dt

import duckdb
import pytest

from audit import register
from audit.config import load_config
from audit.errors import AuditError
from audit.pipeline import RunOptions, prepare, run_rules
from audit.progress import Progress

ORDERS = (
    "order_id,customer_id,created_at,paid_at,order_amount,paid_amount,"
    "promised_delivery_by,delivered_at,ship_region,is_key_order\n"
    # delivered one day late, small amount
    "A1,C1,2024-03-01 09:00,2024-03-01 09:05,10.00,10.00,2024-03-04,2024-03-05 08:00,north,\n"
    # delivered late, large amount
    "A2,C2,2024-03-01 09:00,2024-03-01 09:05,3000.00,3000.00,2024-03-04,2024-03-05 08:00,north,\n"
    # delivered late, key order flag
    "A3,C3,2024-03-01 09:00,2024-03-01 09:05,10.00,10.00,2024-03-04,2024-03-05 08:00,north,yes\n"
    # delivered late inside a typhoon in the south
    "A4,C4,2024-03-01 09:00,2024-03-01 09:05,10.00,10.00,2024-03-04,2024-03-05 08:00,south,\n"
)
DISRUPTIONS = (
    "disruption_id,starts_at,ends_at,region,kind\n"
    "TY-1,2024-03-04,2024-03-06,south,typhoon\n"
)


def run_case(tmp_path, config_text: str = "", as_of: str = "2024-03-05"):
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "disruptions.csv").write_text(DISRUPTIONS, encoding="utf-8")
    config_path = tmp_path / "order-audit.toml"
    config_path.write_text(config_text, encoding="utf-8")
    config = load_config(config_path)
    config.as_of = dt.date.fromisoformat(as_of)
    run = prepare(RunOptions(config, folder=tmp_path), Progress(quiet=True))
    try:
        run_rules(run, Progress(quiet=True))
        rows = run.con.execute(
            "SELECT order_id, exception_id, severity, due_by, overdue, responsible_party, "
            "force_majeure FROM register WHERE rule_id = 'delivered_late' ORDER BY order_id"
        ).fetchall()
    finally:
        run.close()
    return {row[0]: row[1:] for row in rows}


def test_register_exception_id_is_stable(tmp_path):
    first = run_case(tmp_path)
    second = run_case(tmp_path, as_of="2024-03-20")
    assert first["A1"][0] == second["A1"][0]
    assert first["A1"][0].startswith("EX-")


def test_register_severity_starts_at_rule_default(tmp_path):
    assert run_case(tmp_path)["A1"][1] == "important"


def test_register_amount_raises_severity(tmp_path):
    assert run_case(tmp_path)["A2"][1] == "urgent"


def test_register_key_order_raises_severity(tmp_path):
    assert run_case(tmp_path)["A3"][1] == "urgent"


def test_register_configured_thresholds_change_severity(tmp_path):
    rows = run_case(tmp_path, '[severity]\namount_urgent = "5000"\n')
    assert rows["A2"][1] == "important"


def test_register_due_date_counts_business_days(tmp_path):
    # Detected Tuesday 2024-03-05; 2 business days later is Thursday, and the
    # limit runs to the end of that day.
    assert run_case(tmp_path)["A1"][2] == dt.datetime(2024, 3, 8, 0, 0)


def test_register_due_date_skips_holidays_and_weekends(tmp_path):
    rows = run_case(tmp_path, '[calendar]\nholidays = ["2024-03-06", "2024-03-07"]\n')
    # Wednesday and Thursday are holidays: Friday is the first, Monday the second.
    assert rows["A1"][2] == dt.datetime(2024, 3, 12, 0, 0)


def test_register_overdue_as_of_later_date(tmp_path):
    assert run_case(tmp_path)["A1"][3] is False
    assert run_case(tmp_path, as_of="2024-03-08")["A1"][3] is True


def test_register_overdue_past_factor_raises_severity(tmp_path):
    assert run_case(tmp_path, as_of="2024-03-30")["A1"][1] == "urgent"


def test_register_force_majeure_in_disruption(tmp_path):
    rows = run_case(tmp_path)
    assert rows["A4"][5] == "TY-1"
    assert rows["A4"][4] == "force_majeure"
    assert rows["A1"][5] is None
    assert rows["A1"][4] == "carrier"


def test_register_time_limit_from_configuration(tmp_path):
    rows = run_case(tmp_path, '[rules.delivered_late]\ntime_limit = "48h"\n')
    assert rows["A1"][2] == dt.datetime(2024, 3, 7, 8, 0)


def test_register_rule_can_be_disabled(tmp_path):
    assert run_case(tmp_path, '[rules.delivered_late]\nenabled = false\n') == {}


def test_register_ignores_hits_after_as_of(tmp_path):
    assert run_case(tmp_path, as_of="2024-03-04") == {}


def test_register_rule_parameter_from_configuration(tmp_path):
    # A1 was delivered one day after its promised date: a grace of one day
    # in the configuration removes it, with no change to the rule file.
    assert "A1" in run_case(tmp_path)
    assert "A1" not in run_case(tmp_path, "[rules.delivered_late]\ngrace_days = 1\n")


def test_register_misspelt_parameter_is_an_error(tmp_path):
    from audit.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        run_case(tmp_path, "[rules.delivered_late]\ngrace_dayz = 1\n")
    assert "rules.delivered_late.grace_dayz is not a setting" in caught.value.message


def test_register_unknown_rule_is_an_error(tmp_path):
    from audit.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        run_case(tmp_path, "[rules.delivered_lat]\ngrace_days = 1\n")
    assert "did you mean 'delivered_late'" in caught.value.message


def register_with(**changes) -> duckdb.DuckDBPyConnection:
    row = {"exception_id": "EX-0123456789ABCDEF", "rule_id": "delivered_late",
           "rule_title": "Delivered late", "category": "fulfilment",
           "severity": "urgent", "responsible_party": "carrier",
           "evidence": "Delivered two days late",
           "detected_at": dt.datetime(2024, 3, 5, 10), "status": "open",
           "age_days": 3} | changes
    con = duckdb.connect()
    con.execute("CREATE TABLE register AS SELECT " + ", ".join(
        f"${name} AS {name}" for name in row), row)
    return con


def test_register_schema_accepts_a_sound_row():
    assert register.validate_register(register_with()) == 1


@pytest.mark.parametrize("changes, column", [
    ({"exception_id": "EX-1"}, "exception_id"),
    ({"severity": "panic"}, "severity"),
    ({"category": "delivery"}, "category"),
    ({"evidence": ""}, "evidence"),
    ({"age_days": -2}, "age_days"),
])
def test_register_schema_rejects_a_bad_value(changes, column):
    with pytest.raises(AuditError) as caught:
        register.validate_register(register_with(**changes))
    assert "failed its schema check" in caught.value.message
    assert column in caught.value.message

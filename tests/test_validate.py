"""Loading and validating exports: values, rejections and counts."""

from decimal import Decimal

import duckdb
import pytest

from audit import validate
from audit.errors import AuditError
from audit.loader import load_file
from audit.profiles import load_profile

FORMATS = validate.Formats("Asia/Shanghai", ".", None)


def stage(tmp_path, name: str, text: str, formats=FORMATS, encoding="utf-8"):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(text.encode(encoding))
    con = duckdb.connect()
    spec = load_profile("canonical", {}).inputs[name]
    loaded = load_file(con, name, path)
    mapping = validate.check_required_columns([(spec, loaded)])[name]
    con.execute(validate.REJECTED_DDL)
    counts = validate.stage_input(con, spec, loaded, mapping, formats)
    return con, counts


def rejected(con):
    return con.execute(
        'SELECT "row", "column", value, reason_code FROM rejected_rows ORDER BY "row", "column"'
    ).fetchall()


@pytest.mark.parametrize("text, expected", [
    ("1234.50", Decimal("1234.50")),
    ("1,234.50", Decimal("1234.50")),
    ("¥1,234.50", Decimal("1234.50")),
    ("-12.50", Decimal("-12.50")),
    ("(12.50)", Decimal("-12.50")),
    ("541.0", Decimal("541.00")),
    ("$ 7", Decimal("7.00")),
    ("12.3400", Decimal("12.34")),
])
def test_money_dot_decimal_mark(text, expected):
    sql = validate.money_sql("$v", ".")
    assert duckdb.execute(f"SELECT {sql}", {"v": text}).fetchone()[0] == expected


@pytest.mark.parametrize("text, expected", [
    ("1.234,56", Decimal("1234.56")),
    ("12,5", Decimal("12.50")),
    ("€ 1.000", Decimal("1000.00")),
])
def test_money_comma_decimal_mark(text, expected):
    sql = validate.money_sql("$v", ",")
    assert duckdb.execute(f"SELECT {sql}", {"v": text}).fetchone()[0] == expected


@pytest.mark.parametrize("text", ["abc", "1.234,56", "12.345", "1,23.4", "12 apples 3"])
def test_money_rejects_ambiguous_or_invalid(text):
    sql = validate.money_sql("$v", ".")
    assert duckdb.execute(f"SELECT {sql}", {"v": text}).fetchone()[0] is None


def test_stage_keeps_ids_as_text(tmp_path):
    con, counts = stage(tmp_path, "orders",
                        "order_id,created_at,tracking_no\n"
                        "000123,2024-01-05 10:00,123456789012345678901\n")
    row = con.execute("SELECT order_id, tracking_no FROM in_orders").fetchone()
    assert row == ("000123", "123456789012345678901")
    assert counts.rows_accepted == 1


def test_stage_rejects_bad_values_with_reasons(tmp_path):
    con, counts = stage(tmp_path, "orders",
                        "order_id,created_at,order_amount\n"
                        "A1,2024-01-05 10:00,12.00\n"
                        "A2,not a date,12.00\n"
                        "A3,2024-01-05,twelve\n"
                        ",2024-01-05,1\n"
                        "A1,2024-01-06,3\n")
    assert rejected(con) == [
        (3, "created_at", "not a date", "invalid_timestamp"),
        (4, "order_amount", "twelve", "invalid_amount"),
        (5, "order_id", None, "missing_value"),
        (6, "order_id", "A1", "duplicate_key"),
    ]
    assert (counts.rows_read, counts.rows_accepted, counts.rows_rejected) == (5, 1, 4)


def test_stage_converts_offsets_to_business_time(tmp_path):
    con, _ = stage(tmp_path, "orders",
                   "order_id,created_at\nA1,2024-01-05T02:00:00Z\nA2,2024-01-05 02:00:00+08:00\n")
    values = [str(v[0]) for v in con.execute("SELECT created_at FROM in_orders ORDER BY order_id").fetchall()]
    assert values == ["2024-01-05 10:00:00", "2024-01-05 02:00:00"]


def test_stage_reads_common_date_formats(tmp_path):
    con, counts = stage(tmp_path, "orders",
                        "order_id,created_at\nA1,2020/2/21 0:00\nA2,21/02/2020\nA3,43882\n")
    values = [str(v[0]) for v in con.execute("SELECT created_at FROM in_orders ORDER BY order_id").fetchall()]
    assert values == ["2020-02-21 00:00:00", "2020-02-21 00:00:00", "2020-02-21 00:00:00"]
    assert counts.rows_rejected == 0


def test_stage_ambiguous_day_month_order_is_an_error(tmp_path):
    with pytest.raises(AuditError) as caught:
        stage(tmp_path, "orders", "order_id,created_at\nA1,03/04/2020\nA2,05/06/2020\n")
    assert "created_at" in caught.value.message
    assert "date_order" in caught.value.fix


def test_stage_configured_date_order_decides(tmp_path):
    formats = validate.Formats("UTC", ".", "MDY")
    con, _ = stage(tmp_path, "orders", "order_id,created_at\nA1,03/04/2020\n", formats)
    assert str(con.execute("SELECT created_at FROM in_orders").fetchone()[0]) == "2020-03-04 00:00:00"


def test_stage_normalises_event_codes(tmp_path):
    con, counts = stage(tmp_path, "carrier_events",
                        "order_id,event_at,event_code\nA1,2024-01-01,Delivered\n"
                        "A1,2024-01-01,Out for delivery\nA1,2024-01-01,teleported\n")
    codes = sorted(v[0] for v in con.execute("SELECT event_code FROM in_carrier_events").fetchall())
    assert codes == ["delivered", "out_for_delivery"]
    assert rejected(con) == [(4, "event_code", "teleported", "not_allowed_value")]


def test_stage_reads_gbk_export(tmp_path):
    con, counts = stage(tmp_path, "orders", "order_id,created_at,carrier\nA1,2024-01-01,顺丰速运\n",
                        encoding="gbk")
    assert con.execute("SELECT carrier FROM in_orders").fetchone()[0] == "顺丰速运"


def test_stage_malformed_csv_record_is_rejected_with_row(tmp_path):
    con, counts = stage(tmp_path, "orders",
                        "order_id,created_at\nA1,2024-01-01\nA2,2024-01-01,extra\nA3,2024-01-02\n")
    assert counts.rows_read == 3
    assert counts.rows_accepted == 2
    assert rejected(con)[0][0] == 3
    assert rejected(con)[0][3] == "malformed_record"
    rows = con.execute("SELECT _row, order_id FROM in_orders ORDER BY _row").fetchall()
    assert rows == [(2, "A1"), (4, "A3")]

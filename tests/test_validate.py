"""Loading and validating exports: values, rejections and counts."""

import dataclasses
import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from audit import validate
from audit.errors import AuditError, ConfigError, MissingColumnError
from audit.loader import detect_encoding, load_file
from audit.profiles import load_profile, suggest_profile

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


@pytest.mark.parametrize("text, expected", [
    ("2024-01-05 10:00:00", dt.datetime(2024, 1, 5, 10, 0)),
    ("2024-01-05 10:00:00.250", dt.datetime(2024, 1, 5, 10, 0, 0, 250000)),
    # An offset is converted to the business time zone, not dropped.
    ("2024-01-05 10:00:00+08:00", dt.datetime(2024, 1, 5, 2, 0)),
    ("2024-01-05 10:00:00Z", dt.datetime(2024, 1, 5, 10, 0)),
    ("2024-02-30 10:00:00", None),
    # DuckDB's cast would drop a zone name and read the time as local.
    ("2024-01-05 10:00:00 Asia/Shanghai", None),
    ("2024-01-05T10:00", dt.datetime(2024, 1, 5, 10, 0)),
    ("2024-1-5 9:30", dt.datetime(2024, 1, 5, 9, 30)),
    # Words that DuckDB reads as dates are not dates in an export.
    ("epoch", None),
    ("infinity", None),
    # No place is 99 hours ahead of UTC.
    ("2024-01-05 10:00:00+99:99", None),
    ("2024-01-05 10:00:00-24", None),
    ("2024-01-05 10:00:00+14:00", dt.datetime(2024, 1, 4, 20, 0)),
    ("2024年1月5日 10:00", dt.datetime(2024, 1, 5, 10, 0)),
    ("2024年1月5日 10:00 PST", None),
])
def test_timestamp_common_form_and_near_misses(text, expected):
    sql = validate.timestamp_sql("$v", "UTC", "DMY")
    assert duckdb.execute(f"SELECT {sql}", {"v": text}).fetchone()[0] == expected


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


def test_stage_implausible_dates_and_duplicates(tmp_path):
    con, counts = stage(tmp_path, "orders",
                        "order_id,created_at,shipped_at\n"
                        "B7,2024-01-05 10:00,2100-01-01\n"
                        "B8,1985-12-31,\n"
                        "B9,2024-01-05,\n"
                        "B9,2024-01-06,\n"
                        ",2024-01-07,\n"
                        ",2024-01-08,\n"
                        "B9,2024-01-09,\n")
    assert rejected(con) == [
        (2, "shipped_at", "2100-01-01", "implausible_date"),
        (3, "created_at", "1985-12-31", "implausible_date"),
        (5, "order_id", "B9", "duplicate_key"),
        (6, "order_id", None, "missing_value"),
        (7, "order_id", None, "missing_value"),
        (8, "order_id", "B9", "duplicate_key"),
    ]
    assert (counts.rows_read, counts.rows_accepted, counts.rows_rejected) == (7, 1, 6)


def test_stage_keeps_first_sound_copy(tmp_path):
    con, counts = stage(tmp_path, "orders",
                        "order_id,created_at,order_amount\n"
                        "D1,2024-01-05,twelve\n"
                        "D1,1980-01-05,12.00\n"
                        "D1,2024-01-06,12.00\n"
                        "D1,2024-01-07,12.00\n")
    assert rejected(con) == [
        (2, "order_amount", "twelve", "invalid_amount"),
        (3, "created_at", "1980-01-05", "implausible_date"),
        (5, "order_id", "D1", "duplicate_key"),
    ]
    accepted = con.execute("SELECT _row FROM in_orders").fetchall()
    assert accepted == [(4,)]
    assert (counts.rows_read, counts.rows_accepted, counts.rows_rejected) == (4, 1, 3)


def test_stage_checks_keys_across_batches(tmp_path, monkeypatch):
    # With batches of two rows, the five rows are split in three batches.
    # A key's copies must still meet in one batch for the uniqueness check.
    monkeypatch.setattr(validate, "PANDERA_BATCH_ROWS", 2)
    rows = "".join(f"K{n % 3},2024-01-0{n + 1}\n" for n in range(5))
    con, counts = stage(tmp_path, "orders", "order_id,created_at\n" + rows)
    assert rejected(con) == [
        (5, "order_id", "K0", "duplicate_key"),
        (6, "order_id", "K1", "duplicate_key"),
    ]
    assert (counts.rows_accepted, counts.rows_rejected) == (3, 2)


def test_keyless_batches_cover_every_row(tmp_path, monkeypatch):
    # Carrier events have no unique key, so batches are ranges of positions.
    # Seven events in batches of two make four ranges, and the bad code of
    # every event must be found in one of them. Blank lines leave gaps in
    # the row numbers, which must not make a batch larger than the limit.
    monkeypatch.setattr(validate, "PANDERA_BATCH_ROWS", 2)
    sizes = []
    batches = validate._pandera_batches

    def counted(*args):
        for frame in batches(*args):
            sizes.append(frame.height)
            yield frame

    monkeypatch.setattr(validate, "_pandera_batches", counted)
    events = [f"T1,2024-01-0{n + 1} 10:00,teleported\n" for n in range(7)]
    rows = "".join(events[:5]) + "\n" * 40 + "".join(events[5:])
    con, counts = stage(tmp_path, "carrier_events",
                        "tracking_no,event_at,event_code\n" + rows)
    assert rejected(con) == [(row, "event_code", "teleported", "not_allowed_value")
                             for row in [2, 3, 4, 5, 6, 47, 48]]
    assert (counts.rows_read, counts.rows_accepted, counts.rows_rejected) == (7, 0, 7)
    assert sizes == [2, 2, 2, 1]


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


def test_stage_date_order_after_unicode_spaces(tmp_path):
    con, counts = stage(tmp_path, "orders",
                        "order_id,created_at\nA1,\u00a013/01/2026\nA2,03/02/2026\u3000\n")
    values = [str(v[0]) for v in con.execute(
        "SELECT created_at FROM in_orders ORDER BY order_id").fetchall()]
    assert values == ["2026-01-13 00:00:00", "2026-02-03 00:00:00"]
    assert counts.rows_rejected == 0


def test_stage_configured_date_order_decides(tmp_path):
    formats = validate.Formats("UTC", ".", "MDY")
    con, _ = stage(tmp_path, "orders", "order_id,created_at\nA1,03/04/2020\n", formats)
    assert str(con.execute("SELECT created_at FROM in_orders").fetchone()[0]) == "2020-03-04 00:00:00"


def test_stage_normalises_event_codes(tmp_path):
    con, _ = stage(tmp_path, "carrier_events",
                   "order_id,event_at,event_code\nA1,2024-01-01,Delivered\n"
                   "A1,2024-01-01,Out for delivery\nA1,2024-01-01,teleported\n")
    codes = sorted(v[0] for v in con.execute("SELECT event_code FROM in_carrier_events").fetchall())
    assert codes == ["delivered", "out_for_delivery"]
    assert rejected(con) == [(4, "event_code", "teleported", "not_allowed_value")]


def test_stage_reads_gbk_export(tmp_path):
    con, _ = stage(tmp_path, "orders", "order_id,created_at,carrier\nA1,2024-01-01,顺丰速运\n",
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


@pytest.mark.parametrize("body, expected", [
    # A quoted value spans two lines, so the next record starts a line later
    # in the file but is still the next spreadsheet row.
    ('A1,"two\nlines"\nA2,plain\n', [(2, "A1", "two\nlines"), (3, "A2", "plain")]),
    ("A1,'it''s\nquoted'\nA2,plain\n", None),
    # No quote anywhere: a blank line is an empty spreadsheet row.
    ("A1,plain\n\nA2,plain\n", [(2, "A1", "plain"), (4, "A2", "plain")]),
    ("A1,plain\nA2,plain\n\n\n", [(2, "A1", "plain"), (3, "A2", "plain")]),
])
def test_stage_row_numbers_follow_the_file(tmp_path, body, expected):
    body = body.replace("A1,", "A1,2024-01-01,").replace("A2,", "A2,2024-01-02,")
    con, counts = stage(tmp_path, "orders", "order_id,created_at,ship_region\n" + body)
    rows = con.execute(
        "SELECT _row, order_id, ship_region FROM in_orders ORDER BY _row").fetchall()
    if expected is None:
        # Whichever quote the reader settles on, no record is lost.
        assert [row[1] for row in rows] == ["A1", "A2"]
    else:
        assert rows == expected
    assert counts.rows_read == counts.rows_accepted == 2


@pytest.mark.parametrize("text, expected", [
    ("R$ 99.99", Decimal("99.99")),
    ("RMB 100", Decimal("100.00")),
    ("cny 0.01", Decimal("0.01")),
    ("￥1,234.50", Decimal("1234.50")),
    ("12 元", Decimal("12.00")),
    ("US$1,000.00", Decimal("1000.00")),
    ("12.50-", Decimal("-12.50")),
    ("$-12.50", Decimal("-12.50")),
    ("-$12.50", Decimal("-12.50")),
    ("($12.50)", Decimal("-12.50")),
    ("$(12.50)", Decimal("-12.50")),
    ("+7", Decimal("7.00")),
    ("1'234.50", Decimal("1234.50")),
    ("€\u00a012", Decimal("12.00")),
    (".5", Decimal("0.50")),
])
def test_money_currencies_and_signs(text, expected):
    sql = validate.money_sql("$v", ".")
    assert duckdb.execute(f"SELECT {sql}", {"v": text}).fetchone()[0] == expected


@pytest.mark.parametrize("text", [
    "(-12.50)", "-12.50-", "--12", "abc12", "12 34", "$12€", "1,2345.00", "12.5.5",
    "1e5", "0x10", "(12.50", "12.001",
])
def test_money_rejects_ambiguous_signs_and_shapes(text):
    sql = validate.money_sql("$v", ".")
    assert duckdb.execute(f"SELECT {sql}", {"v": text}).fetchone()[0] is None


def test_money_comma_mark_with_space_groups():
    sql = validate.money_sql("$v", ",")
    parsed = duckdb.execute(f"SELECT {sql}", {"v": "1 234,56 €"}).fetchone()[0]
    assert parsed == Decimal("1234.56")


@pytest.mark.parametrize("text", [
    "Müller", "São Paulo", "François réélu", "Ærøskøbing", "Zürich, Straße 5",
    "informação, devolução, não", "José Ñúñez",
])
def test_detect_encoding_latin_not_gb18030(text):
    sample = f"id,name\n1,{text}\n".encode("cp1252")
    assert detect_encoding(sample) == "cp1252"


@pytest.mark.parametrize("text", [
    "顺丰速运", "是", "已签收,已取消", "XL码", "iPhone手机壳", "王喆",
])
def test_detect_encoding_gbk_is_gb18030(text):
    sample = f"id,name\n1,{text}\n".encode("gbk")
    assert detect_encoding(sample) == "gb18030"


def test_detect_encoding_utf8_stray_byte():
    text = "id,name\n" + "1,顺丰速运上海浦东新区张江高科技园区分部\n" * 2
    sample = text.encode() + b"2,caf\xe9\n"
    assert detect_encoding(sample) == "utf-8"


def test_detect_encoding_gbk_first_seen_in_cut_line():
    # The sample ends inside the first line with Chinese text, so that line
    # is the only evidence, and it is not UTF-8.
    text = "id,name\n" + "1,plain ascii\n" * 50 + "2," + "顺丰速运" * 500
    sample = text.encode("gbk")[:1500]
    assert detect_encoding(sample) == "gb18030"


def test_detect_encoding_latin1_control_range():
    # 0x81 is undefined in Windows-1252, and GB18030 needs a second byte after it.
    assert detect_encoding(b"id,name\n1,x\x81,y\n") == "latin-1"


def test_detect_encoding_unknown_configured_name():
    with pytest.raises(ConfigError) as caught:
        detect_encoding(b"a,b\n", "klingon")
    assert caught.value.message == "unknown encoding 'klingon'"


def test_resolve_header_with_spaces_and_case(tmp_path):
    con, counts = stage(tmp_path, "orders", "Order ID,Created At\nA1,2024-01-05\n")
    assert con.execute("SELECT order_id FROM in_orders").fetchall() == [("A1",)]
    assert counts.rows_accepted == 1


def test_missing_column_suggests_synonym(tmp_path):
    with pytest.raises(MissingColumnError) as caught:
        stage(tmp_path, "orders", "订单号,created_at\n1,2024-01-05\n")
    assert "'order_id' (for orders.order_id); closest: 订单号" in caught.value.message
    assert caught.value.fix == (
        "Rename the column in the export, or map it under "
        '[profiles.NAME.inputs.INPUT.columns] in the configuration, for example: '
        'order_id = "订单号".'
    )


def write_headers(folder, files: dict[str, str]):
    folder.mkdir(exist_ok=True)
    for name, header in files.items():
        (folder / name).write_text(header + "\n", encoding="utf-8")
    return folder


OLIST_HEADERS = {
    "olist_orders_dataset.csv": "order_id,customer_id,order_status,"
    "order_purchase_timestamp,order_approved_at,order_delivered_carrier_date,"
    "order_delivered_customer_date,order_estimated_delivery_date",
    "olist_order_items_dataset.csv": "order_id,order_item_id,product_id,seller_id,"
    "shipping_limit_date,price,freight_value",
    "olist_customers_dataset.csv": "customer_id,customer_unique_id,"
    "customer_zip_code_prefix,customer_city,customer_state",
}


def test_suggest_profile_for_olist_folder(tmp_path):
    folder = write_headers(tmp_path / "olist", OLIST_HEADERS)
    assert suggest_profile(folder, exclude="canonical") == "olist"


def test_suggest_profile_for_canonical_folder(tmp_path):
    folder = write_headers(tmp_path / "canonical", {
        "orders.csv": "order_id,customer_id,created_at,order_amount",
        "carrier_events.csv": "tracking_no,order_id,event_at,event_code",
    })
    assert suggest_profile(folder, exclude="olist") == "canonical"


def test_suggest_profile_from_headers():
    headers = {"export.csv": OLIST_HEADERS["olist_orders_dataset.csv"].split(",")}
    assert suggest_profile(headers, exclude="canonical") == "olist"


def test_suggest_profile_none_when_current_fits(tmp_path):
    folder = write_headers(tmp_path / "olist", OLIST_HEADERS)
    assert suggest_profile(folder, exclude="olist") is None


def test_suggest_profile_none_for_unrelated_headers():
    assert suggest_profile(["colour", "size", "weight"]) is None


def test_suggest_profile_includes_user_profiles(tmp_path):
    folder = write_headers(tmp_path / "shop", {"订单导出.csv": "订单号,下单时间"})
    user = {"shop_cn": {"inputs": {"orders": {
        "feeds": "orders", "files": ["订单导出.csv"],
        "columns": {"order_id": "订单号", "created_at": "下单时间"}}}}}
    assert suggest_profile(folder, user, exclude="canonical") == "shop_cn"


def test_missing_columns_name_better_profile(tmp_path):
    path = write_headers(tmp_path / "in", OLIST_HEADERS) / "olist_orders_dataset.csv"
    con = duckdb.connect()
    loaded = load_file(con, "orders", path)
    spec = load_profile("canonical", {}).inputs["orders"]
    with pytest.raises(MissingColumnError) as caught:
        validate.check_required_columns([(spec, loaded)], "canonical", {})
    assert caught.value.fix.startswith(
        "These files look like the 'olist' profile, not 'canonical': "
        "run with --profile olist.\n"
    )


@pytest.mark.parametrize("settings, message", [
    ({"feeds": "orders", "encodings": "gbk"},
     ("profile 'mine', input 'orders': unknown setting 'encodings'; "
      "did you mean 'encoding'?")),
    ({"feeds": "orders", "encoding": "klingon"},
     "profile 'mine', input 'orders': unknown encoding 'klingon'"),
    ({"feeds": "orders", "date_order": "YMD"},
     ('profile \'mine\', input \'orders\': date_order must be "DMY" or "MDY", '
      "got 'YMD'")),
    ({"feeds": "orders", "decimal_mark": ";"},
     "profile 'mine', input 'orders': decimal_mark must be '.' or ',', got ';'"),
    ({"feeds": "orders", "date_formats": ["dd.mm.yyyy"]},
     ("profile 'mine', input 'orders': date_formats contains 'dd.mm.yyyy', which is "
      'not a strptime format such as "%d.%m.%Y %H:%M"')),
])
def test_profile_settings_are_checked(settings, message):
    with pytest.raises(ConfigError) as caught:
        load_profile("mine", {"mine": {"inputs": {"orders": settings}}})
    assert caught.value.message == message


def test_profile_level_settings_apply_to_inputs():
    profile = load_profile("mine", {"mine": {
        "encoding": "gbk", "date_order": "mdy",
        "inputs": {"orders": {"feeds": "orders"},
                   "refunds": {"feeds": "refunds", "encoding": "utf-8"}}}})
    assert (profile.inputs["orders"].encoding, profile.inputs["orders"].date_order) == (
        "gbk", "MDY")
    assert profile.inputs["refunds"].encoding == "utf-8"


def test_configured_date_formats_decide(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("order_id,created_at\nA1,05.01.2024 10:30\nA2,01/05/2024\n",
                    encoding="utf-8")
    con = duckdb.connect()
    spec = load_profile("mine", {"mine": {"inputs": {"orders": {
        "feeds": "orders", "date_formats": ["%d.%m.%Y %H:%M"]}}}}).inputs["orders"]
    loaded = load_file(con, "orders", path)
    mapping = validate.check_required_columns([(spec, loaded)])["orders"]
    validate.stage_input(con, spec, loaded, mapping, FORMATS)
    assert con.execute("SELECT created_at FROM in_orders").fetchall() == [
        (dt.datetime(2024, 1, 5, 10, 30),)
    ]
    assert rejected(con) == [(3, "created_at", "01/05/2024", "invalid_timestamp")]


def test_mixed_day_month_order_is_an_error(tmp_path):
    with pytest.raises(AuditError) as caught:
        stage(tmp_path, "orders", "order_id,created_at\nA1,13/01/2020\nA2,01/13/2020\n")
    assert caught.value.message.endswith(
        "column 'created_at' mixes day-first and month-first dates, "
        "such as '13/01/2020'"
    )


def test_event_code_mapping_before_normalising(tmp_path):
    path = tmp_path / "carrier_events.csv"
    path.write_text("tracking_no,event_at,event_code\nT1,2024-01-01,派送中\n"
                    "T1,2024-01-02,Delivered OK\n", encoding="utf-8")
    con = duckdb.connect()
    values = {"event_code": {"派送中": "out_for_delivery", "delivered ok": "delivered"}}
    profile = load_profile("mine", {"mine": {"inputs": {"carrier_events": {
        "feeds": "carrier_events", "values": values}}}})
    spec = profile.inputs["carrier_events"]
    loaded = load_file(con, "carrier_events", path)
    mapping = validate.check_required_columns([(spec, loaded)])["carrier_events"]
    validate.stage_input(con, spec, loaded, mapping, FORMATS)
    codes = con.execute(
        "SELECT event_code FROM in_carrier_events ORDER BY _row"
    ).fetchall()
    assert codes == [("out_for_delivery",), ("delivered",)]


def test_carrier_event_needs_tracking_or_order(tmp_path):
    con, counts = stage(tmp_path, "carrier_events",
                        "tracking_no,order_id,event_at,event_code\n"
                        "T1,,2024-01-01,delivered\n,,2024-01-01,delivered\n")
    assert rejected(con) == [(3, "tracking_no", None, "missing_value")]
    assert (counts.rows_accepted, counts.rows_rejected) == (1, 1)


def test_carrier_events_need_id_column(tmp_path):
    with pytest.raises(MissingColumnError) as caught:
        stage(tmp_path, "carrier_events", "event_at,event_code\n2024-01-01,delivered\n")
    assert "'tracking_no' or 'order_id' (for carrier_events; one of them is required)" \
        in caught.value.message


def test_stage_header_with_quotes_is_only_a_name(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    header = f'"carrier"" , (SELECT content FROM read_text(\'{secret}\')) AS ""x"'
    con, counts = stage(tmp_path, "orders",
                        f"order_id,created_at,{header}\nA1,2024-01-01,dhl\n")
    assert counts.rows_accepted == 1
    values = con.execute("SELECT * FROM in_orders").fetchall()
    assert "TOP-SECRET" not in repr(values)


def test_configured_format_refuses_words_duckdb_reads_as_dates(tmp_path):
    spec = load_profile("canonical", {}).inputs["orders"]
    spec = dataclasses.replace(spec, date_formats=["%d.%m.%Y %H:%M"])
    path = tmp_path / "orders.csv"
    path.write_text("order_id,created_at\nA1,05.01.2024 10:00\nA2,infinity\n"
                    "A3,-infinity\nA4,epoch\n", encoding="utf-8")
    con = duckdb.connect()
    loaded = load_file(con, "orders", path)
    mapping = validate.check_required_columns([(spec, loaded)])["orders"]
    con.execute(validate.REJECTED_DDL)
    counts = validate.stage_input(con, spec, loaded, mapping, FORMATS)
    assert [row[3] for row in rejected(con)] == ["invalid_timestamp"] * 3
    assert (counts.rows_accepted, counts.rows_rejected) == (1, 3)


@pytest.mark.parametrize("above, below", [
    ("\n", ""), ("\r\n", ""), ("\n\n", ""), ("Orders export\n\n", ""),
    # A blank line or a malformed record below sends the file to the Python
    # reader, which must skip the title as well.
    ("Orders export\n", "\n"), ("Orders export\n", "A3,2024-01-05,extra\n"),
])
def test_stage_lines_above_the_header_are_not_records(tmp_path, above, below):
    path = tmp_path / "orders.csv"
    path.write_text(above + "order_id,created_at\nA1,2024-01-05\nA2,later\n" + below,
                    encoding="utf-8", newline="")
    con = duckdb.connect()
    spec = load_profile("canonical", {}).inputs["orders"]
    loaded = load_file(con, "orders", path)
    mapping = validate.check_required_columns([(spec, loaded)])["orders"]
    con.execute(validate.REJECTED_DDL)
    counts = validate.stage_input(con, spec, loaded, mapping, FORMATS)
    header_row = above.count("\n") + 1
    expected = [(header_row + 2, "created_at", "later", "invalid_timestamp")]
    if "extra" in below:
        expected.append((header_row + 3, None, below.strip(), "malformed_record"))
    assert rejected(con) == expected
    assert counts.rows_accepted == 1
    assert counts.rows_read == 1 + len(expected)


def test_encoding_utf8_with_stray_gbk_rows(tmp_path):
    rows = "".join(f"{n:04d},2024-01-05 10:00:00,客户{n}\n" for n in range(30))
    path = tmp_path / "orders.csv"
    path.write_bytes(("order_id,created_at,customer_id\n" + rows).encode("utf-8")
                     + "0031,2024-01-05 10:00:00,王五\n".encode("gbk"))
    con = duckdb.connect()
    loaded = load_file(con, "orders", path)
    assert loaded.encoding == "utf-8"
    values = con.execute(f"SELECT customer_id FROM {loaded.table} ORDER BY _row").fetchall()
    assert values[0] == ("客户0",)
    assert [(m.row, m.reason) for m in loaded.malformed] == [
        (32, "the record contains bytes that are not valid utf-8")]


def test_encoding_gbk_with_one_chinese_line(tmp_path):
    rows = "".join(f"{n:04d},2024-01-05 10:00:00,C{n}\n" for n in range(30))
    path = tmp_path / "orders.csv"
    path.write_bytes(("order_id,created_at,customer_id\n" + rows
                      + "0031,2024-01-05 10:00:00,王五\n").encode("gbk"))
    con = duckdb.connect()
    loaded = load_file(con, "orders", path)
    assert loaded.encoding == "gb18030"
    assert con.execute(f"SELECT customer_id FROM {loaded.table} WHERE _row = 32"
                       ).fetchall() == [("王五",)]


def test_unclosed_quote_rejects_each_line_it_swallows(tmp_path):
    con, counts = stage(tmp_path, "orders",
                        "order_id,customer_id,created_at\n"
                        "A0,C0,2024-01-05\n"
                        "A1,C1,2024-01-05,extra\n"
                        'A2,"C2,2024-01-05\n'
                        "A3,C3,2024-01-05\n"
                        "A4,C4,2024-01-05\n")
    rows = rejected(con)
    assert [row[0] for row in rows] == [3, 4, 5, 6]
    assert rows[2][2] == "A3,C3,2024-01-05"
    assert all(row[3] == "malformed_record" for row in rows)
    reasons = con.execute('SELECT reason FROM rejected_rows WHERE "row" >= 4').fetchall()
    assert {reason for (reason,) in reasons} == {
        ("a quote opened on row 4 runs on over 3 lines, so this line cannot be split "
        "into fields; close the quote in the export")}
    assert (counts.rows_read, counts.rows_accepted, counts.rows_rejected) == (5, 1, 4)

"""Messy, hostile and oversized exports: each one loads exactly or fails clearly.

The files under tests/hostile/ are written by tools/make_hostile_files.py.
Each test states the outcome for one kind of file: the values as stored, the
rows rejected with their reasons, or the exact error text.
"""

import datetime as dt
import json
import tomllib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from audit import csv_input, validate
from audit.cli import main
from audit.errors import AuditError, InputFileError
from audit.init import draft_profile
from audit.loader import load_file
from audit.profiles import load_profile

HOSTILE = Path(__file__).parent / "hostile"
FORMATS = validate.Formats("Asia/Shanghai", ".", None)
ORDER_COLUMNS = ["order_id", "created_at", "order_amount", "carrier", "tracking_no"]


def load(name: str, encoding: str = "auto"):
    con = duckdb.connect()
    loaded = load_file(con, "orders", HOSTILE / name, encoding)
    return con, loaded


def raw_rows(con, loaded) -> list[tuple]:
    sql = f'SELECT * EXCLUDE (_file) FROM "{loaded.table}" ORDER BY _row'
    return con.execute(sql).fetchall()


def stage(name: str, formats=FORMATS, table: str = "orders"):
    con = duckdb.connect()
    spec = load_profile("canonical", {}).inputs[table]
    loaded = load_file(con, table, HOSTILE / name)
    mapping = validate.check_required_columns([(spec, loaded)])[table]
    counts = validate.stage_input(con, spec, loaded, mapping, formats)
    return con, counts


def rejected(con) -> list[tuple]:
    return con.execute(
        'SELECT "row", "column", value, reason_code FROM rejected_rows ORDER BY "row"'
    ).fetchall()


def load_error(name: str) -> InputFileError:
    with pytest.raises(InputFileError) as caught:
        load(name)
    return caught.value


# Encodings and dialects


@pytest.mark.parametrize("name, encoding", [
    ("utf8_bom.csv", "utf-8-sig"),
    ("utf8_no_bom.csv", "utf-8"),
    ("gbk.csv", "gb18030"),
    ("utf16.csv", "utf-16"),
])
def test_chinese_text_in_each_encoding(name, encoding):
    con, loaded = load(name)
    assert loaded.encoding == encoding
    assert loaded.columns == ORDER_COLUMNS
    assert raw_rows(con, loaded) == [
        (2, "A1", "2024-01-05 10:00", "12.50", "顺丰速运", "T1"),
        (3, "A2", "2024-01-05 11:00", "8.00", "中通快递", "T2"),
    ]


def test_gb18030_four_byte_character():
    con, loaded = load("gb18030.csv")
    assert loaded.encoding == "gb18030"
    assert raw_rows(con, loaded)[0][4] == "𠮷野家物流"


def test_latin1_is_not_read_as_gb18030():
    con, loaded = load("latin1.csv")
    assert loaded.encoding == "cp1252"
    assert [row[4] for row in raw_rows(con, loaded)] == ["Müller & Söhne",
                                                         "São Paulo Expresso"]


def test_windows_1252_symbols():
    con, loaded = load("cp1252.csv")
    assert loaded.encoding == "cp1252"
    assert raw_rows(con, loaded) == [
        (2, "A1", "2024-01-05 10:00", "€12.50", "“Fast” – Zürich", "T1"),
    ]


def test_short_windows_1252_name_is_not_gb18030():
    # b"M\xfcller" also decodes as GB18030 ("M黮ler").
    con, loaded = load("cp1252_short.csv")
    assert loaded.encoding == "cp1252"
    assert raw_rows(con, loaded) == [(2, "A1", "2024-01-05", "Müller")]


def test_configured_encoding_is_used():
    con, loaded = load("gbk.csv", encoding="gbk")
    assert loaded.encoding == "gbk"
    assert raw_rows(con, loaded)[0][4] == "顺丰速运"


def test_legacy_encoding_on_utf8_rejected():
    with pytest.raises(InputFileError) as caught:
        load("utf8_no_bom.csv", encoding="gbk")
    assert caught.value.message == (
        f"{HOSTILE / 'utf8_no_bom.csv'}: the file is UTF-8 text, but its encoding is "
        "configured as 'gbk', which would misread every non-ASCII character"
    )


@pytest.mark.parametrize("name", ["semicolon.csv", "tab.csv", "pipe.csv"])
def test_delimiters(name):
    con, loaded = load(name)
    assert loaded.columns == ORDER_COLUMNS
    assert raw_rows(con, loaded) == [
        (2, "A1", "2024-01-05 10:00", "1234.50", "SF", "T1"),
        (3, "A2", "2024-01-06 10:00", "8.00", "ZTO", "T2"),
    ]


def test_quoted_line_breaks_keep_row_numbers():
    con, loaded = load("quoted_newlines.csv")
    rows = raw_rows(con, loaded)
    assert [row[0] for row in rows] == [2, 3, 4]
    assert rows[0][4] == "SF\r\nExpress"
    assert rows[1][4] == "Line one\r\n\r\nafter a blank line"


def test_blank_lines_keep_spreadsheet_row_numbers():
    con, counts = stage("blank_lines.csv")
    assert rejected(con) == [(4, "order_amount", "oops", "invalid_amount")]
    assert (counts.rows_read, counts.rows_accepted, counts.rows_rejected) == (2, 1, 1)


CHUNK = 1 << 20


@pytest.mark.parametrize("body", [
    b"",
    b"a\n",
    b"a\r\nb\r\n\r\n\n",
    b"x" * (CHUNK - 1) + b"\n\n" + b"y\n",
    b"x" * (CHUNK - 2) + b"\r\n" + b"\n" * 5,
    b"x" * CHUNK + b"\n" + b"z",
    b"a\n" + b"\n" * (2 * CHUNK),
], ids=["empty", "one", "crlf-and-blank-lines", "break-at-chunk-end",
        "trailing-breaks-past-chunk", "break-after-chunk", "chunks-of-breaks"])
def test_line_count_at_chunk_boundaries(tmp_path, body):
    from audit.csv_input import read_text_facts

    path = tmp_path / "lines.csv"
    path.write_bytes(body)
    # Lines up to the last character that is not a line break.
    expected = body.rstrip(b"\r\n").count(b"\n") + 1
    assert read_text_facts(path).lines == expected


def test_csv_title_lines_above_header():
    con, loaded = load("title_lines.csv")
    assert loaded.columns == ORDER_COLUMNS
    assert raw_rows(con, loaded) == [
        (4, "A1", "2024-01-05 10:00", "12.50", "SF", "T1"),
        (5, "A2", "2024-01-06 10:00", "8.00", "ZTO", "T2"),
    ]


def test_header_names_are_stripped():
    _, loaded = load("header_spaces.csv")
    assert loaded.columns == ORDER_COLUMNS


def test_workbook_title_rows_above_header():
    con, loaded = load("title_rows.xlsx")
    assert loaded.columns == ["order_id", "created_at", "order_amount", "tracking_no"]
    assert raw_rows(con, loaded) == [
        (5, "A1", "2024-01-05 10:00", "12.5", "000123"),
        (7, "A2", "2024-01-06 10:00", "8.00", "T2"),
    ]


# Values


def test_ids_keep_every_digit():
    con, counts = stage("ids.csv")
    rows = con.execute(
        "SELECT order_id, tracking_no, seller_id FROM in_orders ORDER BY _row"
    ).fetchall()
    assert rows == [
        ("000123", "123456789012345678901", "007"),
        ("0000000000000000001", "000000000000000000", "0"),
    ]
    assert counts.rows_rejected == 0


def test_workbook_number_cells_as_text():
    con, loaded = load("number_cells.xlsx")
    assert raw_rows(con, loaded) == [
        (2, "A1", "2024-01-05 12:00:00", "123456789012346000", "01234", "0.3"),
        (3, "10", "2024-01-06 06:00:00", "123456789012345", "98765", "12.5"),
    ]


def test_workbook_rounded_id_is_rejected():
    con, counts = stage("number_cells.xlsx")
    assert rejected(con) == [(2, "tracking_no", "123456789012346000", "rounded_number")]
    reason = con.execute("SELECT reason FROM rejected_rows").fetchone()[0]
    assert reason == ("a number cell of more than 15 digits, which Excel has already "
                      "rounded; export the column as text, or the file as CSV")
    assert con.execute("SELECT tracking_no FROM in_orders").fetchall() == [
        ("123456789012345",)
    ]
    assert (counts.rows_read, counts.rows_accepted, counts.rows_rejected) == (2, 1, 1)


def test_parquet_ids_exact_or_rejected():
    con, counts = stage("ids.parquet")
    assert con.execute(
        "SELECT _row, order_id, tracking_no, seller_id, order_amount FROM in_orders"
    ).fetchall() == [(3, "000124", "987654321098765432", "7", Decimal("0.10"))]
    assert rejected(con) == [(2, "seller_id", "123456789012345680", "rounded_number")]
    assert counts.rows_read == 2


def test_dates_in_every_form():
    con, _ = stage("dates.csv")
    values = con.execute(
        "SELECT order_id, created_at FROM in_orders ORDER BY _row"
    ).fetchall()
    assert values == [
        ("A1", dt.datetime(2020, 2, 21, 8, 0)),
        ("A2", dt.datetime(2020, 2, 21, 0, 0)),
        ("A3", dt.datetime(2020, 2, 21, 0, 0)),
        ("A4", dt.datetime(2020, 2, 21, 0, 0)),
        ("A5", dt.datetime(2020, 2, 21, 8, 0)),
        ("A6", dt.datetime(2020, 2, 21, 10, 30)),
        ("A7", dt.datetime(2020, 2, 21, 10, 30)),
    ]
    assert rejected(con) == [(9, "created_at", "2020-02-30", "invalid_timestamp")]


def test_undecidable_day_month_order_is_an_error():
    with pytest.raises(AuditError) as caught:
        stage("dates_ambiguous.csv")
    assert caught.value.message == (
        f"{HOSTILE / 'dates_ambiguous.csv'}: column 'created_at' has dates whose day "
        "and month order cannot be decided from the values, such as '03/04/2020'"
    )
    assert caught.value.fix == (
        'Set input.date_order = "DMY" (day first) or "MDY" (month first) in the '
        "configuration, or date_order on this input in its profile."
    )


def test_amounts_exact_or_rejected():
    con, counts = stage("amounts.csv")
    amounts = con.execute("SELECT order_id, order_amount FROM in_orders ORDER BY _row")
    assert amounts.fetchall() == [
        ("A1", Decimal("1234.50")), ("A2", Decimal("1234.50")),
        ("A3", Decimal("12.00")), ("A4", Decimal("7.10")), ("A5", Decimal("99.99")),
        ("A6", Decimal("100.00")), ("A7", Decimal("0.01")),
        ("A8", Decimal("-12.50")), ("A9", Decimal("-12.50")),
    ]
    assert rejected(con) == [
        (11, "order_amount", "12.345", "invalid_amount"),
        (12, "order_amount", "1.234,56", "invalid_amount"),
        (13, "order_amount", "12.3.4", "invalid_amount"),
        (14, "order_amount", "--12", "invalid_amount"),
        (15, "order_amount", "12 apples", "invalid_amount"),
        (16, "order_amount", "99999999999999999.00", "invalid_amount"),
    ]
    assert (counts.rows_read, counts.rows_accepted, counts.rows_rejected) == (15, 9, 6)


def test_amounts_with_decimal_comma():
    con, _ = stage("amounts_decimal_comma.csv", validate.Formats("UTC", ",", None))
    amounts = con.execute("SELECT order_amount FROM in_orders ORDER BY _row").fetchall()
    assert amounts == [(Decimal("1234.56"),), (Decimal("12.50"),)]
    assert rejected(con) == [(4, "order_amount", "1,234.56", "invalid_amount")]


# Files that attack the reader


@pytest.mark.parametrize("name", [
    "billion_laughs.xlsx", "external_entity.xlsx", "dtd_after_padding.xlsx",
])
def test_workbook_with_dtd_is_rejected(name):
    error = load_error(name)
    assert error.message == (
        f"{HOSTILE / name}: rejected because its part xl/worksheets/sheet1.xml "
        "declares a DTD or XML entities, which Excel does not write"
    )
    assert error.fix == "Open the file in Excel and save it again, or export it as CSV."


def test_zip_bomb_is_rejected():
    assert (HOSTILE / "zip_bomb.xlsx").stat().st_size < 10_000
    error = load_error("zip_bomb.xlsx")
    assert error.message == (
        f"{HOSTILE / 'zip_bomb.xlsx'}: rejected because it unpacks to 5,002,612 bytes "
        "(810 times its packed size), which looks like a zip bomb"
    )


def test_forged_part_size_is_rejected():
    error = load_error("forged_size.xlsx")
    assert error.message == (
        f"{HOSTILE / 'forged_size.xlsx'}: rejected because its part "
        "xl/worksheets/sheet1.xml unpacks to more than the 2,000 bytes its zip "
        "header declares, which is a forged header or a zip bomb"
    )


def test_gigantic_line_rejects_its_record(tmp_path):
    path = tmp_path / "orders.csv"
    gigantic = "x" * 9_000_000
    path.write_text(
        f"order_id,created_at\nA1,2024-01-05\nA2,{gigantic}\nA3,2024-01-06\n",
        encoding="utf-8",
    )
    con = duckdb.connect()
    loaded = load_file(con, "orders", path)
    assert raw_rows(con, loaded) == [(2, "A1", "2024-01-05"), (4, "A3", "2024-01-06")]
    assert [(m.row, m.reason) for m in loaded.malformed] == [
        (3, "the record has a line longer than 8,388,608 characters")
    ]
    assert loaded.rows_read == 3


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_line_at_the_limit_is_read(tmp_path, monkeypatch, ending):
    # The line break does not count towards the limit, whichever it is.
    monkeypatch.setattr(csv_input, "MAX_LINE_SIZE", 100)
    path = tmp_path / "orders.csv"
    fits, too_long = "A1," + "x" * 97, "A2," + "y" * 98
    path.write_text(ending.join(["order_id,note", fits, too_long, "A3,z"]) + ending,
                    encoding="utf-8", newline="")
    con = duckdb.connect()
    loaded = load_file(con, "orders", path)
    assert raw_rows(con, loaded) == [(2, "A1", "x" * 97), (4, "A3", "z")]
    assert [(m.row, m.reason) for m in loaded.malformed] == [
        (3, "the record has a line longer than 100 characters")
    ]


def test_long_quoted_value_is_one_rejected_record(tmp_path, monkeypatch):
    # A closed quote around a value longer than the limit spans three lines.
    # They are one record and one spreadsheet row, and the records after it
    # are read as usual.
    monkeypatch.setattr(csv_input, "MAX_LINE_SIZE", 100)
    value = "\n".join(["a" * 60, 'b "" ' * 10, "c" * 60])
    path = tmp_path / "orders.csv"
    path.write_text(f'order_id,note\nA1,x\nA2,"{value}"\nA3,y\n', encoding="utf-8")
    con = duckdb.connect()
    loaded = load_file(con, "orders", path)
    assert raw_rows(con, loaded) == [(2, "A1", "x"), (4, "A3", "y")]
    assert [(m.row, m.value, m.reason) for m in loaded.malformed] == [
        (3, 'A2,"' + "a" * 60, "a value is longer than 100 characters")
    ]
    assert loaded.rows_read == 3


@pytest.mark.parametrize("before, after", [('5" screen,', ""), ("", ',5" screen')])
def test_long_quoted_value_beside_a_quote_in_text(tmp_path, monkeypatch, before, after):
    # A quote inside an unquoted value is text to csv, so it must not be
    # counted as opening or closing the long value.
    monkeypatch.setattr(csv_input, "MAX_LINE_SIZE", 100)
    value = "\n".join(["a" * 60, "b" * 60, 'Z9,7,end"" ' + "c" * 40])
    path = tmp_path / "orders.csv"
    header = "order_id,size,note" if before else "order_id,note,size"
    path.write_text(f'{header}\nA1,x,y\nA2,{before}"{value}"{after}\nA3,y,z\n',
                    encoding="utf-8")
    con = duckdb.connect()
    loaded = load_file(con, "orders", path)
    assert raw_rows(con, loaded) == [(2, "A1", "x", "y"), (4, "A3", "y", "z")]
    assert [(m.row, m.reason) for m in loaded.malformed] == [
        (3, "a value is longer than 100 characters")
    ]
    assert loaded.rows_read == 3


@pytest.mark.parametrize("closing, rows", [('"', [33]), ("", [33, 34, 35])])
def test_stray_byte_in_long_value_is_shown(tmp_path, monkeypatch, closing, rows):
    # The UTF-8 export has one stray byte inside a value that is too long, or
    # inside a quote that is never closed. The rejected rows must show the
    # byte as U+FFFD, because a lone surrogate cannot be stored.
    monkeypatch.setattr(csv_input, "MAX_LINE_SIZE", 100)
    text = ("order_id,created_at,note\n" + "".join(f"B{n},2024-01-05,顺丰速运\n" for n in range(30))).encode()
    text += b'A1,2024-01-05,x\nA2,2024-01-05,"caf\xe9 ' + b"a" * 60 + b"\n" + b"b" * 60
    path = tmp_path / "orders.csv"
    path.write_bytes(text + closing.encode() + b"\nA3,2024-01-05,y\n")
    con = duckdb.connect()
    spec = load_profile("canonical", {}).inputs["orders"]
    loaded = load_file(con, "orders", path)
    mapping = validate.check_required_columns([(spec, loaded)])["orders"]
    validate.stage_input(con, spec, loaded, mapping, FORMATS)
    found = con.execute('SELECT "row", value FROM rejected_rows ORDER BY "row"').fetchall()
    assert [row for row, _ in found] == rows
    assert found[0][1].startswith('A2,2024-01-05,"caf\ufffd aaa')


def test_nul_byte_rejects_its_row():
    con, counts = stage("nul_bytes.csv")
    assert rejected(con) == [(3, "carrier", "S\x00F", "nul_character")]
    assert (counts.rows_read, counts.rows_accepted, counts.rows_rejected) == (2, 1, 1)


def test_utf16_without_bom_is_an_error():
    error = load_error("utf16_no_bom.csv")
    assert error.message == (
        f"{HOSTILE / 'utf16_no_bom.csv'}: 50% of the first 150 bytes are NUL bytes, "
        "so this is a binary file or text in UTF-16 without a byte order mark"
    )
    assert error.fix == "Export the data again as CSV in UTF-8."


def test_empty_file_is_an_error():
    error = load_error("empty.csv")
    assert error.message == (
        f"{HOSTILE / 'empty.csv'}: the file is empty; expected a header row"
    )


def test_header_only_file_has_no_rows():
    _, counts = stage("header_only.csv")
    assert (counts.rows_read, counts.rows_accepted, counts.rows_rejected) == (0, 0, 0)


@pytest.mark.parametrize("name, message, fix", [
    ("xlsx_renamed.csv",
     "the file is a zip archive (an XLSX workbook is one), not a .csv text file",
     "If it is a workbook, rename it to .xlsx; otherwise export the data again."),
    ("png_renamed.csv", "the file is a PNG image, not a .csv text file",
     "Export the data again as CSV, XLSX or Parquet."),
    ("not_a_zip.xlsx", "not a valid XLSX file: it is a text file, not a zip archive",
     "If it is CSV, rename it to .csv; otherwise save it again as .xlsx."),
    ("old_excel.xlsx",
     ("not a valid XLSX file: it is an Excel 97-2003 workbook (.xls) or a "
      "password-protected workbook, not a zip archive"),
     "Open it in Excel, remove any password and save it as .xlsx (Excel Workbook)."),
    ("zip_not_workbook.xlsx",
     "not a valid XLSX file: the zip archive contains no workbook (xl/workbook.xml)",
     "Open it in Excel and save it again as .xlsx."),
])
def test_wrong_format_is_an_error(name, message, fix):
    error = load_error(name)
    assert error.message == f"{HOSTILE / name}: {message}"
    assert error.fix == fix


def test_malformed_records_are_rejected_with_rows():
    con, counts = stage("malformed.csv")
    accepted = con.execute(
        "SELECT _row, order_id FROM in_orders ORDER BY _row"
    ).fetchall()
    assert accepted == [(2, "A1"), (6, "A6")]
    assert con.execute(
        'SELECT "row", "column", value, reason FROM rejected_rows ORDER BY "row"'
    ).fetchall() == [
        (3, None, "A2,2024-01-05 11:00,8.00,SF,T2,extra",
         "the record has 6 fields but the header has 5"),
        (4, None, "A3,2024-01-05 12:00",
         "the record has 2 fields but the header has 5"),
        (5, None, "A4,2024-01-05 13:00,3.00,caf\ufffd,T4",
         "the record contains bytes that are not valid utf-8"),
        (7, None, "A7,2024-01-05 16:00,6.00,unterminated,T7\n",
         "the record has 4 fields but the header has 5"),
    ]
    assert (counts.rows_read, counts.rows_accepted, counts.rows_rejected) == (6, 2, 4)


# Nothing lost


STAGED = [
    "utf8_bom.csv", "utf8_no_bom.csv", "gbk.csv", "gb18030.csv", "latin1.csv",
    "cp1252.csv", "utf16.csv", "semicolon.csv", "tab.csv", "pipe.csv",
    "quoted_newlines.csv", "blank_lines.csv", "title_lines.csv", "header_spaces.csv",
    "title_rows.xlsx",
    "ids.csv", "number_cells.xlsx", "ids.parquet", "dates.csv", "amounts.csv",
    "nul_bytes.csv", "header_only.csv", "malformed.csv",
]


@pytest.mark.parametrize("name", STAGED)
def test_rows_reconcile_with_reasons(name):
    con, counts = stage(name)
    assert counts.rows_read == counts.rows_accepted + counts.rows_rejected
    incomplete = con.execute(
        """SELECT count(*) FROM rejected_rows
        WHERE file IS NULL OR "row" IS NULL OR reason_code IS NULL OR value IS NULL
           OR ("column" IS NULL AND reason_code <> 'malformed_record')"""
    ).fetchone()[0]
    assert incomplete == 0
    files = con.execute("SELECT DISTINCT file FROM rejected_rows").fetchall()
    assert files in ([], [(str(HOSTILE / name),)])


# A new export format, mapped by configuration alone

CHINESE_PROFILE = """
[run]
time_zone = "Asia/Shanghai"

[profiles.shop_cn]
description = "The shop's Chinese order export."
encoding = "gbk"

[profiles.shop_cn.inputs.orders]
feeds = "orders"
required = true
files = ["订单导出.csv"]

[profiles.shop_cn.inputs.orders.columns]
order_id = "订单号"
created_at = "下单时间"
order_status = "订单状态"
order_amount = "订单金额"
paid_amount = "实付金额"
carrier = "快递公司"
tracking_no = "运单号"

[profiles.shop_cn.inputs.orders.values.order_status]
"已签收" = "delivered"
"已取消" = "cancelled"
"已发货" = "shipped"
"""


def input_counts(out: Path) -> tuple[int, int, int]:
    """Return rows read, accepted and rejected of the one input in a run record."""
    record = json.loads((out / "run_record.json").read_text(encoding="utf-8"))
    counts = record["inputs"][0]
    return counts["rows_read"], counts["rows_accepted"], counts["rows_rejected"]


def test_chinese_export_runs_with_configured_profile(tmp_path):
    config = tmp_path / "order-audit.toml"
    config.write_text(CHINESE_PROFILE, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [
        "run", "--quiet", "--config", str(config), "--profile", "shop_cn",
        "--out", str(out), str(HOSTILE / "chinese_export"),
    ])
    assert result.exit_code == 0, result.output
    assert input_counts(out) == (4, 3, 1)


def test_chinese_export_values_through_profile():
    con = duckdb.connect()
    profile = load_profile("shop_cn", tomllib.loads(CHINESE_PROFILE)["profiles"])
    spec = profile.inputs["orders"]
    path = HOSTILE / "chinese_export" / "订单导出.csv"
    loaded = load_file(con, "orders", path, spec.encoding)
    mapping = validate.check_required_columns([(spec, loaded)])["orders"]
    validate.stage_input(con, spec, loaded, mapping, FORMATS)
    rows = con.execute(
        "SELECT order_id, created_at, order_status, order_amount, tracking_no "
        "FROM in_orders ORDER BY _row"
    ).fetchall()
    assert rows == [
        ("0001", dt.datetime(2024, 1, 5, 10, 30), "delivered", Decimal("1234.50"),
         "SF1234567890123"),
        ("0002", dt.datetime(2024, 1, 6, 9, 0), "cancelled", Decimal("88.00"), None),
        ("0003", dt.datetime(2024, 1, 7, 12, 0), "shipped", Decimal("12.50"),
         "YT0000000000000001"),
    ]
    assert rejected(con) == [(5, "订单金额", "金额待定", "invalid_amount")]


def test_drafted_profile_runs_without_edits(tmp_path):
    config = tmp_path / "drafted.toml"
    export = HOSTILE / "chinese_export" / "订单导出.csv"
    runner = CliRunner()
    drafted = runner.invoke(main, ["init", "--path", str(config),
                                   "--from", str(export)])
    assert drafted.exit_code == 0, drafted.output
    text = config.read_text(encoding="utf-8")
    assert 'profile = "orders_export"' in text
    assert '"已取消" = "cancelled"' in text
    out = tmp_path / "out"
    result = runner.invoke(main, ["run", "--quiet", "--config", str(config),
                                  "--out", str(out), str(export.parent)])
    assert result.exit_code == 0, result.output
    assert input_counts(out) == (4, 3, 1)


def test_draft_states_decimal_comma():
    draft = draft_profile(HOSTILE / "amounts_decimal_comma.csv")
    assert 'decimal_mark = ","' in draft.splitlines()


def test_draft_flags_unclear_date_order():
    draft = draft_profile(HOSTILE / "dates_ambiguous.csv")
    assert (
        '# date_order = "DMY"    # the dates in created_at do not show whether the '
        'day or the month comes first: set "DMY" or "MDY"'
    ) in draft.splitlines()


def test_hostile_file_never_shows_a_traceback(tmp_path):
    result = CliRunner().invoke(main, [
        "run", "--quiet", "--out", str(tmp_path / "out"),
        "--orders", str(HOSTILE / "billion_laughs.xlsx"),
    ])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ")

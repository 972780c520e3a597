"""Property-based tests: arbitrary text, numbers and dates thrown at the loader
and the validator.

Every record of a CSV file is accepted or rejected with a reason, so the
counts reconcile. Values come back as the text written. An amount parses to
exactly the decimal its text denotes, or not at all.
"""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import to_excel

from audit import sheet_xml, validate, value_sql
from audit.errors import AuditError
from audit.loader import load_file
from audit.profiles import load_profile
from audit.schema import EVENT_CODES

SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
FORMATS = validate.Formats("Asia/Shanghai", ".", "DMY")
DELIMITERS = [",", ";", "\t", "|"]

# Any text a spreadsheet cell may hold: every plane, quotes, delimiters and
# line breaks, but no surrogates (which UTF-8 cannot encode).
cell_text = st.text(
    st.characters(exclude_categories=("Cs",)), max_size=20
)
# Mostly plausible values, so that both acceptance and rejection are exercised.
amount_text = st.one_of(
    st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False).map(str),
    st.sampled_from(["1,234.50", "(12.50)", "¥8", "12.345", "", "abc", "--1"]),
    cell_text,
)
date_text = st.one_of(
    st.datetimes(min_value=dt.datetime(1992, 1, 1), max_value=dt.datetime(2099, 1, 1))
    .map(lambda moment: moment.strftime("%Y-%m-%d %H:%M")),
    st.sampled_from(["21/02/2020", "2020/2/21 0:00", "43882", "2020-02-30", ""]),
    cell_text,
)
order_rows = st.lists(
    st.tuples(cell_text, date_text, amount_text, cell_text), min_size=1, max_size=12
)


def write_csv(path, header, rows, delimiter, quote_all, line_end, bom):
    """Write a CSV file as RFC 4180 has it, quoting every field that needs it.

    Python's csv module leaves a lone carriage return unquoted when lines end
    in "\n", but spreadsheets read it as a line break, so quoting is done here.
    """
    lines = [delimiter.join(_field(value, delimiter, quote_all) for value in row)
             for row in [header, *rows]]
    text = "".join(line + line_end for line in lines)
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))


def _field(value: str, delimiter: str, quote_all: bool) -> str:
    if quote_all or any(char in value for char in (delimiter, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


@SETTINGS
@given(rows=order_rows, delimiter=st.sampled_from(DELIMITERS),
       quote_all=st.booleans(), line_end=st.sampled_from(["\n", "\r\n"]),
       bom=st.booleans())
def test_every_row_accepted_or_rejected(tmp_path, rows, delimiter, quote_all,
                                        line_end, bom):
    path = tmp_path / "orders.csv"
    header = ["order_id", "created_at", "order_amount", "carrier"]
    write_csv(path, header, rows, delimiter, quote_all, line_end, bom)
    con = duckdb.connect()
    spec = load_profile("canonical", {}).inputs["orders"]
    loaded = load_file(con, "orders", path)
    mapping = validate.check_required_columns([(spec, loaded)])["orders"]
    counts = validate.stage_input(con, spec, loaded, mapping, FORMATS)

    assert counts.rows_read == len(rows)
    assert counts.rows_read == counts.rows_accepted + counts.rows_rejected
    unexplained = con.execute(
        'SELECT count(*) FROM rejected_rows WHERE "row" IS NULL OR reason_code IS NULL'
    ).fetchone()[0]
    assert unexplained == 0


@SETTINGS
@given(rows=st.lists(st.tuples(cell_text, cell_text, cell_text), min_size=1,
                     max_size=12),
       delimiter=st.sampled_from(DELIMITERS),
       quote_all=st.booleans(), line_end=st.sampled_from(["\n", "\r\n"]))
def test_text_values_come_back_as_written(tmp_path, rows, delimiter, quote_all,
                                          line_end):
    path = tmp_path / "notes.csv"
    write_csv(path, ["first", "second", "third"], rows, delimiter, quote_all, line_end,
              False)
    con = duckdb.connect()
    loaded = load_file(con, "notes", path)
    stored = con.execute(
        f'SELECT _row, first, second, third FROM "{loaded.table}" ORDER BY _row'
    ).fetchall()

    expected = [
        (2 + index, *[value if value != "" else None for value in row])
        for index, row in enumerate(rows)
    ]
    assert loaded.malformed == []
    assert stored == expected


def money(text: str, mark: str = ".") -> Decimal | None:
    sql = validate.money_sql("$v", mark)
    return duckdb.execute(f"SELECT {sql}", {"v": text}).fetchone()[0]


amounts = st.decimals(min_value=Decimal("-9999999999999999.99"),
                      max_value=Decimal("9999999999999999.99"), places=2,
                      allow_nan=False, allow_infinity=False)


def written(amount: Decimal, mark: str, grouped: bool, currency: str, sign_style: str,
            padding: int) -> str:
    """Write an amount the way an export might."""
    digits = f"{abs(amount):,.2f}" if grouped else f"{abs(amount):.2f}"
    digits = digits + "0" * padding
    if mark == ",":
        digits = digits.replace(",", "\0").replace(".", ",").replace("\0", ".")
    text = f"{currency}{digits}"
    if amount >= 0:
        return text
    signed = {"minus": f"-{text}", "brackets": f"({text})", "trailing": f"{text}-"}
    return signed[sign_style]


@SETTINGS
@given(amount=amounts, mark=st.sampled_from([".", ","]), grouped=st.booleans(),
       currency=st.sampled_from(["", "$", "¥", "￥", "€ ", "R$ ", "RMB ", "CNY "]),
       sign_style=st.sampled_from(["minus", "brackets", "trailing"]),
       padding=st.integers(min_value=0, max_value=3))
def test_money_any_style_parses_exactly(amount, mark, grouped, currency,
                                                    sign_style, padding):
    text = written(amount, mark, grouped, currency, sign_style, padding)
    assert money(text, mark) == amount


@SETTINGS
@given(amount=st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False),
       mark=st.sampled_from([".", ","]))
def test_money_extra_decimals_rejected(amount, mark):
    text = f"{amount:.4f}".replace(".", mark)
    parsed = money(text, mark)
    if amount == amount.quantize(Decimal("0.01")):
        assert parsed == amount
    else:
        assert parsed is None


@SETTINGS
@given(text=st.one_of(cell_text, st.from_regex(r"[\s(+-]{0,2}[$¥€]?[\d.,' ]{1,12}[)-]?",
                                              fullmatch=True)))
def test_money_never_returns_another_value(text):
    parsed = money(text)
    if parsed is None:
        return
    # The value is the digits of the text with "." as the decimal mark,
    # negative exactly when a minus sign or parentheses mark it.
    digits = re.sub(r"[^0-9.]", "", text)
    assert abs(parsed) == Decimal(digits)
    assert (parsed < 0) == (parsed != 0 and ("-" in text or "(" in text))


# Text with the characters trim treats specially: every Unicode space
# separator, a tab, a line break and some letters, in any order.
spaced_text = st.text(st.sampled_from(
    [" ", "\u00a0", "\u1680", "\u2003", "\u202f", "\u205f", "\u3000", "\t", "\n",
     "a", "B", "7", "货"]), max_size=8)


@SETTINGS
@given(text=st.one_of(spaced_text, cell_text))
def test_trim_quick_path_matches(text):
    quick = value_sql.trimmed_sql("$v")
    found, expected = duckdb.execute(f"SELECT {quick}, NULLIF(trim($v), '')",
                                     {"v": text}).fetchone()
    assert found == expected


@SETTINGS
@given(text=st.one_of(st.sampled_from(EVENT_CODES), spaced_text,
                      st.sampled_from(["Out for delivery", "in-transit", " DELIVERED "])))
def test_event_code_quick_path_matches(text):
    quick = value_sql.text_sql("$v", {}, tuple(EVENT_CODES))
    slow = "regexp_replace(lower(trim($v)), '[\\s-]+', '_', 'g')"
    found, expected = duckdb.execute(f"SELECT {quick}, {slow}", {"v": text}).fetchone()
    assert found == expected


@SETTINGS
@given(text=st.one_of(spaced_text, st.sampled_from(
    ["1", "0", "Yes", "否", "x", " t", "2", "true", "FALSE", "False", "tRUE", "falsE "])))
def test_boolean_quick_path_matches(text):
    found = duckdb.execute(f"SELECT {value_sql.boolean_sql('$v')}", {"v": text}).fetchone()[0]
    lowered = text.strip(" \u00a0\u1680\u2003\u202f\u205f\u3000").lower()
    if lowered in ("1", "true", "t", "yes", "y", "是", "x"):
        assert found is True
    elif lowered in ("0", "false", "f", "no", "n", "否", ""):
        assert found is False
    else:
        assert found is None


@SETTINGS
@given(moment=st.datetimes(min_value=dt.datetime(1992, 1, 1),
                           max_value=dt.datetime(2099, 12, 31)).map(
           lambda value: value.replace(second=0, microsecond=0)),
       layout=st.sampled_from(["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M",
                               "%d/%m/%Y %H:%M", "%d.%m.%Y %H:%M",
                               "%Y年%m月%d日 %H:%M"]))
def test_dates_supported_layouts_exact(moment, layout):
    sql = validate.timestamp_sql("$v", "Asia/Shanghai", "DMY")
    text = moment.strftime(layout)
    parsed = duckdb.execute(f"SELECT {sql}", {"v": text}).fetchone()[0]
    assert parsed == moment


@SETTINGS
@given(moment=st.datetimes(min_value=dt.datetime(1992, 1, 1),
                           max_value=dt.datetime(2099, 12, 31)).map(
           lambda value: value.replace(microsecond=0)),
       offset_minutes=st.sampled_from([-300, 0, 330, 480]))
def test_dates_offsets_to_business_time(moment, offset_minutes):
    zone = dt.timezone(dt.timedelta(minutes=offset_minutes))
    text = moment.replace(tzinfo=zone).isoformat()
    sql = validate.timestamp_sql("$v", "Asia/Shanghai", "DMY")
    parsed = duckdb.execute(f"SELECT {sql}", {"v": text}).fetchone()[0]
    shanghai = dt.timezone(dt.timedelta(hours=8))
    expected = moment.replace(tzinfo=zone).astimezone(shanghai).replace(tzinfo=None)
    assert parsed == expected


@SETTINGS
@given(data=st.one_of(
    st.binary(max_size=3000),
    st.lists(st.sampled_from([b"a,b\n", b"1,2\n", b'"x\n', b"\x00", b"\xff\xfe",
                              b"\xe9", b"\r", b"\n", b";", b"\xef\xbb\xbf",
                              b"PK\x03\x04"]),
             max_size=40).map(b"".join),
))
def test_arbitrary_bytes_load_or_fail_clearly(tmp_path, data):
    path = tmp_path / "orders.csv"
    path.write_bytes(data)
    con = duckdb.connect()
    try:
        loaded = load_file(con, "orders", path)
    except AuditError:
        return
    stored = con.execute(f'SELECT count(*) FROM "{loaded.table}"').fetchone()[0]
    assert loaded.rows_read == stored + len(loaded.malformed)
    assert all(record.reason for record in loaded.malformed)


WORKBOOK = (Path(__file__).parent / "hostile" / "title_rows.xlsx").read_bytes()


@SETTINGS
@given(changes=st.lists(
    st.tuples(st.integers(0, len(WORKBOOK) - 1), st.integers(0, 255)),
    min_size=1, max_size=8,
))
def test_damaged_workbook_loads_or_fails_clearly(tmp_path, changes):
    data = bytearray(WORKBOOK)
    for position, value in changes:
        data[position] = value
    path = tmp_path / "orders.xlsx"
    path.write_bytes(bytes(data))
    con = duckdb.connect()
    try:
        loaded = load_file(con, "orders", path)
    except AuditError:
        return
    stored = con.execute(f'SELECT count(*) FROM "{loaded.table}"').fetchone()[0]
    assert loaded.rows_read == stored


# The streamed sheet XML writes numbers, dates and times without openpyxl, in
# batches; each cell's text must be the one openpyxl writes for that value.
CELL_VALUES = {
    "number": (st.one_of(
        st.decimals(min_value=-10**15, max_value=10**15, places=2, allow_nan=False),
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(min_value=-2**63, max_value=2**63 - 1),
    ), None),
    "datetime": (st.datetimes(min_value=dt.datetime(1800, 1, 1)), pa.timestamp("us")),
    "date": (st.dates(min_value=dt.date(1800, 1, 1)), pa.date32()),
    "time": (st.times(), pa.time64("us")),
}


@SETTINGS
@given(data=st.data(), kind=st.sampled_from(sorted(CELL_VALUES)))
def test_streamed_numbers_match_openpyxl(data, kind):
    strategy, arrow_type = CELL_VALUES[kind]
    values = data.draw(st.lists(st.one_of(st.none(), strategy), max_size=30))
    if kind == "number":
        # A column has one type: all amounts, all floats or all integers.
        values = [v for v in values if v is None or type(v) is type(values[0])]
        arrow_type = (pa.decimal128(18, 2) if any(isinstance(v, Decimal) for v in values)
                      else None)
    array = pa.array(values, arrow_type)
    with duckdb.connect() as con:
        texts = sheet_xml._xml_content(sheet_xml.Column(kind, array), array, con)
    expected = [None if value is None
                else "%.16g" % (to_excel(value) if kind != "number" else value)
                for value in values]
    assert texts.to_pylist() == expected

"""Write the small hostile and messy export files under tests/hostile/.

Run from the repository root:

    python tools/make_hostile_files.py

Every file is written from the constants below, and workbooks are built part
by part with fixed zip timestamps, so running the script again reproduces
the same files (given the same zlib and pyarrow versions). The zip bombs are
small on disk; they only claim or expand to large sizes.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import struct
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parents[1] / "tests" / "hostile"
ZIP_TIME = (2024, 1, 1, 0, 0, 0)
ORDERS_HEADER = "order_id,created_at,order_amount,carrier,tracking_no"

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTENT_TYPES = DECLARATION + "".join([
    f'<Types xmlns="{PACKAGE}/content-types">',
    '<Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/>',
    '<Default Extension="xml" ContentType="application/xml"/>',
    '<Override PartName="/xl/workbook.xml" '
    f'ContentType="{MEDIA_TYPE}.sheet.main+xml"/>',
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{MEDIA_TYPE}.worksheet+xml"/>',
    f'<Override PartName="/xl/styles.xml" ContentType="{MEDIA_TYPE}.styles+xml"/>',
    "</Types>",
])
ROOT_RELS = DECLARATION + "".join([
    f'<Relationships xmlns="{PACKAGE}/relationships">',
    f'<Relationship Id="rId1" Type="{OFFICE}/officeDocument" '
    'Target="xl/workbook.xml"/>',
    "</Relationships>",
])
WORKBOOK = DECLARATION + "".join([
    f'<workbook xmlns="{MAIN_NS}" xmlns:r="{OFFICE}">',
    '<sheets><sheet name="Orders" sheetId="1" r:id="rId1"/></sheets></workbook>',
])
WORKBOOK_RELS = DECLARATION + "".join([
    f'<Relationships xmlns="{PACKAGE}/relationships">',
    f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" '
    'Target="worksheets/sheet1.xml"/>',
    f'<Relationship Id="rId2" Type="{OFFICE}/styles" Target="styles.xml"/>',
    "</Relationships>",
])
# Style 0 is General, 1 the zero-padded "00000", 2 Excel's built-in date and
# time format 22 ("m/d/yy h:mm").
STYLES = DECLARATION + "".join([
    f'<styleSheet xmlns="{MAIN_NS}">',
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="00000"/></numFmts>',
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>',
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>',
    '<borders count="1"><border/></borders>',
    '<cellStyleXfs count="1">',
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>',
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
    'applyNumberFormat="1"/>',
    '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" '
    'applyNumberFormat="1"/>',
    "</cellXfs></styleSheet>",
])


class NumberText(str):
    """A number cell's value, written as given, such as "1.23456789012346E+17"."""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in hostile_files().items():
        target = OUT / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"{len(data):>7,} bytes  {target.relative_to(OUT.parents[1])}")


def hostile_files() -> dict[str, bytes]:
    """Return every fixture: file name -> bytes."""
    return {
        **encoding_files(),
        **dialect_files(),
        **value_files(),
        **broken_text_files(),
        **workbook_attacks(),
        "title_rows.xlsx": title_rows_workbook(),
        "number_cells.xlsx": number_cells_workbook(),
        "ids.parquet": ids_parquet(),
        "chinese_export/订单导出.csv": chinese_export(),
    }


def encoding_files() -> dict[str, bytes]:
    latin = ORDERS_HEADER + "\nA1,2024-01-05 10:00,12.50,Müller & Söhne,T1\n" \
        "A2,2024-01-05 11:00,8.00,São Paulo Expresso,T2\n"
    chinese = ORDERS_HEADER + "\nA1,2024-01-05 10:00,12.50,顺丰速运,T1\n" \
        "A2,2024-01-05 11:00,8.00,中通快递,T2\n"
    # 𠮷 is outside GBK, so GB18030 writes it as a four-byte sequence.
    beyond_gbk = ORDERS_HEADER + "\nA1,2024-01-05 10:00,12.50,𠮷野家物流,T1\n"
    windows = ORDERS_HEADER + "\nA1,2024-01-05 10:00,€12.50,“Fast” – Zürich,T1\n"
    return {
        "utf8_bom.csv": codecs.BOM_UTF8 + chinese.encode("utf-8"),
        "utf8_no_bom.csv": chinese.encode("utf-8"),
        "gbk.csv": chinese.encode("gbk"),
        "gb18030.csv": beyond_gbk.encode("gb18030"),
        "latin1.csv": latin.encode("latin-1"),
        "cp1252.csv": windows.encode("cp1252"),
        # One accented name only: GB18030 decodes these bytes too.
        "cp1252_short.csv": "order_id,created_at,carrier\nA1,2024-01-05,Müller\n"
        .encode("cp1252"),
        "utf16.csv": codecs.BOM_UTF16_LE
        + chinese.replace(",", "\t").encode("utf-16-le"),
    }


def dialect_files() -> dict[str, bytes]:
    rows = [["A1", "2024-01-05 10:00", "1234.50", "SF", "T1"],
            ["A2", "2024-01-06 10:00", "8.00", "ZTO", "T2"]]
    files = {}
    for name, delimiter in (("semicolon", ";"), ("tab", "\t"), ("pipe", "|")):
        lines = [ORDERS_HEADER.replace(",", delimiter)]
        lines += [delimiter.join(row) for row in rows]
        files[f"{name}.csv"] = ("\n".join(lines) + "\n").encode("utf-8")
    files["quoted_newlines.csv"] = (
        "order_id,created_at,order_amount,carrier,tracking_no\r\n"
        'A1,2024-01-05 10:00,12.50,"SF\r\nExpress",T1\r\n'
        'A2,2024-01-05 11:00,8.00,"Line one\r\n\r\nafter a blank line",T2\r\n'
        "A3,2024-01-05 12:00,1.00,ZTO,T3\r\n"
    ).encode("utf-8")
    files["blank_lines.csv"] = (
        ORDERS_HEADER + "\nA1,2024-01-05 10:00,12.50,SF,T1\n\n"
        "A2,2024-01-05 11:00,oops,SF,T2\n\n\n"
    ).encode("utf-8")
    files["title_lines.csv"] = (
        "Order export\nGenerated 2024-01-31 by the shop\n" + ORDERS_HEADER + "\n"
        "A1,2024-01-05 10:00,12.50,SF,T1\nA2,2024-01-06 10:00,8.00,ZTO,T2\n"
    ).encode("utf-8")
    files["header_spaces.csv"] = (
        " order_id , created_at  ,order_amount ,carrier,tracking_no  \n"
        "A1,2024-01-05 10:00,12.50,SF,T1\n"
    ).encode("utf-8")
    return files


def value_files() -> dict[str, bytes]:
    ids = (
        "order_id,created_at,tracking_no,seller_id\n"
        "000123,2024-01-05 10:00,123456789012345678901,007\n"
        "0000000000000000001,2024-01-05 10:00,000000000000000000,0\n"
    )
    dates = (
        "order_id,created_at\n"
        "A1,2020-02-21T08:00:00+08:00\n"
        "A2,2020/2/21 0:00\n"
        "A3,21/02/2020\n"
        "A4,43882\n"
        "A5,2020-02-21T00:00:00Z\n"
        "A6,2020年2月21日 10:30\n"
        "A7,21.02.2020 10:30\n"
        "A8,2020-02-30\n"
    )
    ambiguous = "order_id,created_at\nA1,03/04/2020\nA2,05/06/2020 10:00\n"
    amounts = (
        "order_id,created_at,order_amount\n"
        'A1,2024-01-05,"1,234.50"\n'
        "A2,2024-01-05,¥1234.5\n"
        "A3,2024-01-05,$12\n"
        "A4,2024-01-05,€ 7.10\n"
        "A5,2024-01-05,R$ 99.99\n"
        "A6,2024-01-05,RMB 100\n"
        "A7,2024-01-05,CNY 0.01\n"
        "A8,2024-01-05,(12.50)\n"
        "A9,2024-01-05,12.50-\n"
        "A10,2024-01-05,12.345\n"
        "A11,2024-01-05,\"1.234,56\"\n"
        "A12,2024-01-05,12.3.4\n"
        "A13,2024-01-05,--12\n"
        "A14,2024-01-05,12 apples\n"
        "A15,2024-01-05,99999999999999999.00\n"
    )
    return {
        "ids.csv": ids.encode("utf-8"),
        "dates.csv": dates.encode("utf-8"),
        "dates_ambiguous.csv": ambiguous.encode("utf-8"),
        "amounts.csv": amounts.encode("utf-8"),
        "amounts_decimal_comma.csv": (
            "order_id;created_at;order_amount\n"
            "A1;2024-01-05;1.234,56\nA2;2024-01-05;R$ 12,5\nA3;2024-01-05;1,234.56\n"
        ).encode("utf-8"),
    }


def broken_text_files() -> dict[str, bytes]:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
    return {
        "empty.csv": b"",
        "header_only.csv": (ORDERS_HEADER + "\n").encode("utf-8"),
        "nul_bytes.csv": (
            ORDERS_HEADER + "\nA1,2024-01-05 10:00,12.50,SF,T1\n"
            "A2,2024-01-05 11:00,8.00,S\x00F,T2\n"
        ).encode("utf-8"),
        "utf16_no_bom.csv": (ORDERS_HEADER + "\nA1,2024-01-05,1,SF,T1\n")
        .encode("utf-16-le"),
        "xlsx_renamed.csv": title_rows_workbook(),
        "png_renamed.csv": png,
        # Rows 2 and 6 contain enough UTF-8 text that the stray byte in row 5
        # reads as a fault of that row rather than a different encoding.
        "malformed.csv": (
            ORDERS_HEADER + "\n"
            "A1,2024-01-05 10:00,12.50,顺丰速运上海浦东新区张江高科技园区分部,T1\n"
            "A2,2024-01-05 11:00,8.00,SF,T2,extra\n"
            "A3,2024-01-05 12:00\n"
        ).encode("utf-8")
        + b"A4,2024-01-05 13:00,3.00,caf\xe9,T4\n"
        + "A6,2024-01-05 15:00,5.00,中通快递北京朝阳区望京街道营业部,T6\n".encode()
        + b'A7,2024-01-05 16:00,6.00,"unterminated,T7\n',
        "not_a_zip.xlsx": (ORDERS_HEADER + "\nA1,2024-01-05,1,SF,T1\n").encode("utf-8"),
        "old_excel.xlsx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "zip_not_workbook.xlsx": _zip({"readme.txt": b"not a workbook\n"}),
    }


def workbook_attacks() -> dict[str, bytes]:
    entities = "".join(
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    )
    laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
        f"{entities}]>\n{_sheet_body([['&lol9;']], escape=False)}"
    )
    external = (
        '<?xml version="1.0"?>\n<!DOCTYPE sheet [<!ENTITY xxe SYSTEM '
        '"file:///etc/passwd">]>\n' + _sheet_body([["&xxe;"]], escape=False)
    )
    padded = (
        '<?xml version="1.0"?>\n<!--' + " " * 20000 + '-->\n<!DOCTYPE sheet '
        '[<!ENTITY e "x">]>\n' + _sheet_body([["&e;"]], escape=False)
    )
    return {
        "billion_laughs.xlsx": _workbook(laughs),
        "external_entity.xlsx": _workbook(external),
        "dtd_after_padding.xlsx": _workbook(padded),
        "zip_bomb.xlsx": zip_bomb(),
        "forged_size.xlsx": forged_size(),
    }


def zip_bomb() -> bytes:
    """A workbook whose sheet deflates about 1,000 times: 5 MB in 5 KB."""
    return _workbook(_sheet_body([["x" * 5_000_000]]))


def forged_size() -> bytes:
    """A workbook whose sheet header declares 2,000 bytes but which inflates to 1 MB."""
    data = bytearray(_workbook(_sheet_body([["x" * 1_000_000]])))
    _set_declared_size(data, "xl/worksheets/sheet1.xml", 2_000)
    return bytes(data)


def _set_declared_size(data: bytearray, name: str, size: int) -> None:
    """Overwrite a part's uncompressed size in its local header and central record."""
    encoded = name.encode()
    for start in _find_all(data, b"PK\x03\x04"):
        name_length = struct.unpack_from("<H", data, start + 26)[0]
        if data[start + 30:start + 30 + name_length] == encoded:
            struct.pack_into("<I", data, start + 22, size)
    for start in _find_all(data, b"PK\x01\x02"):
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46:start + 46 + name_length] == encoded:
            struct.pack_into("<I", data, start + 24, size)


def _find_all(data: bytearray, needle: bytes):
    start = data.find(needle)
    while start != -1:
        yield start
        start = data.find(needle, start + 1)


def title_rows_workbook() -> bytes:
    """Two title rows and a blank row above a header that starts in column B."""
    rows = {
        1: [(1, "Order export")],
        2: [(1, "Generated 2024-01-31 by the shop")],
        4: [(2, "order_id"), (3, "created_at"), (4, "order_amount"),
            (5, "tracking_no ")],
        5: [(2, "A1"), (3, "2024-01-05 10:00"), (4, 12.5), (5, "000123")],
        7: [(2, "A2"), (3, "2024-01-06 10:00"), (4, "8.00"), (5, "T2")],
    }
    return _workbook(_sheet_xml(rows))


def number_cells_workbook() -> bytes:
    """IDs typed into number cells, a zero-padded postcode and a date cell."""
    rows = {
        1: [(1, "order_id"), (2, "created_at"), (3, "tracking_no"), (4, "postcode"),
            (5, "order_amount")],
        # Excel stores a typed 123456789012345678 with 15 significant digits.
        2: [(1, "A1"), (2, (45296.5, 2)), (3, NumberText("1.23456789012346E+17")),
            (4, (1234, 1)),
            (5, 0.1 + 0.2)],
        3: [(1, 10), (2, (45297.25, 2)), (3, 123456789012345), (4, (98765, 1)),
            (5, 12.5)],
    }
    return _workbook(_sheet_xml(rows))


def ids_parquet() -> bytes:
    table = pa.table({
        "order_id": pa.array(["000123", "000124"]),
        "created_at": pa.array(
            [dt.datetime(2024, 1, 5, 10), dt.datetime(2024, 1, 6, 10)],
            pa.timestamp("us"),
        ),
        "tracking_no": pa.array([123456789012345678, 987654321098765432], pa.int64()),
        "seller_id": pa.array([123456789012345678.0, 7.0], pa.float64()),
        "order_amount": pa.array([Decimal("12.50"), Decimal("0.10")],
                                 pa.decimal128(18, 2)),
    })
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def chinese_export() -> bytes:
    """Return an export with Chinese headers and statuses, in GBK."""
    text = (
        "订单号,下单时间,订单状态,订单金额,实付金额,快递公司,运单号 \r\n"
        "0001,2024年1月5日 10:30,已签收,\"￥1,234.50\",1234.50,顺丰速运,"
        "SF1234567890123\r\n"
        "0002,2024/1/6 9:00,已取消,88.00,88.00,中通快递,\r\n"
        "0003,2024-01-07 12:00,已发货,￥12.5,12.50,圆通速递,YT0000000000000001\r\n"
        "0004,2024-01-08 08:00,已签收,金额待定,0,顺丰速运,SF2\r\n"
    )
    return text.encode("gbk")


def _sheet_xml(rows: dict[int, list[tuple[int, object]]]) -> str:
    """Sheet XML for {row: [(column, value)]}; a (number, style) pair sets a style."""
    body = []
    for number, cells in sorted(rows.items()):
        parts = [_cell_xml(number, column, value) for column, value in cells]
        body.append(f'<row r="{number}">{"".join(parts)}</row>')
    rows_xml = "".join(body)
    return f'<worksheet xmlns="{MAIN_NS}"><sheetData>{rows_xml}</sheetData></worksheet>'


def _cell_xml(row: int, column: int, value) -> str:
    reference = f"{chr(64 + column)}{row}"
    style = ""
    if isinstance(value, tuple):
        value, style_index = value
        style = f' s="{style_index}"'
    if isinstance(value, str) and not isinstance(value, NumberText):
        text = _escape(value)
        return f'<c r="{reference}" t="inlineStr"{style}><is><t>{text}</t></is></c>'
    return f'<c r="{reference}"{style}><v>{value}</v></c>'


def _sheet_body(values: list[list[str]], escape: bool = True) -> str:
    cells = "".join(
        f'<row r="{row}">' + "".join(
            f'<c r="{chr(65 + column)}{row}" t="inlineStr"><is><t>'
            f"{_escape(value) if escape else value}</t></is></c>"
            for column, value in enumerate(line)
        ) + "</row>"
        for row, line in enumerate(values, start=1)
    )
    return f'<worksheet xmlns="{MAIN_NS}"><sheetData>{cells}</sheetData></worksheet>'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _workbook(sheet_xml: str) -> bytes:
    return _zip({
        "[Content_Types].xml": CONTENT_TYPES.encode(),
        "_rels/.rels": ROOT_RELS.encode(),
        "xl/workbook.xml": WORKBOOK.encode(),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.encode(),
        "xl/styles.xml": STYLES.encode(),
        "xl/worksheets/sheet1.xml": sheet_xml.encode("utf-8"),
    })


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


if __name__ == "__main__":
    sys.exit(main())

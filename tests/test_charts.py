"""Review pack charts and their labels in English and Simplified Chinese."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path

import matplotlib
import pyarrow as pa
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from openpyxl import load_workbook

from audit import labels
from audit.charts import (
    CHARTS,
    STYLE_FILE,
    build_figures,
    chart_metadata,
    cjk_font_path,
    draw_charts,
)
from audit.labels import (
    as_of_label,
    header_labels,
    label,
    localize_report,
    span_label,
    translate_note,
    translate_rule_note,
)
from audit.reports import REPORT_COLUMNS
from audit.resources import builtin_dir
from audit.rules import PARTIES, SEVERITIES, STAGES, load_rules

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LATIN_LETTER = re.compile(r"[A-Za-z]")

REGISTER_HEADERS = [
    "exception_id", "rule_id", "rule_title", "category", "exception_class",
    "severity", "responsible_party", "order_id", "customer_id", "carrier",
    "seller_id", "complaint_id", "refund_id", "sku", "tracking_no", "evidence",
    "amount_at_risk", "detected_at", "due_by", "overdue", "age_days",
    "suggested_action", "force_majeure", "owner", "status", "root_cause",
    "corrective_action", "target_date", "notes",
]
REJECTED_HEADERS = ["input", "file", "row", "column", "value", "reason_code", "reason"]
RUN_RECORD_HEADERS = [
    "input", "path", "sha256", "rows_read", "rows_accepted", "rows_rejected",
]


def _report_tables() -> dict[str, pa.Table]:
    """Return the report tables the charts read, as compute_reports shapes them."""
    march, february = dt.date(2024, 3, 1), dt.date(2024, 2, 1)
    return {
        "ExceptionTrend": pa.table({
            "month": [february, march, march, march],
            "category": ["fulfilment", "creation", "fulfilment", "refund"],
            "exceptions": [1, 3, 6, 1],
        }),
        "ByRule": pa.table({
            "rule_id": ["late_shipment", "duplicate_order", "lost_parcel"],
            "rule_title": ["Late shipment", "Duplicate order", "Lost parcel"],
            "exceptions": [5, 3, 2],
            "share": [0.5, 0.3, 0.2],
            "cumulative_share": [0.5, 0.8, 1.0],
            "vital_few": [True, True, False],
        }),
        "CarrierScorecard": pa.table({
            "carrier": ["ZTO", "SF", "YTO"],
            "on_time_rate": [1.0, 1 / 3, None],
            "rank": [1, 2, None],
        }),
        "ComplaintTrend": pa.table({
            "week_start": [
                dt.date(2024, 3, 4), dt.date(2024, 3, 4), dt.date(2024, 3, 11),
            ],
            "category": ["quality", "delivery", "quality"],
            "complaints": [2, 1, 4],
        }),
        "ResponseTimes": pa.table({
            "complaint_id": ["K1", "K2", "K3"],
            "category": ["quality", "delivery", "quality"],
            "first_response_hours": [2.0, 4.0, None],
            "resolution_hours": [24.0, None, 12.0],
        }),
        "OpenAgeing": pa.table({
            "age_band": ["0-2", "3-7", "8-14", "15-30", "over 30"],
            "exceptions": [1, 0, 2, 4, 1],
        }),
    }


def _empty_tables() -> dict[str, pa.Table]:
    return {name: table.slice(0, 0) for name, table in _report_tables().items()}


def _chart_labels(chart_id: str, lang: str) -> tuple[str, str, str]:
    parts = ("title", "x", "y")
    return tuple(label(f"chart.{chart_id}.{part}", lang) for part in parts)


@pytest.fixture(scope="module")
def english() -> dict[str, dict]:
    return chart_metadata(_report_tables(), "en")


@pytest.fixture(scope="module")
def chinese() -> dict[str, dict]:
    return chart_metadata(_report_tables(), "zh-CN")


def test_draw_charts_writes_six_pngs(tmp_path: Path):
    paths = draw_charts(_report_tables(), tmp_path / "charts", "en")
    assert sorted(paths) == [f"chart_{number}" for number in range(1, 7)]
    for chart_id, path in paths.items():
        assert path == tmp_path / "charts" / f"{chart_id}.png"
        assert path.read_bytes().startswith(PNG_SIGNATURE), chart_id


def test_chart_metadata_covers_six_charts(english):
    assert sorted(english) == [f"chart_{number}" for number in range(1, 7)]


def test_chart_metadata_titles_and_axis_labels(english):
    for chart_id, meta in english.items():
        title, x_label, y_label = _chart_labels(chart_id, "en")
        assert meta["title"] == title, chart_id
        assert meta["xlabel"] == x_label, chart_id
        assert meta["ylabel"] == y_label, chart_id


def test_chart_metadata_axis_labels_state_units(english):
    unit = re.compile(
        r"\((count|%|hours, log scale|days|date|year-month|rule ID|name)\)$"
    )
    for chart_id, meta in english.items():
        assert unit.search(meta["xlabel"]), f"{chart_id}: {meta['xlabel']}"
        assert unit.search(meta["ylabel"]), f"{chart_id}: {meta['ylabel']}"
    assert english["chart_2"]["ylabel_right"] == "Cumulative share (%)"


def test_chart_metadata_legends(english):
    assert english["chart_1"]["legend"] == [
        "Order creation", "Fulfilment and delivery", "Refund",
    ]
    assert english["chart_2"]["legend"] == [
        "Exceptions, vital few rules", "Exceptions, other rules",
        "Cumulative share", "80% line",
    ]
    assert english["chart_4"]["legend"] == ["Delivery", "Quality"]
    assert english["chart_5"]["legend"] == ["First response", "Resolution"]


def test_chart_metadata_single_series_has_no_legend(english):
    assert english["chart_3"]["legend"] == []
    assert english["chart_6"]["legend"] == []


def test_pareto_chart_hatches_vital_few_bars():
    figure = build_figures(_report_tables(), "en")["chart_2"]
    hatches = [patch.get_hatch() for patch in figure.axes[0].patches]
    assert hatches == ["//", "//", ".."]


def test_pareto_chart_draws_80_percent_line():
    figure = build_figures(_report_tables(), "en")["chart_2"]
    right = figure.axes[1]
    lines = {line.get_label(): line for line in right.get_lines()}
    assert list(lines["80% line"].get_ydata()) == [0.8, 0.8]
    assert list(lines["Cumulative share"].get_ydata()) == [0.5, 0.8, 1.0]


def test_carrier_chart_skips_carriers_without_rate():
    figure = build_figures(_report_tables(), "en")["chart_3"]
    carriers = [text.get_text() for text in figure.axes[0].get_yticklabels()]
    assert carriers == ["ZTO", "SF"]
    widths = [patch.get_width() for patch in figure.axes[0].patches]
    assert widths == pytest.approx([1.0, 1 / 3])


def test_carrier_chart_labels_unknown_carrier():
    tables = {
        "CarrierScorecard": pa.table({
            "carrier": ["unknown", "SF"], "on_time_rate": [0.9, 0.8], "rank": [1, 2],
        }),
    }
    figure = build_figures(tables, "zh-CN")["chart_3"]
    carriers = [text.get_text() for text in figure.axes[0].get_yticklabels()]
    assert carriers == ["未知承运商", "SF"]


def test_chart_labels_replace_control_characters(tmp_path: Path, recwarn):
    tables = {
        "CarrierScorecard": pa.table({
            "carrier": ["Fast\tFreight", "SF\x0c"], "on_time_rate": [0.9, 0.8],
            "rank": [1, 2],
        }),
    }
    paths = draw_charts(tables, tmp_path, "en")
    figure = build_figures(tables, "en")["chart_3"]
    carriers = [text.get_text() for text in figure.axes[0].get_yticklabels()]
    assert carriers == ["Fast Freight", "SF "]
    assert paths["chart_3"].exists()
    # Without the replacement matplotlib warns of a missing glyph.
    assert [str(w.message) for w in recwarn if "Glyph" in str(w.message)] == []


def test_draw_charts_empty_tables_say_no_data(tmp_path: Path):
    for tables in [{}, _empty_tables()]:
        meta = chart_metadata(tables, "en")
        for chart_id in CHARTS:
            assert meta[chart_id]["texts"] == ["no data"], chart_id
            assert meta[chart_id]["title"] == label(f"chart.{chart_id}.title", "en")
        paths = draw_charts(tables, tmp_path, "en")
        assert all(path.stat().st_size > 0 for path in paths.values())


def test_draw_charts_zh_cn_has_no_missing_glyph(tmp_path: Path):
    # Matplotlib warns "Glyph ... missing from font(s)" when a character
    # would render as a box; as an error, that warning fails this test.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draw_charts(_report_tables(), tmp_path / "full", "zh-CN")
        draw_charts({}, tmp_path / "empty", "zh-CN")


def test_missing_glyph_warning_is_an_error(tmp_path: Path):
    # Without a Chinese font the same drawing must fail, or the test above
    # could pass while the characters render as boxes.
    figure = Figure()
    FigureCanvasAgg(figure)
    figure.text(0.5, 0.5, "异常", family="DejaVu Sans")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="missing from font"):
            figure.savefig(tmp_path / "boxes.png")


def test_chart_metadata_zh_cn_has_no_english(chinese):
    for chart_id, meta in chinese.items():
        texts = [meta["title"], meta["xlabel"], meta["ylabel"], *meta["legend"]]
        if meta["ylabel_right"] is not None:
            texts.append(meta["ylabel_right"])
        for text in texts:
            assert not LATIN_LETTER.search(text), f"{chart_id}: {text}"
    assert chinese["chart_1"]["legend"] == ["订单创建", "发货配送", "退款"]


def test_chart_metadata_zh_cn_no_data_text():
    meta = chart_metadata({}, "zh-CN")
    assert meta["chart_6"]["texts"] == ["无数据"]


def test_draw_charts_leaves_matplotlib_state(tmp_path: Path):
    backend = matplotlib.get_backend()
    before = dict(matplotlib.rcParams)
    draw_charts(_report_tables(), tmp_path, "zh-CN")
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == before


def test_chart_style_file_is_in_charts_folder():
    assert (builtin_dir("charts") / STYLE_FILE).is_file()


def test_cjk_font_path_has_chinese_glyphs():
    path = cjk_font_path()
    assert path is not None
    font = FT2Font(str(path))
    for character in "异常投诉退款账龄无数据":
        assert font.get_char_index(ord(character)) != 0, character


def test_label_stage_severity_party_codes():
    for stage in STAGES:
        assert label(f"category.{stage}", "zh-CN"), stage
    for severity in SEVERITIES:
        assert label(f"severity.{severity}", "zh-CN"), severity
    for party in [*PARTIES, "force_majeure"]:
        assert label(f"party.{party}", "zh-CN"), party


def test_label_chinese_stage_and_severity_names():
    expected = {
        "category.creation": "订单创建", "category.payment": "订单支付",
        "category.inventory": "库存", "category.fulfilment": "发货配送",
        "category.cancellation": "取消", "category.refund": "退款",
        "category.after_sales": "售后", "category.complaints": "投诉",
        "category.fraud": "恶意行为", "severity.urgent": "紧急",
        "severity.important": "重要", "severity.general": "一般",
    }
    for key, text in expected.items():
        assert label(key, "zh-CN") == text, key


def test_label_headline_indicators():
    indicators = [
        "orders", "exceptions_per_1000_orders", "on_time_shipping_rate",
        "on_time_delivery_rate", "lost_damaged_per_1000_shipments", "refund_total",
        "refund_rate", "complaints_per_1000_orders", "first_response_hours_median",
        "first_response_hours_p90", "resolution_hours_median", "resolution_hours_p90",
        "open_exceptions_age_0_2", "open_exceptions_age_over_30",
        "exceptions_per_1000_orders.fraud",
    ]
    for indicator in indicators:
        assert label(f"indicator.{indicator}", "en"), indicator
        assert label(f"indicator.{indicator}", "zh-CN"), indicator
    assert label("indicator.exceptions_per_1000_orders.fraud", "zh-CN") == (
        "每千单异常数：恶意行为"
    )


def test_label_unknown_key_raises():
    with pytest.raises(KeyError, match="category.shipping"):
        label("category.shipping", "en")


def test_label_unknown_language_raises():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        label("category.refund", "fr")


def test_header_labels_cover_every_table():
    chinese = header_labels("zh-CN")
    tables = dict(REPORT_COLUMNS)
    tables |= {
        "Register": REGISTER_HEADERS, "Rejected": REJECTED_HEADERS,
        "RunRecord": RUN_RECORD_HEADERS,
    }
    for table, headers in tables.items():
        missing = [header for header in headers if header not in chinese]
        assert missing == [], table


def _template_texts(path: Path) -> tuple[list[str], list[list[str]], set[str]]:
    """Return a template's sheet titles, table headers and text cells."""
    workbook = load_workbook(path)
    headers = [
        [column.name for column in table.tableColumns]
        for sheet in workbook.worksheets
        for table in sheet.tables.values()
    ]
    texts = {
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "s" and cell.value
    }
    return workbook.sheetnames, headers, texts


@pytest.mark.parametrize("template", ["review_pack", "register", "refund_check"])
def test_header_labels_translate_template(template):
    chinese = header_labels("zh-CN")
    path = builtin_dir("templates") / f"{template}.xlsx"
    sheets, headers, texts = _template_texts(path)
    assert [title for title in sheets if title not in chinese] == []
    assert sorted(text for text in texts if text not in chinese) == []
    for columns in headers:
        translated = [chinese[column].casefold() for column in columns]
        assert len(set(translated)) == len(translated), columns
    titles = [chinese[title] for title in sheets]
    assert len(set(titles)) == len(titles)


def test_header_labels_english_keeps_template_texts():
    english = header_labels("en")
    assert english["per_1000_orders"] == "per_1000_orders"
    assert english["Run record"] == "Run record"


def test_sheet_labels_are_valid_excel_names():
    for sheet in labels.SHEETS:
        for lang in labels.LANGUAGES:
            name = label(f"sheet.{sheet}", lang)
            assert 0 < len(name) <= 31, name
            assert not set(name) & set("[]:*?/\\"), name


def test_translate_note_joins_parts():
    note = (
        "no comparison: the inputs do not cover the previous period; "
        "no value: the denominator is zero"
    )
    chinese = "无对比：输入数据未覆盖上一期；无数值：分母为零"
    assert translate_note(note, "zh-CN") == chinese
    assert translate_note(note, "en") == note
    assert translate_note(None, "zh-CN") is None


def test_localize_report_replaces_codes():
    table = pa.table({
        "indicator": ["orders", "exceptions_per_1000_orders.fraud", "orders"],
        "value": [5.0, 0.0, 3.0],
        "unit": ["count", "per_1000_orders", "count"],
        "note": [None, "no value: the denominator is zero", None],
    })
    localized = localize_report("Headline", table, "zh-CN")
    assert localized.column("indicator").to_pylist() == [
        "订单数", "每千单异常数：恶意行为", "订单数",
    ]
    assert localized.column("unit").to_pylist() == ["数量", "每千单", "数量"]
    assert localized.column("note").to_pylist() == [None, "无数值：分母为零", None]
    assert localized.column("value").to_pylist() == [5.0, 0.0, 3.0]


def test_localize_report_keeps_unknown_values():
    table = pa.table({
        "category": ["quality", "odd smell", None], "complaints": [1, 2, 3],
    })
    localized = localize_report("ComplaintTrend", table, "en")
    assert localized.column("category").to_pylist() == [
        "Quality", "odd smell", "Not categorised",
    ]


def test_rule_titles_zh_cover_builtin_rules():
    rule_ids = {rule.id for rule in load_rules([])}
    assert sorted(rule_ids - set(labels.RULE_TITLES_ZH)) == []
    assert sorted(set(labels.RULE_TITLES_ZH) - rule_ids) == []


def test_rejection_reasons_zh_cover_validation_codes():
    from audit.validate import NUL_REASON, PANDERA_REASONS, PARSE_REASONS

    codes = {code for code, _ in [*PARSE_REASONS.values(), *PANDERA_REASONS.values()]}
    codes |= {NUL_REASON[0], "malformed_record", "rounded_number", "failed_check"}
    assert sorted(codes - set(labels.REJECTION_REASONS_ZH)) == []


def test_chinese_texts_have_no_latin_letters():
    allowed = re.compile(r"SHA-256|\{first\}|\{last\}")
    texts = [texts[1] for texts in labels.LABELS.values()]
    texts += [*labels.RULE_TITLES_ZH.values(), *labels.REJECTION_REASONS_ZH.values()]
    latin = [text for text in texts if LATIN_LETTER.search(allowed.sub("", text))]
    assert latin == []


def test_localize_report_rule_titles_zh_cn():
    table = pa.table({
        "rule_id": ["delivered_late", "my_own_rule"],
        "rule_title": ["Delivered after the promised date", "My own rule"],
        "exceptions": [3, 1],
    })
    localized = localize_report("ByRule", table, "zh-CN")
    assert localized.column("rule_title").to_pylist() == ["晚于承诺日期送达", "My own rule"]
    assert localized.column("rule_id").to_pylist() == ["delivered_late", "my_own_rule"]


def test_localize_report_en_keeps_rule_titles():
    table = pa.table({"rule_id": ["delivered_late"], "rule_title": ["Late (custom)"]})
    localized = localize_report("ByRule", table, "en")
    assert localized.column("rule_title").to_pylist() == ["Late (custom)"]


def test_localize_report_rejection_reasons():
    table = pa.table({
        "reason_code": ["duplicate_key", "new_code", None],
        "reason": ["the same key appears on an earlier row", "a new check", None],
    })
    localized = localize_report("RejectedRows", table, "zh-CN")
    assert localized.column("reason").to_pylist() == [
        "同一键值已在前面的行中出现", "a new check", None,
    ]


def test_localize_report_rule_versions():
    table = pa.table({
        "rule_id": ["a", "b", "c"],
        "status": ["ran", "skipped", "disabled"],
        "note": ["", "no values in orders.carrier, refunds.amount",
                 "disabled in the configuration"],
    })
    localized = localize_report("RuleVersions", table, "zh-CN")
    assert localized.column("status").to_pylist() == ["已运行", "已跳过", "已停用"]
    assert localized.column("note").to_pylist() == [
        "", "以下列没有值：orders.carrier、refunds.amount", "已在配置中停用",
    ]


def test_translate_rule_note_en_unchanged():
    note = "no values in orders.carrier"
    assert translate_rule_note(note, "en") == note


def test_span_label_both_languages():
    first, last = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    assert span_label(first, last, "en") == "2026-01-01 to 2026-03-31"
    assert span_label(first, last, "zh-CN") == "2026-01-01 至 2026-03-31"


def test_as_of_label_marks_derived_date():
    day = dt.date(2026, 3, 31)
    assert as_of_label(day, False, "zh-CN") == "2026-03-31"
    assert as_of_label(day, True, "en") == "2026-03-31 (latest date in the inputs)"
    assert as_of_label(day, True, "zh-CN") == "2026-03-31（输入数据中的最晚日期）"


def test_localize_report_demo_complaint_categories():
    table = pa.table({"category": ["late", "not_received"], "complaints": [1, 2]})
    localized = localize_report("ComplaintTrend", table, "zh-CN")
    assert localized.column("category").to_pylist() == ["延误", "未收到货"]

"""Labels in English and Simplified Chinese for the review pack and its charts.

Keys are dotted: ``category.fulfilment``, ``severity.urgent``, ``party.carrier``,
``indicator.refund_rate``, ``unit.rate``, ``chart.chart_1.title``,
``sheet.Overview`` and so on. Codes that come from the data (stages, parties,
indicators, age bands) are the second part of the key, so
``label("category." + row["category"], lang)`` finds the text for a row, and
``value_label`` returns an open-ended value such as a carrier name unchanged.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

LANGUAGES = ("en", "zh-CN")

# Each table maps a code to its (English, Simplified Chinese) text.
CATEGORIES = {
    "creation": ("Order creation", "订单创建"),
    "payment": ("Order payment", "订单支付"),
    "inventory": ("Inventory", "库存"),
    "fulfilment": ("Fulfilment and delivery", "发货配送"),
    "cancellation": ("Cancellation", "取消"),
    "refund": ("Refund", "退款"),
    "after_sales": ("After-sales", "售后"),
    "complaints": ("Complaints", "投诉"),
    "fraud": ("Fraud and abuse", "恶意行为"),
}

SEVERITIES = {
    "urgent": ("Urgent", "紧急"),
    "important": ("Important", "重要"),
    "general": ("General", "一般"),
}

PARTIES = {
    "carrier": ("Carrier", "承运商"),
    "seller": ("Seller", "卖家"),
    "warehouse": ("Warehouse", "仓库"),
    "supplier": ("Supplier", "供应商"),
    "payment_provider": ("Payment provider", "支付服务商"),
    "customer_service": ("Customer service", "客服"),
    "customer": ("Customer", "客户"),
    "finance": ("Finance", "财务"),
    "platform": ("Platform", "平台"),
    "force_majeure": ("Force majeure", "不可抗力"),
    "unknown": ("Unknown", "未知"),
}

# Carrier names come from the data; only the stand-in for a missing one has labels.
CARRIERS = {
    "unknown": ("Unknown carrier", "未知承运商"),
}

# Complaint categories are free text in the exports; these are the common ones.
COMPLAINT_CATEGORIES = {
    "quality": ("Quality", "质量问题"),
    "damaged": ("Damaged", "商品破损"),
    "wrong_item": ("Wrong item", "错发漏发"),
    "delivery": ("Delivery", "配送"),
    "late_delivery": ("Late delivery", "延迟送达"),
    "lost": ("Lost parcel", "包裹丢失"),
    "refund": ("Refund", "退款"),
    "service": ("Service", "服务"),
    "low_rating": ("Low rating", "低评分"),
    "other": ("Other", "其他"),
    "unknown": ("Not categorised", "未分类"),
}

AGE_BANDS = {
    "0-2": ("0-2 days", "0–2天"),
    "3-7": ("3-7 days", "3–7天"),
    "8-14": ("8-14 days", "8–14天"),
    "15-30": ("15-30 days", "15–30天"),
    "over 30": ("Over 30 days", "30天以上"),
}

UNITS = {
    "count": ("count", "数量"),
    "money": ("amount", "金额"),
    "hours": ("hours", "小时"),
    "rate": ("rate", "比率"),
    "per_1000_orders": ("per 1,000 orders", "每千单"),
    "per_1000_shipments": ("per 1,000 shipments", "每千件发货"),
}

_INDICATORS = {
    "orders": ("Orders", "订单数"),
    "exceptions_per_1000_orders": ("Exceptions per 1,000 orders", "每千单异常数"),
    "on_time_shipping_rate": ("On-time shipping rate", "准时发货率"),
    "on_time_delivery_rate": ("On-time delivery rate", "准时送达率"),
    "lost_damaged_per_1000_shipments": (
        "Lost and damaged parcels per 1,000 shipments", "每千件发货丢失破损数",
    ),
    "refund_total": ("Refund total", "退款总额"),
    "refund_rate": ("Refund rate", "退款率"),
    "complaints_per_1000_orders": ("Complaints per 1,000 orders", "每千单投诉数"),
    "first_response_hours_median": (
        "Hours to first response, median", "首次响应时长中位数（小时）",
    ),
    "first_response_hours_p90": (
        "Hours to first response, 90th percentile", "首次响应时长第90百分位（小时）",
    ),
    "resolution_hours_median": (
        "Hours to resolution, median", "解决时长中位数（小时）",
    ),
    "resolution_hours_p90": (
        "Hours to resolution, 90th percentile", "解决时长第90百分位（小时）",
    ),
}


def _indicators() -> dict[str, tuple[str, str]]:
    """Return the Headline indicators, with one per stage and one per age band."""
    indicators = dict(_INDICATORS)
    total_en, total_zh = _INDICATORS["exceptions_per_1000_orders"]
    for code, (english, chinese) in CATEGORIES.items():
        indicators[f"exceptions_per_1000_orders.{code}"] = (
            f"{total_en}: {english}", f"{total_zh}：{chinese}",
        )
    for band, (english, chinese) in AGE_BANDS.items():
        code = band.replace("-", "_").replace(" ", "_")
        indicators[f"open_exceptions_age_{code}"] = (
            f"Open exceptions aged {english.lower()}", f"未结异常（账龄{chinese}）",
        )
    return indicators


INDICATORS = _indicators()

# Notes the Headline report writes, so a workbook can show them translated.
NOTES = {
    "no comparison: the inputs do not cover the previous period": (
        "no comparison: the inputs do not cover the previous period",
        "无对比：输入数据未覆盖上一期",
    ),
    "no comparison: the register keeps no status for the previous period": (
        "no comparison: the register keeps no status for the previous period",
        "无对比：异常登记表未保存上一期的状态",
    ),
    "no value: the denominator is zero": (
        "no value: the denominator is zero", "无数值：分母为零",
    ),
    "no value: no complaint in the period has this time recorded": (
        "no value: no complaint in the period has this time recorded",
        "无数值：本期没有投诉记录了该时间",
    ),
    "no previous value: the previous denominator is zero": (
        "no previous value: the previous denominator is zero", "无上期值：上期分母为零",
    ),
    "no previous value: no complaint in the previous period has this time recorded": (
        (
            "no previous value: no complaint in the previous period has this time "
            "recorded"
        ),
        "无上期值：上期没有投诉记录了该时间",
    ),
}

CHARTS = {
    "chart_1.title": ("Exceptions by month and stage", "各环节异常月度趋势"),
    "chart_1.x": ("Month (year-month)", "月份（年-月）"),
    "chart_1.y": ("Exceptions (count)", "异常数（件）"),
    "chart_2.title": ("Pareto of exceptions by rule", "按规则的异常帕累托图"),
    "chart_2.x": ("Rule (rule ID)", "规则（规则编号）"),
    "chart_2.y": ("Exceptions (count)", "异常数（件）"),
    "chart_2.y2": ("Cumulative share (%)", "累计占比（%）"),
    "chart_3.title": ("On-time delivery rate by carrier", "各承运商准时送达率"),
    "chart_3.x": ("On-time delivery rate (%)", "准时送达率（%）"),
    "chart_3.y": ("Carrier (name)", "承运商（名称）"),
    "chart_4.title": ("Complaints by week and category", "各类投诉周趋势"),
    "chart_4.x": ("Week starting Monday (date)", "周起始日（周一，日期）"),
    "chart_4.y": ("Complaints (count)", "投诉数（件）"),
    "chart_5.title": ("Complaint handling times", "投诉处理时长分布"),
    "chart_5.x": (
        "Time from complaint (hours, log scale)", "距投诉创建的时长（小时，对数刻度）",
    ),
    "chart_5.y": ("Complaints (count)", "投诉数（件）"),
    "chart_6.title": ("Open exceptions by age", "未结异常账龄分布"),
    "chart_6.x": ("Age since detection (days)", "发现后的账龄（天）"),
    "chart_6.y": ("Open exceptions (count)", "未结异常数（件）"),
    "legend.vital_few": ("Exceptions, vital few rules", "关键少数规则的异常"),
    "legend.other_rules": ("Exceptions, other rules", "其他规则的异常"),
    "legend.cumulative_share": ("Cumulative share", "累计占比"),
    "legend.pareto_line": ("80% line", "80%线"),
    "legend.first_response": ("First response", "首次响应"),
    "legend.resolution": ("Resolution", "解决"),
    "no_data": ("no data", "无数据"),
}

# Sheet titles of the review pack, register and refund check templates. Excel
# limits a sheet title to 31 characters without any of []:*?/\ in it.
SHEETS = {
    "Overview": ("Overview", "概览"),
    "By category": ("By category", "按类别"),
    "By rule": ("By rule", "按规则"),
    "By party": ("By party", "按责任方"),
    "Carriers": ("Carriers", "承运商"),
    "Sellers": ("Sellers", "卖家"),
    "Complaints": ("Complaints", "投诉"),
    "Charts": ("Charts", "图表"),
    "Rejected rows": ("Rejected rows", "被拒绝的行"),
    "Run record": ("Run record", "运行记录"),
    "Register": ("Register", "异常登记表"),
    "Summary": ("Summary", "汇总"),
    "Totals": ("Totals", "合计"),
    "Refund exceptions": ("Refund exceptions", "退款异常"),
    "Refunds": ("Refunds", "退款记录"),
}

# Captions the templates hold in plain cells, outside any table.
TEXTS_ZH = {
    "As of": "截至日期",
    "Period": "期间",
    "Previous period": "上一期",
    "Exception review": "异常审查",
    "Command line": "命令行",
    "Configuration": "配置文件",
    "Generated at": "生成时间",
    "Inputs": "输入文件",
    "Parameters": "参数",
    "Profile": "数据映射",
    "Rule versions": "规则版本",
    "Time zone": "时区",
    "Tool version": "工具版本",
    "Check": "核对",
    "Refund totals": "退款合计",
    "Total by the tool": "工具计算的合计",
    "Total of the table": "表格合计",
}

# Chinese text for each header column of the templates' tables: review pack,
# register, rejected rows, run record and refund check. The key is the English text.
HEADERS_ZH = {
    # Headline
    "indicator": "指标",
    "numerator": "分子",
    "denominator": "分母",
    "value": "值",
    "previous_value": "上期值",
    "change": "变化",
    "unit": "单位",
    "note": "说明",
    # Breakdowns, Pareto tables and scorecards
    "category": "类别",
    "severity": "严重程度",
    "exceptions": "异常数",
    "per_1000_orders": "每千单",
    "rule_id": "规则编号",
    "rule_title": "规则名称",
    "share": "占比",
    "cumulative_share": "累计占比",
    "vital_few": "关键少数",
    "amount_at_risk": "风险金额",
    "responsible_party": "责任方",
    "carrier": "承运商",
    "shipments": "发货数",
    "delivered": "送达数",
    "on_time_rate": "准时送达率",
    "avg_delay_days": "平均延误天数",
    "lost_damaged": "丢失破损数",
    "lost_damaged_per_1000": "每千件丢失破损数",
    "complaints": "投诉数",
    "complaints_per_1000": "每千件投诉数",
    "rank": "排名",
    "seller_id": "卖家编号",
    "orders": "订单数",
    "exceptions_per_1000": "每千单异常数",
    "late_shipments": "延迟发货数",
    "quality_complaints": "质量投诉数",
    "week_start": "周起始日",
    "median_first_response_hours": "首次响应时长中位数（小时）",
    "median_resolution_hours": "解决时长中位数（小时）",
    "month": "月份",
    "repeat_complainants": "重复投诉客户数",
    "age_band": "账龄段",
    "complaint_id": "投诉编号",
    "first_response_hours": "首次响应时长（小时）",
    "resolution_hours": "解决时长（小时）",
    # Exception register
    "exception_id": "异常编号",
    "exception_class": "异常类型",
    "order_id": "订单编号",
    "customer_id": "客户编号",
    "refund_id": "退款编号",
    "sku": "商品编码",
    "tracking_no": "运单号",
    "evidence": "证据",
    "detected_at": "发现时间",
    "due_by": "处理期限",
    "overdue": "是否超期",
    "age_days": "账龄（天）",
    "suggested_action": "建议措施",
    "force_majeure": "不可抗力",
    "owner": "负责人",
    "status": "状态",
    "root_cause": "根本原因",
    "corrective_action": "纠正措施",
    "target_date": "目标日期",
    "notes": "备注",
    # Rejected rows
    "input": "输入",
    "file": "文件",
    "row": "行号",
    "column": "列",
    "reason_code": "原因代码",
    "reason": "原因",
    # Run record
    "path": "路径",
    "sha256": "SHA-256校验值",
    "rows_read": "读取行数",
    "rows_accepted": "接受行数",
    "rows_rejected": "拒绝行数",
    "parameter": "参数",
    "version": "版本",
    # Refund check
    "refunds": "退款笔数",
    "amount": "金额",
    "requested_at": "申请时间",
    "approved_at": "批准时间",
    "refunded_at": "退款时间",
    "method": "退款方式",
}

def _build_labels() -> dict[str, tuple[str, str]]:
    groups = {
        "category": CATEGORIES,
        "severity": SEVERITIES,
        "party": PARTIES,
        "carrier": CARRIERS,
        "complaint_category": COMPLAINT_CATEGORIES,
        "age_band": AGE_BANDS,
        "unit": UNITS,
        "indicator": INDICATORS,
        "note": NOTES,
        "chart": CHARTS,
        "sheet": SHEETS,
    }
    labels = {
        f"{prefix}.{code}": texts
        for prefix, table in groups.items()
        for code, texts in table.items()
    }
    for header, chinese in HEADERS_ZH.items():
        labels[f"header.{header}"] = (header, chinese)
    for text, chinese in TEXTS_ZH.items():
        labels[f"text.{text}"] = (text, chinese)
    return labels


LABELS = _build_labels()


def _language_index(lang: str) -> int:
    if lang not in LANGUAGES:
        raise ValueError(
            f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}"
        )
    return LANGUAGES.index(lang)


def label(key: str, lang: str) -> str:
    """Return the text of ``key`` in ``lang``; raise KeyError for an unknown key."""
    index = _language_index(lang)
    try:
        return LABELS[key][index]
    except KeyError:
        raise KeyError(f"no label for {key!r}") from None


def value_label(prefix: str, value: str | None, lang: str) -> str:
    """Return the label of a data value, or the value itself when it has none.

    Data such as complaint categories and carrier names are open-ended, so an
    unknown value is shown as it is rather than raising.
    """
    if value is None:
        return label(f"{prefix}.unknown", lang) if f"{prefix}.unknown" in LABELS else ""
    return LABELS.get(f"{prefix}.{value}", (value, value))[_language_index(lang)]


def translate_note(note: str | None, lang: str) -> str | None:
    """Translate a Headline note, whose parts are joined by '; '."""
    if note is None:
        return None
    parts = [value_label("note", part, lang) for part in note.split("; ")]
    separator = "; " if lang == "en" else "；"
    return separator.join(parts)


def header_labels(lang: str) -> dict[str, str]:
    """Map the templates' English texts to their text in ``lang``.

    The map covers table header texts, sheet titles and captions, so a
    workbook can translate each cell or sheet title found among its keys.
    English texts map to themselves, because they are the templates' own.
    """
    _language_index(lang)
    chinese = HEADERS_ZH | TEXTS_ZH | {
        sheet: texts[1] for sheet, texts in SHEETS.items()
    }
    if lang == "en":
        return {text: text for text in chinese}
    return chinese


# Report columns whose values are codes with labels, and the prefix of their keys.
VALUE_COLUMNS = {
    "Headline": {"indicator": "indicator", "unit": "unit", "note": "note"},
    "ByCategorySeverity": {"category": "category", "severity": "severity"},
    "ByParty": {"responsible_party": "party"},
    "CarrierScorecard": {"carrier": "carrier"},
    "ComplaintTrend": {"category": "complaint_category"},
    "ComplaintMonthly": {"category": "complaint_category"},
    "ResponseTimes": {"category": "complaint_category"},
    "OpenAgeing": {"age_band": "age_band"},
    "ExceptionTrend": {"category": "category"},
}


def _value_text(prefix: str, value: str | None, lang: str) -> str | None:
    if prefix == "note":
        return translate_note(value, lang)
    return value_label(prefix, value, lang)


def localize_report(name: str, table: pa.Table, lang: str) -> pa.Table:
    """Replace the codes in report ``name``'s table with their labels in ``lang``.

    The report tables keep codes (``on_time_shipping_rate``, ``fulfilment``) for
    charts and formulas; this gives the text a reader sees in a workbook. Each
    distinct value is looked up once, so large tables stay fast.
    """
    for column, prefix in VALUE_COLUMNS.get(name, {}).items():
        codes = table.column(column)
        distinct = pc.unique(codes)
        texts = pa.array(
            [_value_text(prefix, code, lang) for code in distinct.to_pylist()],
            type=pa.string(),
        )
        localized = pc.take(texts, pc.index_in(codes, value_set=distinct))
        table = table.set_column(table.column_names.index(column), column, localized)
    return table

"""Labels in English and Simplified Chinese for the review pack and its charts.

Keys are dotted: ``category.fulfilment``, ``severity.urgent``, ``party.carrier``,
``indicator.refund_rate``, ``unit.rate``, ``chart.chart_1.title``,
``sheet.Overview`` and so on. Codes that come from the data (stages, parties,
indicators, age bands) are the second part of the key, so
``label("category." + row["category"], lang)`` finds the text for a row, and
``value_label`` returns an open-ended value such as a carrier name unchanged.
"""

from __future__ import annotations

import datetime as dt

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
    "late": ("Late", "延误"),
    "not_received": ("Not received", "未收到货"),
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
    "no value: the inputs hold no refunds": (
        "no value: the inputs hold no refunds", "无数值：输入数据中没有退款",
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

# Chinese titles of the built-in rules, by rule id. English titles come from the
# rule files' headers, and a rule without an entry here keeps its own title.
RULE_TITLES_ZH = {
    "address_shared_by_customers": "多个客户使用同一收货地址",
    "amount_outlier_customer": "订单金额远超客户常规范围",
    "cancel_request_not_processed": "取消申请未及时处理",
    "cancelled_after_shipment": "订单发货后被取消",
    "cancelled_not_refunded": "已取消但未在时限内退款",
    "cancelled_out_of_stock": "接单后因缺货取消",
    "carrier_lost_or_damaged": "承运商报告包裹丢失或破损",
    "compensation_exceeds_order": "赔偿金额超过订单金额",
    "complaint_response_late": "投诉首次响应超时",
    "complaint_unresolved": "投诉超时未解决",
    "customer_order_burst": "同一客户短时间内大量下单",
    "customer_refund_rate": "客户退款率超限",
    "delivered_late": "晚于承诺日期送达",
    "delivered_without_scan": "送达但缺少承运商交接扫描",
    "duplicate_order": "同一客户重复下单",
    "impossible_timestamps": "时间先后顺序不合逻辑",
    "low_satisfaction": "投诉后满意度低",
    "no_scan_in_transit": "运输途中长时间无扫描",
    "nonpositive_amount": "金额或数量为零或负数",
    "not_delivered_by_promise": "承诺日期前未送达",
    "not_received_but_delivered": "已标记送达的订单被投诉“未收到”",
    "not_shipped_in_time": "未在时限内发货",
    "paid_amount_mismatch": "实付金额与订单金额不符",
    "paid_more_than_once": "订单重复支付",
    "payment_timeout": "超过支付时限仍未支付",
    "price_outlier_sku": "单价远超该商品常规范围",
    "refund_duplicate": "重复退款",
    "refund_exceeds_paid": "退款超过实付金额",
    "refund_late": "退款超时",
    "refund_unpaid_order": "未支付订单发生退款",
    "refund_without_cause": "无取消、退货或投诉依据的退款",
    "repeat_complainant": "客户本期多次投诉",
    "repeated_delivery_failures": "多次派送失败",
    "returned_to_sender": "包裹被退回发件人",
    "seller_complaint_rate": "卖家每千单质量投诉数超限",
    "shipped_after_cancellation": "订单取消后仍发货",
    "shipped_after_ship_by": "晚于最迟发货时间发货",
    "shipped_before_payment": "订单未支付即发货",
    "shipping_info_missing": "收货地址缺失或无效",
    "split_shipment_late": "拆单发货中部分包裹晚于最迟发货时间",
}

# Chinese reasons for rejected input rows, by reason code. The English reasons
# come from validation, and some name details (the damaged record, the failed
# check) that the Chinese text leaves out. The row's value column still shows them.
REJECTION_REASONS_ZH = {
    "invalid_timestamp": "不是可识别格式的日期或时间",
    "invalid_amount": "不是有效金额（最多两位小数，整数部分最多16位）",
    "invalid_integer": "不是整数",
    "invalid_boolean": "不是有效的是非值（如是/否或1/0）",
    "nul_character": "含有空字符，说明导出文件已损坏，且任何单元格都无法保存该字符",
    "missing_value": "必填值为空",
    "duplicate_key": "同一键值已在前面的行中出现",
    "not_allowed_value": "不是允许的取值",
    "implausible_date": "日期早于1990年或晚于2099年",
    "malformed_record": "记录格式有误，无法按列读取",
    "rounded_number": "数字位数过多，已被舍入；请将该列导出为文本",
    "failed_check": "未通过数据检查",
}

# Status of each rule in the run record.
RULE_STATUSES = {
    "ran": ("ran", "已运行"),
    "skipped": ("skipped", "已跳过"),
    "disabled": ("disabled", "已停用"),
}

# Texts of the run record and of the review pack's header cells.
RUN_TEXTS = {
    "as_of_derived": ("latest date in the inputs", "输入数据中的最晚日期"),
    "no_configuration": (
        "built-in defaults (no --config given)", "内置默认值（未指定配置文件）",
    ),
    "disabled": ("disabled in the configuration", "已在配置中停用"),
    "no_values_in": ("no values in ", "以下列没有值："),
    "span": ("{first} to {last}", "{first} 至 {last}"),
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
    "Reconciliation": ("Reconciliation", "退款对账"),
}

# Captions the templates hold in plain cells, outside any table.
TEXTS_ZH = {
    # Captions of the refund check's control blocks.
    "Against compensation on complaints": "与投诉赔偿对比",
    "Against the orders export": "与订单导出对比",
    "All checks": "全部核对",
    "Amount with no date": "无日期金额",
    "By method": "按退款方式",
    "By month": "按月份",
    "By reason": "按退款原因",
    "By the tool": "工具计算",
    "Checks on this sheet": "本表核对",
    "Compared with": "对比对象",
    "From the table": "表格公式",
    "Keys that differ from the listing": "与明细不一致的分组",
    "Measure": "指标",
    "Refund exceptions from the register": "异常登记表中的退款异常",
    "Refunds listing": "退款明细",
    "Refunds of the period": "本期退款",
    "Refunds reconciled between exports": "各导出之间的退款对账",
    "Refunds with no date": "无日期退款",
    "Rows shown by the filter": "筛选后显示的行",
    "Rule": "规则",
    "Source of the refunds": "退款数据来源",
    "Sum of the table": "表格合计",
    "Table": "表格",
    "Tolerance": "容差",
    "all comparisons": "全部对比",
    "all refund rules": "全部退款规则",
    "all refunds": "全部退款",
    "complaint compensation": "投诉赔偿",
    "orders export": "订单导出",
    "paid refunds": "已支付退款",
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
    "source": "数据来源",
    "party_from": "责任方依据",
    "compared_with": "对比对象",
    "refunds_amount": "退款导出金额",
    "other_amount": "对比金额",
    "difference": "差额",
    "refund_ids": "退款编号列表",
    "complaint_ids": "投诉编号列表",
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
        "rule_status": RULE_STATUSES,
        "run": RUN_TEXTS,
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


def translate_rule_note(note: str | None, lang: str) -> str | None:
    """Translate a rule's note in the run record, keeping the column names it lists."""
    if not note or lang == "en":
        return note
    if note == RUN_TEXTS["disabled"][0]:
        return label("run.disabled", lang)
    prefix = RUN_TEXTS["no_values_in"][0]
    if note.startswith(prefix):
        columns = note.removeprefix(prefix).split(", ")
        return label("run.no_values_in", lang) + "、".join(columns)
    return note


def span_label(first: dt.date, last: dt.date, lang: str) -> str:
    """Return the label of the period from ``first`` to ``last``, both included."""
    template = label("run.span", lang)
    return template.format(first=first.isoformat(), last=last.isoformat())


def as_of_label(as_of: dt.date, derived: bool, lang: str) -> str:
    """Return the as-of date for the run record, saying so when the tool chose it."""
    if not derived:
        return as_of.isoformat()
    reason = label("run.as_of_derived", lang)
    if lang == "en":
        return f"{as_of.isoformat()} ({reason})"
    return f"{as_of.isoformat()}（{reason}）"


# Codes that the refund check's COUNTIFS and SUMIFS formulas match against
# the data, so they stay as they are in every language.
CRITERIA_CODES = (
    "cancelled_not_refunded", "refund_duplicate", "refund_exceeds_paid",
    "refund_late", "refund_unpaid_order", "refund_without_cause",
    "matched", "differing", "refunds_only", "orders_only", "complaints_only",
)


def header_labels(lang: str) -> dict[str, str]:
    """Map the templates' English texts to their text in ``lang``.

    The map covers table header texts, sheet titles and captions, so a
    workbook can translate each cell or sheet title found among its keys.
    English texts map to themselves, because they are the templates' own.
    """
    _language_index(lang)
    chinese = HEADERS_ZH | TEXTS_ZH | {
        sheet: texts[1] for sheet, texts in SHEETS.items()
    } | {code: code for code in CRITERIA_CODES}
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
    "RuleVersions": {"status": "rule_status", "note": "rule_note"},
}

# Columns whose Chinese text is looked up by the code in another column of the
# same row: the code column and the table of texts. A code without a text, and
# every row in English, keeps the text that the rule file or validation wrote.
KEYED_COLUMNS = {
    "Register": {"rule_title": ("rule_id", RULE_TITLES_ZH)},
    "RegisterSummary": {"rule_title": ("rule_id", RULE_TITLES_ZH)},
    "RefundExceptions": {"rule_title": ("rule_id", RULE_TITLES_ZH)},
    "ByRule": {"rule_title": ("rule_id", RULE_TITLES_ZH)},
    "ByRuleAmount": {"rule_title": ("rule_id", RULE_TITLES_ZH)},
    "RejectedRows": {"reason": ("reason_code", REJECTION_REASONS_ZH)},
}


def _value_text(prefix: str, value: str | None, lang: str) -> str | None:
    if prefix == "note":
        return translate_note(value, lang)
    if prefix == "rule_note":
        return translate_rule_note(value, lang)
    return value_label(prefix, value, lang)


def _replace_column(table: pa.Table, column: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.column_names.index(column), column, values)


def _localize_keyed(name: str, table: pa.Table, lang: str) -> pa.Table:
    if lang == "en":
        return table
    for column, (code_column, texts) in KEYED_COLUMNS.get(name, {}).items():
        codes = table.column(code_column)
        distinct = pc.unique(codes)
        found = pa.array(
            [texts.get(code) for code in distinct.to_pylist()], type=pa.string()
        )
        looked_up = pc.take(found, pc.index_in(codes, value_set=distinct))
        own = table.column(column).cast(pa.string())
        table = _replace_column(table, column, pc.coalesce(looked_up, own))
    return table


# Register columns whose codes are shown as labels in a translated register.
# Severity keeps its code because the template's conditional formatting
# compares the cell with "urgent" and "important".
REGISTER_VALUE_COLUMNS = {
    "Register": {"category": "category", "responsible_party": "party"},
    "RegisterSummary": {"category": "category"},
}


def localize_register(name: str, table: pa.Table, lang: str) -> pa.Table:
    """Show a translated register's categories, parties and rule titles as labels.

    English registers keep the codes, which filters and formulas match on.
    """
    if lang == "en":
        return table
    for column, prefix in REGISTER_VALUE_COLUMNS.get(name, {}).items():
        codes = table.column(column)
        distinct = pc.unique(codes)
        texts = pa.array(
            [_value_text(prefix, code, lang) for code in distinct.to_pylist()],
            type=pa.string(),
        )
        table = _replace_column(
            table, column, pc.take(texts, pc.index_in(codes, value_set=distinct)))
    return _localize_keyed(name, table, lang)


def localize_report(name: str, table: pa.Table, lang: str) -> pa.Table:
    """Replace the codes in table ``name`` with their labels in ``lang``.

    The report tables keep codes (``on_time_shipping_rate``, ``fulfilment``) for
    charts and formulas; this gives the text a reader sees in a workbook. The
    run record's RuleVersions and the RejectedRows tables are localized the
    same way. Each distinct value is looked up once, so large tables stay fast.
    """
    for column, prefix in VALUE_COLUMNS.get(name, {}).items():
        codes = table.column(column)
        distinct = pc.unique(codes)
        texts = pa.array(
            [_value_text(prefix, code, lang) for code in distinct.to_pylist()],
            type=pa.string(),
        )
        localized = pc.take(texts, pc.index_in(codes, value_set=distinct))
        table = _replace_column(table, column, localized)
    return _localize_keyed(name, table, lang)

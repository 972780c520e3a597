"""`order-audit init`: write a commented configuration, optionally with a profile
drafted from an export's header row."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import duckdb

from audit.config import DEFAULT_CONFIG_PATH
from audit.errors import UsageError
from audit.loader import load_file
from audit.rules import load_rules
from audit.schema import CANONICAL

# Header names seen in exports, English and Chinese, for each canonical column.
SYNONYMS: dict[str, list[str]] = {
    "order_id": ["order id", "order no", "order number", "订单号", "订单编号", "订单id"],
    "customer_id": ["customer", "buyer id", "客户id", "客户编号", "买家id", "买家", "会员id"],
    "created_at": ["order time", "created", "下单时间", "创建时间", "投诉时间", "订单创建时间"],
    "paid_at": ["payment time", "paid", "支付时间", "付款时间"],
    "order_status": ["status", "订单状态"],
    "order_amount": ["amount", "order total", "订单金额", "应付金额", "商品总额"],
    "paid_amount": ["paid", "amount paid", "实付金额", "支付金额", "实收金额"],
    "currency": ["币种", "货币"],
    "promised_ship_by": ["ship by", "承诺发货时间", "最晚发货时间"],
    "promised_delivery_by": ["promised delivery", "承诺送达时间", "预计送达时间"],
    "shipped_at": ["ship time", "发货时间"],
    "delivered_at": ["delivery time", "签收时间", "送达时间"],
    "cancel_requested_at": ["申请取消时间"],
    "cancelled_at": ["cancel time", "取消时间"],
    "carrier": ["courier", "logistics company", "快递公司", "承运商", "物流公司"],
    "tracking_no": ["tracking number", "waybill", "运单号", "快递单号", "物流单号"],
    "seller_id": ["seller", "shop id", "商家id", "店铺id", "卖家id"],
    "warehouse_id": ["warehouse", "仓库", "仓库编号"],
    "ship_region": ["region", "province", "收货省份", "省份", "地区"],
    "ship_address_key": ["address", "收货地址", "地址"],
    "is_key_order": ["key order", "重点订单", "加急"],
    "line_no": ["line", "行号"],
    "sku": ["product id", "商品编码", "sku编码", "货号"],
    "quantity": ["qty", "数量"],
    "unit_price": ["price", "单价"],
    "ship_by": ["最晚发货时间"],
    "event_at": ["event time", "scan time", "扫描时间", "事件时间", "操作时间"],
    "event_code": ["event", "scan type", "事件", "物流状态", "操作"],
    "location": ["网点", "地点", "位置"],
    "detail": ["description", "描述", "详情"],
    "complaint_id": ["ticket id", "投诉单号", "工单号"],
    "channel": ["渠道", "来源"],
    "category": ["type", "投诉类型", "类别", "问题类型"],
    "first_response_at": ["first response", "首次响应时间", "首次回复时间"],
    "resolved_at": ["resolved", "解决时间", "处理完成时间", "结案时间"],
    "status": ["状态", "处理状态"],
    "compensation_amount": ["compensation", "赔偿金额", "补偿金额"],
    "satisfaction_score": ["score", "rating", "满意度", "评分"],
    "text": ["content", "内容", "投诉内容"],
    "refund_id": ["refund no", "退款单号", "退款编号"],
    "requested_at": ["申请时间", "退款申请时间"],
    "approved_at": ["审核时间", "批准时间"],
    "refunded_at": ["退款时间", "到账时间"],
    "amount": ["refund amount", "退款金额"],
    "reason": ["退款原因", "原因"],
    "method": ["退款方式", "方式"],
}


def write_config(target: Path, from_file: Path | None, force: bool) -> None:
    if target.exists() and not force:
        raise UsageError(f"{target} already exists",
                         fix="Choose another --path, or add --force to overwrite it.")
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    text += "\n" + rule_settings_text()
    if from_file is not None:
        text += "\n" + draft_profile(from_file)
    target.write_text(text, encoding="utf-8")


def rule_settings_text() -> str:
    """Every rule's settings with their defaults, commented out."""
    lines = ["# Each rule's defaults, as its header states them. Uncomment to change."]
    for rule in load_rules():
        lines += ["", f"# {rule.title}.", f"# [rules.{rule.id}]", "# enabled = true",
                  f'# severity = "{rule.severity}"', f'# time_limit = "{rule.time_limit}"']
        for name, value in rule.params.items():
            shown = f'"{value}"' if isinstance(value, str) else value
            lines.append(f"# {name} = {shown}    # {rule.param_help.get(name, '')}")
    return "\n".join(lines) + "\n"


def _normalise(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().casefold())


def guess_column(header: str, candidates: list[str]) -> str | None:
    """Return the canonical column a header most likely holds, or None."""
    folded = _normalise(header)
    for column in candidates:
        if folded == _normalise(column) or folded in SYNONYMS.get(column, []):
            return column
    names = {_normalise(c): c for c in candidates}
    close = difflib.get_close_matches(folded, list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else None


def draft_profile(path: Path) -> str:
    """Draft a [profiles.NAME] section mapping the export's headers."""
    con = duckdb.connect()
    loaded = load_file(con, "draft", path)
    best_table, best_mapping = None, {}
    for table, columns in CANONICAL.items():
        names = [column.name for column in columns]
        mapping = {}
        for header in loaded.columns:
            column = guess_column(header, names)
            if column and column not in mapping:
                mapping[column] = header
        if len(mapping) > len(best_mapping):
            best_table, best_mapping = table, mapping
    if best_table is None:
        raise UsageError(f"{path}: no header matches a canonical column",
                         fix="Write the profile by hand; see the [profiles] example.")
    return _profile_text(path, loaded, best_table, best_mapping)


def _profile_text(path, loaded, table, mapping) -> str:
    name = re.sub(r"\W+", "_", path.stem.casefold()).strip("_") or "export"
    lines = [
        f"# Drafted from the header of {path.name}; check every line.",
        f'# Run with: order-audit run --config THIS_FILE --profile {name} FOLDER',
        f"[profiles.{name}.inputs.{table}]",
        f'feeds = "{table}"',
        f'files = ["{path.name}"]',
        f'encoding = "{loaded.encoding or "auto"}"',
        "",
        f"[profiles.{name}.inputs.{table}.columns]",
        "# canonical column = header in the export",
    ]
    for column in CANONICAL[table]:
        if column.name in mapping:
            lines.append(f'{column.name} = "{mapping[column.name]}"')
        else:
            required = " (required)" if column.required else ""
            lines.append(f'# {column.name} = ""{required}')
    unused = [h for h in loaded.columns if h not in mapping.values()]
    if unused:
        lines.append("# Headers not mapped: " + ", ".join(unused))
    return "\n".join(lines) + "\n"

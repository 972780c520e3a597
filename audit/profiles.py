"""Profiles: how one kind of export maps onto the canonical tables.

A profile is TOML. Each ``[inputs.NAME]`` names an export file, its column
types and renames; an input with ``feeds = "orders"`` is typed by the
canonical schema and becomes that canonical table directly. ``[views]``
builds canonical tables from several inputs with SQL, as the Olist export
needs. Built-in profiles live in ``queries/profiles``; users write more
under ``[profiles.NAME]`` in their configuration, with no code.

How an input's text is read can be set per input, or once for the whole
profile: ``encoding``, ``decimal_mark``, ``date_order`` and ``date_formats``
(strptime formats such as ``"%d.%m.%Y %H:%M"``). Status and event values
are mapped under ``[inputs.NAME.values.COLUMN]`` (``"已取消" = "cancelled"``).
"""

from __future__ import annotations

import codecs
import difflib
import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import AuditError, ConfigError, UsageError
from audit.resources import builtin_dir
from audit.schema import CANONICAL, SQL_TYPES, ColumnSpec

# Settings of how text is read, allowed on a profile and on each input.
READING_KEYS = ("encoding", "decimal_mark", "date_order", "date_formats")
INPUT_KEYS = (
    "feeds", "option", "required", "files", "columns", "values", "types",
    "required_columns", "unique_columns", *READING_KEYS,
)
PROFILE_KEYS = ("description", "inputs", "views", *READING_KEYS)

# Header names seen in exports, English and Chinese, for each canonical column.
HEADER_SYNONYMS: dict[str, list[str]] = {
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


@dataclass
class InputSpec:
    name: str
    files: list[str]
    columns: tuple[ColumnSpec, ...]
    feeds: str | None = None
    option: str | None = None
    required: bool = False
    renames: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    encoding: str | None = None
    decimal_mark: str | None = None
    date_order: str | None = None
    date_formats: list[str] = field(default_factory=list)


@dataclass
class Profile:
    name: str
    description: str
    inputs: dict[str, InputSpec]
    views: dict[str, str]

    def input_for_option(self, option: str) -> InputSpec | None:
        for spec in self.inputs.values():
            if spec.option == option:
                return spec
        return None


def normalise_header(name: str) -> str:
    """Fold a header name for comparison: width, case, and spaces, "_" and "-" alike."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[\s_\-]+", " ", folded).strip()


def builtin_profiles() -> dict[str, Path]:
    folder = builtin_dir("queries") / "profiles"
    return {path.stem: path for path in sorted(folder.glob("*.toml"))}


def load_profile(name: str, user_profiles: dict[str, dict]) -> Profile:
    """Return the profile called ``name``, a user's own before a built-in one."""
    if name in user_profiles:
        return _build(name, user_profiles[name], base=None)
    known = builtin_profiles()
    if name not in known:
        choices = sorted(set(known) | set(user_profiles))
        raise UsageError(
            f"unknown profile {name!r}",
            fix=f"Use one of: {', '.join(choices)}, or define [profiles.{name}] "
            "in the configuration.",
        )
    with known[name].open("rb") as handle:
        data = tomllib.load(handle)
    return _build(name, data, base=known[name].with_suffix(""))


def _build(name: str, data: dict, base: Path | None) -> Profile:
    if not isinstance(data, dict):
        raise ConfigError(f"profile {name!r} must be a table ([profiles.{name}])")
    _check_keys(f"profile {name!r}", data, PROFILE_KEYS)
    defaults = {key: data[key] for key in READING_KEYS if key in data}
    inputs = {
        input_name: _input_spec(name, input_name, {**defaults, **_table(name, spec)})
        for input_name, spec in data.get("inputs", {}).items()
    }
    if not inputs:
        raise ConfigError(f"profile {name!r} defines no [inputs]")
    views: dict[str, str] = {}
    for table, sql in data.get("views", {}).items():
        if table not in CANONICAL:
            raise ConfigError(
                f"profile {name!r} has a view for unknown table {table!r}; "
                f"canonical tables are {', '.join(CANONICAL)}"
            )
        if sql.strip().endswith(".sql") and base is not None:
            sql = (base / sql).read_text(encoding="utf-8")
        views[table] = sql
    return Profile(name, str(data.get("description", "")), inputs, views)


def _table(profile: str, spec) -> dict:
    if not isinstance(spec, dict):
        raise ConfigError(
            f"profile {profile!r}: each input must be a table, got {spec!r}"
        )
    return spec


def _check_keys(where: str, data: dict, allowed: tuple[str, ...]) -> None:
    """Raise for a key the profile format does not know, naming the closest one."""
    for key in data:
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"{where}: unknown setting {key!r}{hint}",
            fix=f"Use only: {', '.join(allowed)}.",
        )


def _input_spec(profile: str, name: str, spec: dict) -> InputSpec:
    where = f"profile {profile!r}, input {name!r}"
    _check_keys(where, spec, INPUT_KEYS)
    feeds = spec.get("feeds")
    if feeds is not None:
        if feeds not in CANONICAL:
            raise ConfigError(f"{where}: feeds unknown table {feeds!r}")
        columns = CANONICAL[feeds]
    else:
        columns = _declared_columns(where, spec)
    files = spec.get("files", [])
    if isinstance(files, str):
        files = [files]
    return InputSpec(
        name=name,
        files=list(files),
        columns=columns,
        feeds=feeds,
        option=spec.get("option", feeds),
        required=bool(spec.get("required", False)),
        renames={column: str(header).strip()
                 for column, header in spec.get("columns", {}).items()},
        values={column: dict(mapping)
                for column, mapping in spec.get("values", {}).items()},
        **_reading_settings(where, spec),
    )


def _reading_settings(where: str, spec: dict) -> dict:
    """Check and return the encoding, decimal mark, date order and date formats."""
    decimal_mark = spec.get("decimal_mark")
    if decimal_mark not in (None, ".", ","):
        raise ConfigError(
            f"{where}: decimal_mark must be '.' or ',', got {decimal_mark!r}"
        )
    date_order = spec.get("date_order")
    if date_order is not None and str(date_order).upper() not in ("DMY", "MDY"):
        raise ConfigError(
            f'{where}: date_order must be "DMY" or "MDY", got {date_order!r}'
        )
    return {
        "encoding": _checked_encoding(where, spec.get("encoding")),
        "decimal_mark": decimal_mark,
        "date_order": str(date_order).upper() if date_order else None,
        "date_formats": _checked_date_formats(where, spec.get("date_formats", [])),
    }


def _checked_encoding(where: str, encoding) -> str | None:
    """Return the configured encoding, or None for "auto" and no setting."""
    if encoding in (None, "auto"):
        return None
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise ConfigError(
            f"{where}: unknown encoding {encoding!r}",
            fix='Use a name such as "utf-8", "gbk", "gb18030", "cp1252" or "auto".',
        ) from None
    return encoding


def _checked_date_formats(where: str, formats) -> list[str]:
    if isinstance(formats, str):
        formats = [formats]
    for date_format in formats:
        if not isinstance(date_format, str) or "%" not in date_format:
            raise ConfigError(
                f"{where}: date_formats contains {date_format!r}, which is not a "
                'strptime format such as "%d.%m.%Y %H:%M"'
            )
    return list(formats)


def _declared_columns(where: str, spec: dict) -> tuple[ColumnSpec, ...]:
    types = spec.get("types", {})
    if not types:
        raise ConfigError(f"{where}: needs either feeds = TABLE or a [types] table")
    required = set(spec.get("required_columns", []))
    unique = set(spec.get("unique_columns", []))
    columns = []
    for column, kind in types.items():
        if kind not in SQL_TYPES:
            raise ConfigError(
                f"{where}: column {column!r} has unknown type {kind!r}; "
                f"use one of {', '.join(SQL_TYPES)}"
            )
        columns.append(ColumnSpec(column, kind, column in required, column in unique))
    return tuple(columns)


def suggest_profile(source: Path | Mapping[str, Sequence[str]] | Sequence[str],
                    user_profiles: dict[str, dict] | None = None,
                    exclude: str | None = None) -> str | None:
    """Return the name of the profile whose inputs best fit some exports, or None.

    ``source`` is a folder of exports, a mapping of file names to their
    header names, or one list of header names. A profile scores a point for
    each input whose file name is present, plus the share of the input's
    expected columns found in one file's header. The best profile other than
    ``exclude`` is returned only if it scores higher than ``exclude``.
    """
    headers = _headers_of(source)
    if not headers:
        return None
    user_profiles = user_profiles or {}
    scores = {}
    for name in sorted(set(builtin_profiles()) | set(user_profiles)):
        try:
            scores[name] = _fit(load_profile(name, user_profiles), headers)
        except AuditError:
            continue
    others = {name: score for name, score in scores.items() if name != exclude}
    if not others:
        return None
    best = max(sorted(others), key=others.get)
    if others[best] < 0.5 or others[best] <= scores.get(exclude, 0.0):
        return None
    return best


def profile_hint(source, user_profiles: dict[str, dict], current: str) -> str | None:
    """Return a sentence naming a better-fitting profile than ``current``, if any."""
    best = suggest_profile(source, user_profiles, exclude=current)
    if best is None:
        return None
    return (
        f"These files look like the {best!r} profile, not {current!r}: "
        f"run with --profile {best}."
    )


def _headers_of(source) -> dict[str, list[str]]:
    if isinstance(source, Path):
        return _folder_headers(source) if source.is_dir() else {}
    if isinstance(source, Mapping):
        return {str(name): list(names) for name, names in source.items()}
    return {"": list(source)}


def _folder_headers(folder: Path) -> dict[str, list[str]]:
    """Map each export in ``folder`` to its header names (none for workbooks)."""
    from audit.csv_input import read_header

    found = {}
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if not path.is_file() or suffix not in (".csv", ".tsv", ".txt", ".xlsx",
                                                ".xlsm", ".parquet", ".pq"):
            continue
        found[path.name] = read_header(path)
    return found


def _fit(profile: Profile, headers: dict[str, list[str]]) -> float:
    names = {name.casefold() for name in headers}
    header_sets = [{normalise_header(h) for h in values} for values in headers.values()]
    score = 0.0
    for spec in profile.inputs.values():
        if any(file.casefold() in names for file in spec.files):
            score += 1.0
        expected = {
            normalise_header(spec.renames.get(column.name, column.name))
            for column in spec.columns
        }
        score += max((len(expected & found) / len(expected) for found in header_sets),
                     default=0.0)
    return score

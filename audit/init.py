"""`order-audit init`: write a commented configuration, optionally with a profile
drafted from an export's header row."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import duckdb

from audit.config import DEFAULT_CONFIG_PATH
from audit.errors import AuditError, UsageError
from audit.loader import load_file
from audit.profiles import HEADER_SYNONYMS, builtin_profiles, normalise_header
from audit.rules import load_rules
from audit.schema import CANONICAL, MONEY, TIMESTAMP
from audit.validate import decide_date_order, quote

# Canonical values for statuses and event codes seen in Chinese exports; the
# order statuses are those that the rules and views compare against.
DRAFT_VALUES: dict[str, dict[str, str]] = {
    "order_status": {
        "待付款": "pending", "待支付": "pending", "未付款": "pending",
        "已付款": "paid", "已支付": "paid", "待发货": "paid",
        "已发货": "shipped", "运输中": "shipped", "配送中": "shipped",
        "待收货": "shipped",
        "已签收": "delivered", "已送达": "delivered", "已完成": "delivered",
        "交易成功": "delivered",
        "已取消": "cancelled", "取消": "cancelled", "交易关闭": "cancelled",
        "已关闭": "cancelled", "canceled": "cancelled",
        "缺货": "unavailable", "无货": "unavailable",
    },
    "event_code": {
        "揽收": "picked_up", "已揽收": "picked_up", "揽件": "picked_up",
        "运输中": "in_transit", "在途": "in_transit", "派送中": "out_for_delivery",
        "派件中": "out_for_delivery", "派送失败": "delivery_failed",
        "投递失败": "delivery_failed", "异常": "exception", "问题件": "exception",
        "破损": "damaged", "丢失": "lost", "遗失": "lost", "退回": "returned",
        "已退回": "returned", "签收": "delivered", "已签收": "delivered",
    },
}


def write_config(target: Path, from_file: Path | None, force: bool) -> None:
    if target.exists() and not force:
        raise UsageError(f"{target} already exists",
                         fix="Choose another --path, or add --force to overwrite it.")
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    draft = _draft(from_file) if from_file is not None else None
    if draft is not None:
        # The drafted profile becomes the default, so `run --config` alone uses it.
        chosen = f"profile = {toml_string(draft.name)}"
        text = text.replace('profile = "canonical"', chosen, 1)
    text += "\n" + rule_settings_text()
    if draft is not None:
        text += "\n" + draft.text()
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


def guess_column(header: str, candidates: list[str]) -> str | None:
    """Return the canonical column that a header most likely contains, or None."""
    folded = normalise_header(header)
    for column in candidates:
        synonyms = {normalise_header(name) for name in HEADER_SYNONYMS.get(column, [])}
        if folded == normalise_header(column) or folded in synonyms:
            return column
    names = {normalise_header(c): c for c in candidates}
    close = difflib.get_close_matches(folded, list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else None


def draft_profile(path: Path) -> str:
    """Draft a [profiles.NAME] section that maps the export onto a canonical table.

    Besides the header names, the draft states the encoding found, a decimal
    comma when the amounts use one, the date order of columns whose values
    do not show it, and canonical values for the statuses or event codes it
    recognises.
    """
    return _draft(path).text()


def _draft(path: Path) -> _Draft:
    con = duckdb.connect()
    loaded = load_file(con, "draft", path)
    table, mapping = _best_table(loaded.columns)
    if table is None:
        raise UsageError(f"{path}: no header matches a canonical column",
                         fix="Write the profile by hand; see the [profiles] example.")
    return _Draft(con, path, loaded, table, mapping)


def _best_table(headers: list[str]) -> tuple[str | None, dict[str, str]]:
    """Return the canonical table with the most headers recognised, and the mapping."""
    best_table, best_mapping = None, {}
    for table, columns in CANONICAL.items():
        names = [column.name for column in columns]
        mapping: dict[str, str] = {}
        for header in headers:
            column = guess_column(header, names)
            if column and column not in mapping:
                mapping[column] = header
        if len(mapping) > len(best_mapping):
            best_table, best_mapping = table, mapping
    return best_table, best_mapping


def profile_name_for(path: Path, table: str) -> str:
    """Return a TOML bare key for the drafted profile, from the file name's letters.

    Only ASCII letters and digits are kept, so a name such as 订单导出.csv
    gives "<table>_export".
    """
    name = re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")
    if not name or name in builtin_profiles():
        name = f"{name or table}_export"
    return name


def toml_string(text: str) -> str:
    # A JSON string is a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)


class _Draft:
    """The lines of one drafted profile."""

    def __init__(self, con, path: Path, loaded, table: str, mapping: dict[str, str]):
        self.con = con
        self.path = path
        self.loaded = loaded
        self.table = table
        self.mapping = mapping
        self.name = profile_name_for(path, table)
        self.prefix = f"profiles.{self.name}.inputs.{table}"

    def text(self) -> str:
        lines = [
            f"# Drafted from {self.path.name}; check every line.",
            (f"# Run with: order-audit run --config THIS_FILE "
             f"--profile {self.name} FOLDER"),
            f"[{self.prefix}]",
            f'feeds = "{self.table}"',
        ]
        if self.table == "orders":
            lines.append("required = true")
        lines += [
            f"files = [{toml_string(self.path.name)}]",
            f"encoding = {toml_string(self.loaded.encoding or 'auto')}",
        ]
        lines += self._reading_lines(self.con)
        lines += ["", *self._column_lines()]
        for column in ("order_status", "event_code"):
            if column in self.mapping:
                lines += self._value_lines(self.con, column)
        return "\n".join(lines) + "\n"

    def _column_lines(self) -> list[str]:
        lines = [f"[{self.prefix}.columns]",
                 "# canonical column = header in the export"]
        for column in CANONICAL[self.table]:
            header = self.mapping.get(column.name)
            if header is not None:
                lines.append(f"{column.name} = {toml_string(header)}")
            else:
                required = " (required)" if column.required else ""
                lines.append(f'# {column.name} = ""{required}')
        unused = [h for h in self.loaded.columns if h not in self.mapping.values()]
        if unused:
            lines.append("# Headers not mapped: " + ", ".join(unused))
        return lines

    def _reading_lines(self, con) -> list[str]:
        types = {column.name: column.type for column in CANONICAL[self.table]}
        money = [h for c, h in self.mapping.items() if types[c] == MONEY]
        lines = []
        if money and _uses_decimal_comma(con, self.loaded.table, money):
            lines.append('decimal_mark = ","')
        dates = [header for column, header in self.mapping.items()
                 if types[column] == TIMESTAMP]
        unclear = [header for header in dates
                   if not _date_order_known(con, self.loaded, header)]
        if unclear:
            lines.append(
                f'# date_order = "DMY"    # the dates in {unclear[0]} do not show '
                'whether the day or the month comes first: set "DMY" or "MDY"'
            )
        return lines

    def _value_lines(self, con, column: str) -> list[str]:
        header = self.mapping[column]
        known = DRAFT_VALUES[column]
        values = [row[0] for row in con.execute(
            f"SELECT DISTINCT trim({quote(header)}) AS v "
            f"FROM {quote(self.loaded.table)} WHERE v <> '' ORDER BY v LIMIT 50"
        ).fetchall()]
        lines = []
        for value in values:
            canonical = known.get(value) or known.get(value.lower())
            if canonical and canonical != value:
                lines.append(f"{toml_string(value)} = {toml_string(canonical)}")
            elif not canonical and value.lower() not in known.values():
                lines.append(
                    f'# {toml_string(value)} = ""    # no canonical value known'
                )
        if not lines:
            return []
        return ["", f"[{self.prefix}.values.{column}]",
                "# value in the export = canonical value", *lines]


def _uses_decimal_comma(con, table: str, headers: list[str]) -> bool:
    """Check whether more sampled amounts end in a comma and cents than a point."""
    counts = [0, 0]
    for header in headers:
        comma, point = con.execute(
            f"SELECT count(*) FILTER (WHERE regexp_matches(v, ',\\d{{1,2}}\\D*$')), "
            f"count(*) FILTER (WHERE regexp_matches(v, '\\.\\d{{1,2}}\\D*$')) "
            f"FROM (SELECT {quote(header)} AS v FROM {quote(table)} LIMIT 10000)"
        ).fetchone()
        counts[0] += comma
        counts[1] += point
    return counts[0] > counts[1]


def _date_order_known(con, loaded, header: str) -> bool:
    try:
        decide_date_order(con, loaded, header, None)
    except AuditError:
        return False
    return True

"""Rules: one SQL file each, with a header the code parses.

A header is a run of ``-- key: value`` comment lines at the top of the file;
a line starting ``--`` followed by two or more spaces continues the previous
field. Parameters are declared as ``-- param NAME: DEFAULT  description`` and
referenced in the SQL as ``$NAME``; the configuration's ``[rules.ID]`` table
overrides their defaults, so thresholds are never literals in the SQL.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from audit.errors import ConfigError, RuleError
from audit.resources import builtin_dir

STAGES = [
    "creation", "payment", "inventory", "fulfilment", "cancellation",
    "refund", "after_sales", "complaints", "fraud",
]
SEVERITIES = ["general", "important", "urgent"]
PARTIES = [
    "carrier", "seller", "warehouse", "supplier", "payment_provider",
    "customer_service", "customer", "finance", "platform",
]
REQUIRED_FIELDS = [
    "id", "title", "category", "severity", "responsible", "time_limit",
    "action", "needs", "description",
]
# Columns a rule's SELECT must return, and the optional keys it may return.
EVIDENCE_COLUMNS = ["order_id", "detected_at", "amount_at_risk", "evidence"]
KEY_COLUMNS = [
    "carrier", "seller_id", "complaint_id", "refund_id", "customer_id",
    "sku", "tracking_no", "region", "responsible_override",
]
TIME_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|d|bd)\s*$")
PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
GLOBAL_PARAMETERS = {"as_of", "period_start", "period_end"}


@dataclass
class Rule:
    id: str
    title: str
    category: str
    severity: str
    responsible: str
    time_limit: str
    action: str
    needs: list[str]
    description: str
    sql: str
    path: Path
    exception_class: str = ""
    version: str = "1"
    params: dict[str, object] = field(default_factory=dict)
    param_help: dict[str, str] = field(default_factory=dict)

    @property
    def referenced_parameters(self) -> set[str]:
        return set(PARAMETER.findall(_strip_comments(self.sql)))


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def parse_time_limit(text: str, where: str) -> tuple[float, str]:
    """Split a time limit like '48h', '3d' or '2bd' into (amount, unit)."""
    match = TIME_LIMIT.match(str(text))
    if not match:
        raise RuleError(
            f"{where}: time limit {text!r} is not hours ('48h'), days ('3d') "
            "or business days ('2bd')"
        )
    return float(match.group(1)), match.group(2)


def _parse_value(text: str):
    """Read a parameter default as TOML would, falling back to plain text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_rule(path: Path) -> Rule:
    """Read one rule file; raise RuleError naming every problem in its header."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: dict[str, object] = {}
    param_help: dict[str, str] = {}
    last: str | None = None
    body_start = 0
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if not line.startswith("--"):
            body_start = number
            break
        content = line[2:]
        if content.startswith("  ") and last is not None and content.strip():
            fields[last] = (fields[last] + " " + content.strip()).strip()
            continue
        key, sep, value = content.strip().partition(":")
        if not sep:
            continue
        key = key.strip()
        if key.startswith("param "):
            name = key.split(None, 1)[1]
            default, _, help_text = value.strip().partition("  ")
            params[name] = _parse_value(default.strip())
            param_help[name] = help_text.strip()
            last = None
            continue
        fields[key] = value.strip()
        last = key
    else:
        body_start = len(lines)
    sql = "\n".join(lines[body_start:]).strip().rstrip(";")
    return _make_rule(path, fields, params, param_help, sql)


def _make_rule(path, fields, params, param_help, sql) -> Rule:
    problems = [f"missing header field {name!r}" for name in REQUIRED_FIELDS
                if not fields.get(name)]
    if fields.get("category") and fields["category"] not in STAGES:
        problems.append(f"category {fields['category']!r} is not one of {STAGES}")
    if fields.get("severity") and fields["severity"] not in SEVERITIES:
        problems.append(f"severity {fields['severity']!r} is not one of {SEVERITIES}")
    if fields.get("responsible") and fields["responsible"] not in PARTIES:
        problems.append(f"responsible {fields['responsible']!r} is not one of {PARTIES}")
    if fields.get("id") and fields["id"] != path.stem:
        problems.append(f"id {fields['id']!r} differs from the file name {path.stem!r}")
    if not sql:
        problems.append("no SELECT after the header")
    if problems:
        raise RuleError(f"rule file {path}: " + "; ".join(problems))
    parse_time_limit(fields["time_limit"], f"rule file {path}")
    rule = Rule(
        id=fields["id"], title=fields["title"], category=fields["category"],
        severity=fields["severity"], responsible=fields["responsible"],
        time_limit=fields["time_limit"], action=fields["action"],
        needs=[need.strip() for need in fields["needs"].split(",") if need.strip()],
        description=fields["description"], sql=sql, path=path,
        exception_class=fields.get("class", ""), version=fields.get("version", "1"),
        params=params, param_help=param_help,
    )
    unknown = rule.referenced_parameters - set(params) - GLOBAL_PARAMETERS
    if unknown:
        raise RuleError(
            f"rule file {path}: the SQL uses ${', $'.join(sorted(unknown))} "
            "but the header declares no such parameter",
            fix="Add a line '-- param NAME: DEFAULT  description' to the header.",
        )
    return rule


def load_rules(extra_dirs: list[Path] | None = None) -> list[Rule]:
    """Read the built-in rules, then the user's; a user rule may replace a built-in one."""
    folders = [builtin_dir("queries") / "rules", *(extra_dirs or [])]
    rules: dict[str, Rule] = {}
    problems: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            raise RuleError(f"rules folder not found: {folder}")
        for path in sorted(folder.glob("*.sql")):
            try:
                rule = parse_rule(path)
            except RuleError as exc:
                problems.append(exc.message)
                continue
            rules[rule.id] = rule
    if problems:
        raise RuleError("\n".join(problems), fix="Fix the rule headers listed above.")
    return sorted(rules.values(), key=lambda rule: (STAGES.index(rule.category), rule.id))


RULE_SETTINGS = {"enabled", "severity", "time_limit"}


def check_rule_settings(rules: list[Rule], settings: dict[str, dict]) -> None:
    """Reject configured rules and parameters that do not exist, all at once.

    A misspelt threshold would otherwise be ignored and the rule would run
    with its default, which is exactly the silent change a user cannot see.
    """
    known = {rule.id: rule for rule in rules}
    problems = []
    for rule_id, values in settings.items():
        rule = known.get(rule_id)
        if rule is None:
            close = difflib.get_close_matches(rule_id, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"[rules.{rule_id}] names no rule{hint}")
            continue
        allowed = RULE_SETTINGS | set(rule.params)
        for name in sorted(set(values) - allowed):
            problems.append(
                f"rules.{rule_id}.{name} is not a setting of this rule; "
                f"it has {', '.join(sorted(allowed))}")
    if problems:
        raise ConfigError("\n".join(problems),
                          fix="Run `order-audit rules ID` to see a rule's parameters.")


def bind_parameters(rule: Rule, settings: dict, global_values: dict) -> dict:
    """Return the values for the parameters the rule's SQL references."""
    values = {**rule.params, **{k: v for k, v in settings.items() if k in rule.params}}
    values.update(global_values)
    return {name: values[name] for name in rule.referenced_parameters}


def run_rule(con: duckdb.DuckDBPyConnection, rule: Rule, parameters: dict) -> int:
    """Run one rule into ``rule_hits``; return how many rows it found."""
    temp = f"hits_{rule.id}"
    try:
        con.execute(f'CREATE OR REPLACE TEMP TABLE "{temp}" AS {rule.sql}', parameters)
    except (duckdb.OutOfMemoryException, duckdb.InterruptException):
        raise  # not a fault of the rule's SQL
    except duckdb.Error as exc:
        raise RuleError(
            f"rule {rule.id} ({rule.path}) failed in DuckDB: {exc}",
            fix="Fix the SQL in the rule file, or remove the file from the rules folder.",
        ) from None
    columns = {row[0] for row in con.execute(f'DESCRIBE "{temp}"').fetchall()}
    missing = [name for name in EVIDENCE_COLUMNS if name not in columns]
    if missing:
        raise RuleError(
            f"rule {rule.id} ({rule.path}) returns no column(s) {', '.join(missing)}",
            fix=f"A rule's SELECT must return {', '.join(EVIDENCE_COLUMNS)}.",
        )
    kept = [name for name in EVIDENCE_COLUMNS + KEY_COLUMNS if name in columns]
    select = ", ".join(f'"{name}"' for name in kept)
    try:
        con.execute(
            f"INSERT INTO rule_hits BY NAME SELECT ? AS rule_id, {select} FROM \"{temp}\"",
            [rule.id],
        )
    except duckdb.ConversionException as exc:
        raise RuleError(
            f"rule {rule.id} ({rule.path}) returned a value that does not fit the "
            f"register: {exc}",
            fix="Amounts at risk must fit DECIMAL(18,2) (below 10^16); check the "
            "input amounts and quantities that the rule multiplies.",
        ) from None
    count = con.execute(f'SELECT count(*) FROM "{temp}"').fetchone()[0]
    con.execute(f'DROP TABLE "{temp}"')
    return count


RULE_HITS_DDL = """
CREATE OR REPLACE TABLE rule_hits (
    rule_id VARCHAR, order_id VARCHAR, detected_at TIMESTAMP,
    amount_at_risk DECIMAL(18,2), evidence VARCHAR, carrier VARCHAR,
    seller_id VARCHAR, complaint_id VARCHAR, refund_id VARCHAR,
    customer_id VARCHAR, sku VARCHAR, tracking_no VARCHAR, region VARCHAR,
    responsible_override VARCHAR
)
"""

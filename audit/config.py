"""Configuration: one TOML file, every default stated in ``default_config.toml``."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from audit.errors import ConfigError

DEFAULT_CONFIG_PATH = Path(__file__).with_name("default_config.toml")
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
SEVERITIES = ["general", "important", "urgent"]
# The workbooks a run can write, in the order they are written.
WORKBOOK_NAMES = ("register", "review_pack", "refund_check")


@dataclass
class Config:
    time_zone: str
    as_of: dt.date | None
    period: str | None
    profile: str
    lang: str
    out: Path
    decimal_mark: str
    encoding: str
    date_order: str | None
    working_days: list[str]
    holidays: list[dt.date]
    amount_important: Decimal
    amount_urgent: Decimal
    overdue_factor: float
    key_order_amount: Decimal | None
    key_order_severity: str
    memory_limit: str = ""
    workbooks: tuple[str, ...] = WORKBOOK_NAMES
    rules: dict[str, dict] = field(default_factory=dict)
    profiles: dict[str, dict] = field(default_factory=dict)
    source: Path | None = None
    raw: dict = field(default_factory=dict)

    def rule_settings(self, rule_id: str) -> dict:
        return self.rules.get(rule_id, {})


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"configuration file {path} is not valid TOML: {exc}",
            fix="Check the line named above; `order-audit init` writes a valid example.",
        ) from None


def parse_decimal(value, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{where} must be a number, got {value!r}") from None


def parse_date(value, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"{where} must be a date in the form YYYY-MM-DD, got {value!r}"
        ) from None


def parse_period(value: str, where: str = "period") -> str:
    try:
        dt.datetime.strptime(value, "%Y-%m")
    except ValueError:
        raise ConfigError(
            f"{where} must be a month in the form YYYY-MM, got {value!r}"
        ) from None
    return value


def parse_workbooks(names, where: str) -> tuple[str, ...]:
    """Return the chosen workbooks in the order a run writes them."""
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise ConfigError(f"{where} must be a list of workbook names, got {names!r}",
                          fix="Write it as a list, such as workbooks = "
                          '["' + '", "'.join(WORKBOOK_NAMES) + '"].')
    unknown = [name for name in names if name not in WORKBOOK_NAMES]
    if unknown:
        raise ConfigError(f"{where} names unknown workbook(s): "
                          f"{', '.join(repr(name) for name in unknown)}",
                          fix=f"Choose from {', '.join(WORKBOOK_NAMES)}, "
                          "written in lower case.")
    if not names:
        raise ConfigError(f"{where} is empty; a run must write at least one workbook",
                          fix=f"Choose from {', '.join(WORKBOOK_NAMES)}.")
    return tuple(name for name in WORKBOOK_NAMES if name in names)


def load_config(path: Path | None = None) -> Config:
    """Read the built-in defaults, then the user's file over them."""
    data = _read_toml(DEFAULT_CONFIG_PATH)
    if path is not None:
        data = _merge(data, _read_toml(path))
    return _build(data, path)


def _build(data: dict, source: Path | None) -> Config:
    run = data.get("run", {})
    inputs = data.get("input", {})
    calendar = data.get("calendar", {})
    severity = data.get("severity", {})

    time_zone = str(run.get("time_zone", "UTC"))
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"run.time_zone {time_zone!r} is not a known IANA time zone",
            fix="Use a name such as 'Asia/Shanghai' or 'America/Sao_Paulo'.",
        ) from None

    as_of = run.get("as_of") or None
    period = run.get("period") or None
    working_days = list(calendar.get("working_days", WEEKDAYS[:5]))
    for day in working_days:
        if day not in WEEKDAYS:
            raise ConfigError(
                f"calendar.working_days has {day!r}; use {', '.join(WEEKDAYS)}"
            )
    key_severity = str(severity.get("key_order_severity", "urgent"))
    if key_severity not in SEVERITIES:
        raise ConfigError(
            f"severity.key_order_severity must be one of {SEVERITIES}, "
            f"got {key_severity!r}"
        )
    decimal_mark = str(inputs.get("decimal_mark", "."))
    if decimal_mark not in (".", ","):
        raise ConfigError(f"input.decimal_mark must be '.' or ',', got {decimal_mark!r}")
    key_amount = severity.get("key_order_amount")

    return Config(
        time_zone=time_zone,
        as_of=parse_date(as_of, "run.as_of") if as_of else None,
        period=parse_period(period, "run.period") if period else None,
        profile=str(run.get("profile", "canonical")),
        lang=str(run.get("lang", "en")),
        out=Path(run.get("out", "order-audit-output")),
        memory_limit=str(run.get("memory_limit", "")),
        workbooks=parse_workbooks(run.get("workbooks", list(WORKBOOK_NAMES)), "run.workbooks"),
        decimal_mark=decimal_mark,
        encoding=str(inputs.get("encoding", "auto")),
        date_order=(inputs.get("date_order") or None),
        working_days=working_days,
        holidays=[parse_date(d, "calendar.holidays") for d in calendar.get("holidays", [])],
        amount_important=parse_decimal(
            severity.get("amount_important", "500"), "severity.amount_important"
        ),
        amount_urgent=parse_decimal(
            severity.get("amount_urgent", "2000"), "severity.amount_urgent"
        ),
        overdue_factor=float(severity.get("overdue_factor", 2.0)),
        key_order_amount=(
            parse_decimal(key_amount, "severity.key_order_amount")
            if key_amount not in (None, "")
            else None
        ),
        key_order_severity=key_severity,
        rules=dict(data.get("rules", {})),
        profiles=dict(data.get("profiles", {})),
        source=source,
        raw=data,
    )

"""Build the exception register from the rules' hits, in DuckDB.

Each hit gets a stable ``exception_id`` (a hash of the rule id and its keys,
so the same exception keeps its id from month to month), a due date from
the rule's time limit, an overdue flag and age as of the run, and a severity
raised from the rule's default by the configured escalation.
"""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

from audit.config import SEVERITIES, WEEKDAYS, Config
from audit.errors import AuditError
from audit.rules import PARTIES, STAGES, Rule, parse_time_limit

REGISTER_COLUMNS = [
    "exception_id", "rule_id", "rule_title", "category", "exception_class",
    "severity", "responsible_party", "order_id", "customer_id", "carrier",
    "seller_id", "complaint_id", "refund_id", "sku", "tracking_no", "evidence",
    "amount_at_risk", "detected_at", "due_by", "overdue", "age_days",
    "suggested_action", "force_majeure", "owner", "status", "root_cause",
    "corrective_action", "target_date", "notes",
]
REVIEWER_COLUMNS = ["owner", "status", "root_cause", "corrective_action", "target_date", "notes"]
RESPONSIBLE_PARTIES = [*PARTIES, "force_majeure"]


def create_rule_catalog(con, rules: list[Rule], config: Config) -> None:
    """Store each rule's metadata, with configured overrides, for the SQL below."""
    con.execute(
        """CREATE OR REPLACE TABLE rule_catalog (
            rule_id VARCHAR, title VARCHAR, category VARCHAR, exception_class VARCHAR,
            severity VARCHAR, responsible VARCHAR, limit_amount DOUBLE,
            limit_unit VARCHAR, action VARCHAR, version VARCHAR)"""
    )
    rows = []
    for rule in rules:
        settings = config.rule_settings(rule.id)
        severity = settings.get("severity", rule.severity)
        if severity not in SEVERITIES:
            raise AuditError(
                f"rules.{rule.id}.severity is {severity!r}; use one of {SEVERITIES}"
            )
        limit = settings.get("time_limit", rule.time_limit)
        amount, unit = parse_time_limit(limit, f"rules.{rule.id}.time_limit")
        rows.append((rule.id, rule.title, rule.category, rule.exception_class,
                     severity, rule.responsible, amount, unit, rule.action, rule.version))
    if rows:
        con.executemany("INSERT INTO rule_catalog VALUES (?,?,?,?,?,?,?,?,?,?)", rows)


def create_calendar(con, config: Config) -> None:
    """Number the business days so 'N business days later' is a join.

    The range covers every date a hit can have plus a year of room for time
    limits; holidays and non-working weekdays get no business-day number of
    their own.
    """
    working = [WEEKDAYS.index(day) + 1 for day in config.working_days]  # ISO 1=Mon
    holidays = [day.isoformat() for day in config.holidays]
    con.execute(
        """CREATE OR REPLACE TABLE business_calendar AS
        WITH bounds AS (
            SELECT coalesce(min(detected_at)::DATE, current_date) - 7 AS first_day,
                   coalesce(max(detected_at)::DATE, current_date) + 400 AS last_day
            FROM rule_hits),
        days AS (
            SELECT CAST(day AS DATE) AS day FROM bounds,
            generate_series(first_day::TIMESTAMP, last_day::TIMESTAMP, INTERVAL 1 DAY) AS g(day)),
        flagged AS (
            SELECT day, isodow(day) IN (SELECT unnest($working)) AND
                   NOT list_contains($holidays, strftime(day, '%Y-%m-%d')) AS is_business
            FROM days)
        SELECT day, is_business,
               sum(CASE WHEN is_business THEN 1 ELSE 0 END) OVER (ORDER BY day) AS business_index
        FROM flagged""",
        {"working": working, "holidays": holidays},
    )


REGISTER_SQL = """
CREATE OR REPLACE TABLE {target} AS
WITH keyed AS (
    SELECT h.*, c.title AS rule_title, c.category, c.exception_class,
           c.severity AS default_severity, c.responsible, c.limit_amount,
           c.limit_unit, c.action,
           'EX-' || upper(substr(md5(concat_ws(chr(31), h.rule_id,
               coalesce(h.order_id, ''), coalesce(h.complaint_id, ''),
               coalesce(h.refund_id, ''), coalesce(h.carrier, ''),
               coalesce(h.seller_id, ''), coalesce(h.customer_id, ''),
               coalesce(h.sku, ''), coalesce(h.tracking_no, ''))), 1, 16)) AS exception_id
    FROM {hits} h JOIN rule_catalog c USING (rule_id)
    WHERE h.detected_at IS NULL OR h.detected_at < $as_of
),
due AS (
    -- A non-working day carries the number of the business day before it, so
    -- N business days after any date is simply that number plus N.
    SELECT k.*,
        CASE k.limit_unit
            WHEN 'h' THEN k.detected_at + to_microseconds(CAST(k.limit_amount * 3600e6 AS BIGINT))
            WHEN 'd' THEN k.detected_at + to_microseconds(CAST(k.limit_amount * 86400e6 AS BIGINT))
            ELSE CAST(target.day AS TIMESTAMP) + INTERVAL 1 DAY
        END AS due_by
    FROM keyed k
    LEFT JOIN business_calendar cal ON cal.day = CAST(k.detected_at AS DATE)
    LEFT JOIN business_calendar target
        ON target.is_business AND k.limit_unit = 'bd'
       AND target.business_index = cal.business_index + CAST(ceil(k.limit_amount) AS BIGINT)
),
disrupted AS (
    SELECT d.*, (
        SELECT first(coalesce(x.disruption_id, x.kind || ' ' || CAST(x.starts_at AS VARCHAR))
                     ORDER BY x.starts_at)
        FROM disruptions x
        WHERE d.detected_at BETWEEN x.starts_at AND x.ends_at
          AND (x.region IS NULL OR x.region = d.region
               OR x.region = (SELECT o.ship_region FROM orders o WHERE o.order_id = d.order_id))
    ) AS force_majeure
    FROM due d
),
graded AS (
    SELECT d.*,
        d.due_by IS NOT NULL AND $as_of > d.due_by AS overdue,
        -- Whole days from detection to the as-of date: an exception detected
        -- on the as-of day itself is 0 days old.
        CAST(date_diff('day', CAST(d.detected_at AS DATE),
                       CAST($as_of AS DATE) - 1) AS INTEGER) AS age_days,
        list_position(['general', 'important', 'urgent'], d.default_severity) AS base_level,
        CASE WHEN d.amount_at_risk >= $amount_urgent THEN 3
             WHEN d.amount_at_risk >= $amount_important THEN 2 ELSE 1 END AS amount_level,
        CASE WHEN d.due_by IS NOT NULL AND $as_of > d.due_by
                  AND epoch($as_of - d.detected_at)
                      > $overdue_factor * epoch(d.due_by - d.detected_at)
             THEN 1 ELSE 0 END AS overdue_raise,
        CASE WHEN o.is_key_order OR o.order_amount >= $key_order_amount
             THEN list_position(['general', 'important', 'urgent'], $key_order_severity)
             ELSE 1 END AS key_level
    FROM disrupted d LEFT JOIN orders o ON o.order_id = d.order_id
)
SELECT exception_id, rule_id, rule_title, category, exception_class,
    ['general', 'important', 'urgent'][
        least(3, greatest(base_level + overdue_raise, amount_level, key_level))] AS severity,
    CASE WHEN force_majeure IS NOT NULL THEN 'force_majeure'
         ELSE coalesce(responsible_override, responsible) END AS responsible_party,
    order_id, customer_id, carrier, seller_id, complaint_id, refund_id, sku,
    tracking_no, evidence, amount_at_risk, detected_at, due_by, overdue, age_days,
    action AS suggested_action, force_majeure,
    CAST(NULL AS VARCHAR) AS owner, 'open' AS status,
    CAST(NULL AS VARCHAR) AS root_cause, CAST(NULL AS VARCHAR) AS corrective_action,
    CAST(NULL AS DATE) AS target_date, CAST(NULL AS VARCHAR) AS notes
FROM graded
QUALIFY row_number() OVER (PARTITION BY exception_id ORDER BY detected_at, evidence) = 1
ORDER BY rule_id, detected_at, exception_id
"""


def build_register(con, config: Config, as_of: dt.datetime,
                   period: tuple[dt.datetime, dt.datetime] | None) -> None:
    """Create ``register_all`` (every hit) and ``register`` (the period's hits)."""
    create_calendar(con, config)
    _grade_hits(con, config, as_of, hits="rule_hits", target="register_all")
    _keep_period(con, "register_all", "register", period)


def build_previous_register(con, config: Config, as_of: dt.datetime,
                            previous: tuple[dt.datetime, dt.datetime]) -> None:
    """Create ``register_previous`` from ``previous_hits``, for period comparison."""
    _grade_hits(con, config, as_of, hits="previous_hits", target="previous_all")
    _keep_period(con, "previous_all", "register_previous", previous)
    con.execute("DROP TABLE previous_all")


def _grade_hits(con, config: Config, as_of: dt.datetime, *, hits: str, target: str):
    con.execute(REGISTER_SQL.format(hits=hits, target=target), {
        "as_of": as_of,
        "amount_urgent": config.amount_urgent,
        "amount_important": config.amount_important,
        "overdue_factor": config.overdue_factor,
        "key_order_amount": config.key_order_amount,
        "key_order_severity": config.key_order_severity,
    })


def _keep_period(con, source: str, target: str, period) -> None:
    if period is None:
        con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {source}")
        return
    con.execute(
        f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {source} "
        "WHERE detected_at >= $start AND detected_at < $end",
        {"start": period[0], "end": period[1]},
    )


REGISTER_SCHEMA = pa.DataFrameSchema(
    {
        "exception_id": pa.Column(
            str, unique=True, checks=pa.Check.str_matches(r"^EX-[0-9A-F]{16}$")
        ),
        "rule_id": pa.Column(str),
        "rule_title": pa.Column(str),
        "category": pa.Column(str, pa.Check.isin(STAGES)),
        "severity": pa.Column(str, pa.Check.isin(SEVERITIES)),
        "responsible_party": pa.Column(str, pa.Check.isin(RESPONSIBLE_PARTIES)),
        "evidence": pa.Column(str, pa.Check.str_length(min_value=1)),
        "detected_at": pa.Column(pl.Datetime("us"), nullable=False, coerce=True),
        "status": pa.Column(str, pa.Check.str_length(min_value=1)),
        "age_days": pa.Column(pl.Int64, pa.Check.ge(0), nullable=True, coerce=True),
    },
    strict=False,
)


def validate_register(con) -> int:
    """Check the register against its schema on the way out; return its row count."""
    columns = ", ".join(REGISTER_SCHEMA.columns)
    frame = con.sql(f"SELECT {columns} FROM register").pl()
    try:
        REGISTER_SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        ids = frame["exception_id"]
        cases = "\n".join(
            f"- {case['column']} = {case['failure_case']!r} (exception "
            f"{ids[case['index']]}): failed {case['check']}"
            for case in errors.failure_cases.head(10).iter_rows(named=True)
        )
        raise AuditError(
            f"the exception register failed its schema check:\n{cases}",
            fix="A rule returned values the register does not accept; fix that rule.",
        ) from None
    return frame.height

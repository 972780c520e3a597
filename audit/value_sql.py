"""SQL expressions that parse the raw text of one value into its typed form.

Each function returns a DuckDB expression over ``value`` (an SQL expression
of type VARCHAR) that yields the typed value, or NULL when the text does not
have the expected form. Validation turns a NULL from present text into a
rejection, so these expressions never guess: text that could mean two
different values yields NULL.
"""

from __future__ import annotations

CURRENCY = (
    r"(?:R\$|US\$|HK\$|NT\$|A\$|C\$|CN¥|(?i:rmb|cny|usd|eur|brl|gbp|hkd)|[$€£¥￥元])"
)
# RE2's \s is ASCII whitespace; exports also put no-break spaces around amounts.
SPACE = r"[\s\x{00A0}\x{202F}]*"
# Besides the other decimal mark, a space, a no-break space or an apostrophe
# (1'234.50 in Switzerland) separates thousands.
GROUP_SEPARATORS = (" ", r"\x{00A0}", r"\x{202F}", "'")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def trimmed_sql(value: str) -> str:
    """Return SQL for ``value`` with spaces trimmed from both ends, or NULL if empty.

    DuckDB's trim removes the Unicode space separators (the ASCII space, the
    no-break space, the ideographic space and the rest of category Zs). A
    value of ASCII characters alone can only carry the ASCII space, so one
    that neither starts nor ends with it is kept as it is. That skips the
    trim, which on three million carrier events halves the cost of a column.
    """
    return f"""CASE
        WHEN strlen({value}) = length({value})
             AND NOT (prefix({value}, ' ') OR suffix({value}, ' '))
            THEN NULLIF({value}, '')
        ELSE NULLIF(trim({value}), '')
    END"""


def money_pattern(decimal_mark: str) -> str:
    """Return the RE2 pattern of an amount, with at most one sign and one currency.

    Accepted: ``1,234.50``, ``¥1,234.50``, ``R$ 1.234,56`` (with decimal mark
    ","), ``-12.50``, ``$-12.50``, ``(12.50)``, ``12.50-``, ``RMB 12``,
    ``12 元``. Thousands separators must sit between groups of three digits,
    so an amount written with the other decimal mark does not match.
    """
    mark = r"\." if decimal_mark == "." else ","
    separators = ("," if decimal_mark == "." else r"\.",) + GROUP_SEPARATORS
    grouped = "|".join(rf"\d{{1,3}}(?:{sep}\d{{3}})+" for sep in separators)
    number = rf"(?:(?:{grouped}|\d+)(?:{mark}\d+)?|{mark}\d+)"
    unsigned = rf"(?:{CURRENCY}{SPACE}{number}|{number}(?:{SPACE}{CURRENCY})?)"
    forms = [
        rf"[-+]?{SPACE}{unsigned}",
        rf"{CURRENCY}{SPACE}[-+]{SPACE}{number}",
        rf"{unsigned}{SPACE}-",
        rf"\({SPACE}{unsigned}{SPACE}\)",
        rf"{CURRENCY}{SPACE}\({SPACE}{number}{SPACE}\)",
    ]
    return rf"^{SPACE}(?:{'|'.join(forms)}){SPACE}$"


def money_sql(value: str, decimal_mark: str) -> str:
    """Return SQL that parses an amount into DECIMAL(18,2), exactly or not at all.

    An amount with more than two decimals that are not zeros (12.345) is
    NULL rather than rounded, and so is one too large for DECIMAL(18,2).
    The pattern admits a minus sign or parentheses only as the single sign
    of the amount, so either one means the amount is negative.
    """
    mark = "." if decimal_mark == "." else ","
    digits = f"regexp_replace({value}, '[^0-9{mark}]', '', 'g')"
    plain = digits if mark == "." else f"replace({digits}, ',', '.')"
    negative = f"(contains({value}, '-') OR contains({value}, '('))"
    amount = f"TRY_CAST({plain} AS DECIMAL(18,2))"
    pattern = literal(money_pattern(decimal_mark))
    # Plain amounts such as 1234.5 are the common case and need neither the
    # full pattern nor the clean-up, so a short expression takes them first.
    simple = f"'\\d{{1,16}}(\\{mark}\\d{{1,2}})?'"
    simple_amount = value if mark == "." else f"replace({value}, ',', '.')"
    return f"""CASE
        WHEN {value} IS NULL THEN NULL
        WHEN regexp_full_match({value}, {simple})
            THEN CAST({simple_amount} AS DECIMAL(18,2))
        WHEN NOT regexp_matches({value}, {pattern}) THEN NULL
        WHEN regexp_matches({plain}, '\\.\\d\\d\\d*[1-9]') THEN NULL
        WHEN {negative} THEN -{amount}
        ELSE {amount}
    END"""


def timestamp_sql(value: str, time_zone: str, order: str,
                  date_formats: tuple[str, ...] = ()) -> str:
    """Return SQL that parses text into a naive local TIMESTAMP, or NULL.

    Accepted: ISO 8601 (with an offset or Z, converted to ``time_zone``),
    ``2020/2/21 0:00``, ``2024年1月5日 10:00``, day and month in ``order``
    (``21/02/2020`` for DMY), and Excel serial numbers of five digits (days
    since 1899-12-30, the dates from 1927 to 2173). When ``date_formats``
    are given (strptime formats), they replace the day-and-month forms.
    """
    zone = literal(time_zone)
    local = _local_forms(value, order, date_formats, zone)
    # Offsets in use run from -12:00 to +14:00.
    with_offset = "^\\d{4}-\\d{1,2}-\\d{1,2}[T ].*(Z|[+-](0\\d|1[0-4])(:?[0-5]\\d)?)$"
    # DuckDB's cast would also take a trailing zone name and ignore it, which
    # would misread the time, so anything after the time is refused.
    iso_local = "\\d{4}-\\d{1,2}-\\d{1,2}([T ]\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?)?"
    chinese = "\\d{4}年\\d{1,2}月\\d{1,2}日(\\s*\\d{1,2}:\\d{2}(:\\d{2})?)?"
    # The most common form, 2024-01-05 10:00:00, is parsed first by strptime
    # with that exact format, which accepts no other form, not even with an
    # offset. On a million orders this halved the time of the CASE alone.
    # DuckDB reads the words "epoch" and "infinity" as dates, also with a
    # format, so the length of 19 keeps them out and the CASE rejects them.
    # The CASE's first two branches are the other common ISO forms, tested by
    # position rather than by regular expression because that halved their
    # time. Neither length leaves room for an offset.
    return f"""coalesce(
        CASE WHEN length({value}) = 19 THEN try_strptime({value}, '%Y-%m-%d %H:%M:%S') END,
        CASE
        WHEN {value} IS NULL THEN NULL
        WHEN lower({value}) IN ('epoch', 'infinity', '-infinity', '+infinity') THEN NULL
        WHEN length({value}) = 10 AND substr({value}, 5, 1) = '-'
             AND substr({value}, 8, 1) = '-'
            THEN TRY_CAST({value} AS TIMESTAMP)
        WHEN length({value}) = 19 AND substr({value}, 5, 1) = '-'
             AND substr({value}, 8, 1) = '-' AND substr({value}, 17, 1) = ':'
            THEN TRY_CAST({value} AS TIMESTAMP)
        WHEN regexp_matches({value}, '{with_offset}')
            THEN timezone({zone}, TRY_CAST({value} AS TIMESTAMPTZ))
        WHEN regexp_full_match({value}, '{iso_local}')
            THEN TRY_CAST({value} AS TIMESTAMP)
        WHEN regexp_matches({value}, '^\\d{{4}}/\\d{{1,2}}/\\d{{1,2}}')
            THEN coalesce(try_strptime({value}, '%Y/%m/%d %H:%M:%S'),
                          try_strptime({value}, '%Y/%m/%d %H:%M'),
                          try_strptime({value}, '%Y/%m/%d'))
        WHEN regexp_full_match({value}, '{chinese}')
            THEN TRY_CAST(trim(replace(replace(replace({value}, '年', '-'), '月', '-'),
                                       '日', ' ')) AS TIMESTAMP)
        {local}
        WHEN regexp_matches({value}, '^\\d{{5}}(\\.\\d+)?$')
            THEN TIMESTAMP '1899-12-30' + to_microseconds(
                CAST(round(CAST({value} AS DOUBLE) * 86400000000) AS BIGINT))
        ELSE NULL
    END)"""


def _local_forms(value: str, order: str, date_formats: tuple[str, ...],
                 zone: str) -> str:
    """Return the CASE branch for dates that start with the day or the month."""
    if date_formats:
        parsed = ", ".join(_strptime(value, fmt, zone) for fmt in date_formats)
        return f"WHEN coalesce({parsed}) IS NOT NULL THEN coalesce({parsed})"
    slash = "%d/%m/%Y" if order == "DMY" else "%m/%d/%Y"
    variants = ", ".join(
        f"try_strptime(replace(replace({value}, '.', '/'), '-', '/'), '{slash}{tail}')"
        for tail in (" %H:%M:%S", " %H:%M", "")
    )
    return (
        f"WHEN regexp_matches({value}, '^\\d{{1,2}}[/.-]\\d{{1,2}}[/.-]\\d{{4}}') "
        f"THEN coalesce({variants})"
    )


def _strptime(value: str, date_format: str, zone: str) -> str:
    parsed = f"try_strptime({value}, {literal(date_format)})"
    if "%z" in date_format or "%Z" in date_format:
        # strptime gives TIMESTAMP WITH TIME ZONE for a format with an offset.
        return f"timezone({zone}, {parsed})"
    return parsed


def integer_sql(value: str) -> str:
    return f"""CASE WHEN regexp_matches({value}, '^\\s*[-+]?\\d+(\\.0+)?\\s*$')
        THEN TRY_CAST(TRY_CAST(trim({value}) AS DECIMAL(38,6)) AS BIGINT) END"""


def boolean_sql(value: str) -> str:
    # The common spellings are compared as written first, because lower-casing
    # every value costs more.
    return f"""CASE
        WHEN {value} IN ('1', 'true', 'TRUE', 'True') THEN true
        WHEN {value} IN ('0', 'false', 'FALSE', 'False') THEN false
        WHEN lower(trim({value})) IN ('1','true','t','yes','y','是','x') THEN true
        WHEN lower(trim({value})) IN ('0','false','f','no','n','否','') THEN false
    END"""


def text_sql(value: str, mapping: dict[str, str], codes: tuple[str, ...] = ()) -> str:
    """Return SQL for a text value, mapped by the profile's values, then normalised.

    The mapping compares trimmed, lower-cased text, before event
    codes are normalised (``Out for delivery`` -> ``out_for_delivery``), so a
    profile maps the values as the export writes them. Normalising applies
    when ``codes``, the codes in their normal form, are given.
    """
    if mapping:
        cases = " ".join(
            f"WHEN {literal(raw.strip().lower())} THEN {literal(new)}"
            for raw, new in mapping.items()
        )
        value = f"CASE lower(trim({value})) {cases} ELSE {value} END"
    if not codes:
        return value
    normalised = f"regexp_replace(lower(trim({value})), '[\\s-]+', '_', 'g')"
    if mapping:
        return normalised
    # Most exports already write the codes in their normal form, which the
    # regular expression would leave as they are. Letting them through first
    # made the expression five times cheaper on three million events.
    known = ", ".join(literal(code) for code in codes)
    return f"CASE WHEN {value} IN ({known}) THEN {value} ELSE {normalised} END"

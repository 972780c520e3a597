"""Write docs/rules.md from the headers of the built-in rule files.

Run it from the repository's top after adding or changing a rule:

    python tools/make_rule_docs.py           # rewrites docs/rules.md
    python tools/make_rule_docs.py --check   # exits 1 if docs/rules.md is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
RULES_DIR = REPOSITORY / "queries" / "rules"
DOCS_PATH = REPOSITORY / "docs" / "rules.md"

# The script runs from a checkout without installing the package.
if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))

from audit.rules import STAGES, Rule, parse_rule

INTRODUCTION = """\
# Rules

Each rule is one SQL file in `queries/rules/`. This page is generated from
the files' headers by `python tools/make_rule_docs.py`, so edit a header, not
this page. Every parameter can be set per rule in the configuration, for
example:

```toml
[rules.delivered_late]
grace_days = 1
severity = "urgent"
time_limit = "1bd"
```

A rule runs only when every column listed under *needs* contains values in the
inputs. Otherwise the run record notes it as skipped. The time limit sets the
due date of each exception in the register, in hours (`h`), calendar days
(`d`) or business days from the calendar settings (`bd`).
"""

LIMITATIONS = """\
## Limitations

- Time limits inside the rules (hours, days) are calendar time. Business days
  apply only to the register's due dates.
- A refund counts as made at its payment time, else its approval, else its
  request, so a refund that was requested but never paid still counts as
  made in every rule except `refund_late`.
- `paid_more_than_once` infers a repeated payment from the amounts, because
  the orders table carries one paid amount per order and no list of payments.
- `amount_outlier_customer` and `price_outlier_sku` judge an order against the
  customer's or SKU's earlier orders in the inputs only, so nothing is judged
  until a customer or SKU has the minimum history.
- `address_shared_by_customers` is keyed by the order that brought the count
  of customers to the minimum, because the register has no address column.
- The rate rules (`seller_complaint_rate`, `customer_refund_rate`) and
  `repeat_complainant` count within the reporting period. The rate rules date
  their exception at the last event they counted.
"""


def read_rules(folder: Path = RULES_DIR) -> list[Rule]:
    """Parse every rule file in ``folder``, ordered by stage and id."""
    rules = [parse_rule(path) for path in sorted(folder.glob("*.sql"))]
    return sorted(rules, key=lambda rule: (STAGES.index(rule.category), rule.id))


def render_docs(rules: list[Rule]) -> str:
    """Return the Markdown of the rules page."""
    parts = [INTRODUCTION, _render_index(rules)]
    parts += [_render_rule(rule) for rule in rules]
    parts.append(LIMITATIONS)
    return "\n".join(parts)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def _render_index(rules: list[Rule]) -> str:
    lines = ["| rule | category | severity | title |", "|---|---|---|---|"]
    for rule in rules:
        lines.append(
            f"| [`{rule.id}`](#{rule.id}) | {rule.category} | "
            f"{rule.severity} | {_cell(rule.title)} |"
        )
    return "\n".join(lines) + "\n"


def _render_rule(rule: Rule) -> str:
    needs = ", ".join(f"`{need}`" for need in rule.needs)
    lines = [
        f"## `{rule.id}`",
        "",
        f"**{rule.title}**",
        "",
        "| field | value |",
        "|---|---|",
        f"| category | {rule.category} |",
        f"| class | {rule.exception_class or '(none)'} |",
        f"| severity | {rule.severity} |",
        f"| responsible | {rule.responsible} |",
        f"| time limit | {rule.time_limit} |",
        f"| needs | {needs} |",
        "",
        rule.description,
        "",
    ]
    lines += _render_parameters(rule)
    lines += [f"Action: {rule.action}", ""]
    return "\n".join(lines)


def _render_parameters(rule: Rule) -> list[str]:
    if not rule.params:
        return ["Parameters: none.", ""]
    lines = ["| parameter | default | meaning |", "|---|---|---|"]
    for name, default in rule.params.items():
        lines.append(
            f"| `{name}` | `{_toml_value(default)}` | "
            f"{_cell(rule.param_help.get(name, ''))} |"
        )
    return lines + [""]


def _toml_value(value) -> str:
    """Write a default as it would be typed in the configuration."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="Exit with status 1 if docs/rules.md differs from the headers.",
    )
    args = parser.parse_args(argv)
    text = render_docs(read_rules())
    if args.check:
        current = DOCS_PATH.read_text(encoding="utf-8") if DOCS_PATH.exists() else ""
        if current != text:
            print(
                f"{DOCS_PATH} is out of date; run python tools/make_rule_docs.py",
                file=sys.stderr,
            )
            return 1
        return 0
    DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOCS_PATH.write_text(text, encoding="utf-8")
    print(DOCS_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())

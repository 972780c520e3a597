"""Profiles: how one kind of export maps onto the canonical tables.

A profile is TOML. Each ``[inputs.NAME]`` names an export file, its column
types and renames; an input with ``feeds = "orders"`` is typed by the
canonical schema and becomes that canonical table directly. ``[views]``
builds canonical tables from several inputs with SQL, as the Olist export
needs. Built-in profiles live in ``queries/profiles``; users write more
under ``[profiles.NAME]`` in their configuration, with no code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import ConfigError, UsageError
from audit.resources import builtin_dir
from audit.schema import CANONICAL, ColumnSpec, SQL_TYPES


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
    inputs = {
        input_name: _input_spec(name, input_name, spec)
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


def _input_spec(profile: str, name: str, spec: dict) -> InputSpec:
    feeds = spec.get("feeds")
    where = f"profile {profile!r}, input {name!r}"
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
        renames=dict(spec.get("columns", {})),
        values={column: dict(mapping) for column, mapping in spec.get("values", {}).items()},
        encoding=spec.get("encoding"),
        decimal_mark=spec.get("decimal_mark"),
        date_order=spec.get("date_order"),
    )


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

"""Locate the built-in SQL, templates and chart styles.

An installed wheel carries them inside the package (``audit/queries`` and so
on); a checkout or an editable install keeps them at the repository's top.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent

# Name inside the wheel for each top-level folder of the repository.
_WHEEL_NAMES = {"queries": "queries", "templates": "templates", "charts": "charts_data"}


def builtin_dir(name: str) -> Path:
    """Return the folder of built-in resources called ``name`` (queries, ...)."""
    inside = _PACKAGE / _WHEEL_NAMES[name]
    if inside.is_dir():
        return inside
    beside = _PACKAGE.parent / name
    if beside.is_dir():
        return beside
    raise FileNotFoundError(
        f"built-in folder {name!r} is missing from the installation; "
        "reinstall order-audit"
    )

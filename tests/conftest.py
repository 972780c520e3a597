import os
import shutil
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
OLIST = Path(os.environ.get("ORDER_AUDIT_OLIST")
             or REPOSITORY.parent / "shared" / "data" / "olist")
IN_CI = bool(os.environ.get("CI"))


def require(condition: bool, reason: str) -> None:
    """Skip on a person's machine when a tool or data set is absent; fail in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def olist_dir() -> Path:
    require(OLIST.is_dir(), f"the Olist sample is not at {OLIST}")
    return OLIST


@pytest.fixture(scope="session")
def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    require(path is not None, "LibreOffice (soffice) is not installed")
    return path

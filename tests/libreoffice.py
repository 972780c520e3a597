"""Recalculate a workbook in LibreOffice headless and read the results back.

LibreOffice keeps the cached values of an xlsx file unless its profile sets it
to recalculate on load, and openpyxl writes formulas with no cached value,
so without that setting a test would compare against empty cells. The
profile below sets "Recalculation on file load" for Excel files to always.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from openpyxl import load_workbook

RECALCULATE_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <item oor:path="/org.openoffice.Office.Calc/Formula/Load">
    <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
  </item>
  <item oor:path="/org.openoffice.Office.Calc/Formula/Load">
    <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
  </item>
</oor:items>
"""


def make_profile(folder: Path) -> Path:
    user = folder / "lo-profile" / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(RECALCULATE_ALWAYS, encoding="utf-8")
    return folder / "lo-profile"


def recalculate(soffice: str, workbook: Path, folder: Path):
    """Open ``workbook`` in LibreOffice, recalculate, save a copy; return it opened
    with openpyxl's cached values (data_only=True)."""
    profile = make_profile(folder)
    out = folder / "recalculated"
    out.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--calc", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out),
         str(workbook)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    result = out / workbook.name
    assert completed.returncode == 0, completed.stderr
    assert result.exists(), completed.stderr
    return load_workbook(result, data_only=True)

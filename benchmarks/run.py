"""Benchmark order-audit against its physical floors and a pandas baseline.

Usage: python benchmarks/run.py [--sizes 10000,100000,1000000] [--work DIR]
       [--baseline-up-to N] [--repeat N] [--reuse-data]

For each size it generates the demo exports, runs the full job in a child
process (so peak memory is that run's own), times every stage, measures the
floors on the same files (DuckDB's plain scan of the CSVs as text and as the
types it detects, zipfile deflating the register's sheet XML) and runs a
pandas baseline of five rules with ``DataFrame.to_excel``, timed stage by
stage beside the tool limited to the same rules, the same three exports and
the exceptions workbook alone.
Up to --baseline-up-to orders, the tool and the baseline run --repeat
times, the baseline and the limited tool by turns, and the median run
counts. Figures go to benchmarks/results.json and
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
RESULTS = REPOSITORY / "benchmarks" / "results.json"
PAGE = REPOSITORY / "docs" / "benchmarks.md"
AS_OF = "2026-03-31"
# The rules the pandas baseline implements; the tool is also timed with only
# these enabled and only the exceptions workbook written, so the ratio
# compares the same work.
BASELINE_RULES = ("shipped_after_ship_by", "delivered_late", "paid_amount_mismatch",
                  "no_scan_in_transit", "complaint_response_late")
# The exports the baseline reads. The tool limited to the baseline's rules
# reads the same files and no others, so both start from the same bytes.
BASELINE_INPUTS = ("orders", "carrier_events", "complaints")


def child(kind: str, folder: Path, out: Path) -> dict:
    """Run one measured job in a child process and return its JSON report.

    ``out`` is emptied first: a run into the folder of an earlier one also
    carries the reviewers' columns forward, which is other work.
    """
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, __file__, "--child", kind, "--data", str(folder),
               "--out", str(out)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def peak_memory_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_tool(folder: Path, out: Path, only: tuple[str, ...] = (),
                 workbooks: tuple[str, ...] = ()) -> dict:
    import datetime as dt

    from audit.app import execute
    from audit.config import load_config
    from audit.pipeline import RunOptions
    from audit.progress import Progress
    from audit.rules import load_rules

    config = load_config(None)
    config.as_of = dt.date.fromisoformat(AS_OF)
    config.out = out
    if only:
        config.rules = {rule.id: {"enabled": False}
                        for rule in load_rules() if rule.id not in only}
    if workbooks:
        config.workbooks = workbooks
    progress = Progress(quiet=True)
    started = time.perf_counter()
    execute(RunOptions(config, folder=folder), progress)
    total = time.perf_counter() - started
    return {"total_s": total, "stages_s": progress.timings, "peak_mb": peak_memory_mb()}


def measure_scan_floor(folder: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    for path in sorted(folder.glob("*.csv")):
        con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?, all_varchar=true)",
                    [str(path)])
    return {"total_s": time.perf_counter() - started, "peak_mb": peak_memory_mb()}


def measure_typed_scan_floor(folder: Path) -> dict:
    """DuckDB reading the CSVs into columns of the types it detects, checking nothing.

    Rows that do not fit the detected types (the demo plants some) are
    skipped, not reported.
    """
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    for path in sorted(folder.glob("*.csv")):
        con.execute("CREATE OR REPLACE TABLE t AS "
                    "SELECT * FROM read_csv(?, ignore_errors = true)", [str(path)])
    return {"total_s": time.perf_counter() - started, "peak_mb": peak_memory_mb()}


def measure_zip_floor(workbook: Path) -> dict:
    """Deflate the register sheet's XML again: the cost of the bytes alone."""
    with zipfile.ZipFile(workbook) as archive:
        name = max(archive.namelist(), key=lambda n: archive.getinfo(n).file_size)
        data = archive.read(name)
    target = workbook.with_suffix(".floor.zip")
    started = time.perf_counter()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    elapsed = time.perf_counter() - started
    target.unlink()
    return {"total_s": elapsed, "sheet": name, "xml_bytes": len(data)}


def measure_baseline(folder: Path, out: Path) -> dict:
    """What a capable analyst would write: pandas, five rules, to_excel."""
    import pandas as pd

    stages = {}
    started = time.perf_counter()
    orders = pd.read_csv(folder / "orders.csv", dtype=str)
    events = pd.read_csv(folder / "carrier_events.csv", dtype=str)
    complaints = pd.read_csv(folder / "complaints.csv", dtype=str)
    for column in ("created_at", "paid_at", "promised_ship_by", "promised_delivery_by",
                   "shipped_at", "delivered_at"):
        orders[column] = pd.to_datetime(orders[column], errors="coerce", format="mixed")
    for column in ("order_amount", "paid_amount"):
        orders[column] = pd.to_numeric(orders[column], errors="coerce")
    events["event_at"] = pd.to_datetime(events["event_at"], errors="coerce", format="mixed")
    for column in ("created_at", "first_response_at"):
        complaints[column] = pd.to_datetime(complaints[column], errors="coerce",
                                            format="mixed")
    stages["read and type"] = time.perf_counter() - started
    as_of = pd.Timestamp(AS_OF) + pd.Timedelta(days=1)
    hits = [
        orders[orders.shipped_at > orders.promised_ship_by].assign(rule="shipped_after_ship_by"),
        orders[orders.delivered_at.dt.normalize() > orders.promised_delivery_by.dt.normalize()]
        .assign(rule="delivered_late"),
        orders[(orders.paid_amount - orders.order_amount).abs() > 0.01]
        .assign(rule="paid_amount_mismatch"),
    ]
    last = events.sort_values("event_at").groupby("order_id").tail(1)
    stale = last[~last.event_code.isin(["delivered", "returned", "lost"])
                 & (last.event_at + pd.Timedelta(days=5) < as_of)]
    hits.append(orders[orders.order_id.isin(stale.order_id)].assign(rule="no_scan_in_transit"))
    late = complaints[(complaints.first_response_at.isna()
                       | (complaints.first_response_at - complaints.created_at
                          > pd.Timedelta(hours=24)))
                      & (complaints.created_at + pd.Timedelta(hours=24) < as_of)]
    hits.append(late.assign(rule="complaint_response_late"))
    register = pd.concat(hits, ignore_index=True)
    stages["rules"] = time.perf_counter() - started - sum(stages.values())
    register.to_excel(out / "baseline.xlsx", index=False)
    stages["write"] = time.perf_counter() - started - sum(stages.values())
    return {"total_s": time.perf_counter() - started, "rows": len(register),
            "stages_s": stages, "peak_mb": peak_memory_mb()}


def run_child(kind: str, folder: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if kind == "tool":
        report = measure_tool(folder, out)
    elif kind == "tool-baseline-rules":
        report = measure_tool(folder, out, BASELINE_RULES, ("register",))
    elif kind == "scan":
        report = measure_scan_floor(folder)
    elif kind == "typed-scan":
        report = measure_typed_scan_floor(folder)
    else:
        report = measure_baseline(folder, out)
    print(json.dumps(report))


def generate(size: int, folder: Path, reuse: bool) -> float | None:
    """Write the demo exports for ``size`` orders; return the seconds it took.

    With ``reuse``, exports left by an earlier benchmark of the same size
    are kept and None is returned.
    """
    if reuse and (folder / "demo-data" / "manifest.json").exists():
        return None
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "audit", "demo", "--orders", str(size),
                    "--data-only", "--quiet", "--out", str(folder)], check=True)
    return time.perf_counter() - started


def repeated(kind: str, folder: Path, out: Path, times: int) -> dict:
    """Run one measured job ``times`` times; return the report of the median run.

    The machine's speed drifts by several per cent between runs, so a
    single run can favour either side of a comparison.
    """
    return median_report([child(kind, folder, out) for _ in range(times)])


def median_report(reports: list[dict]) -> dict:
    ordered = sorted(reports, key=lambda report: report["total_s"])
    median = ordered[len(ordered) // 2]
    return {**median, "runs_s": [report["total_s"] for report in ordered]}


def side_by_side(folder: Path, base: Path, times: int) -> tuple[dict, dict]:
    """Run the baseline and the tool limited to its rules by turns, ``times`` each.

    Taking turns puts both sides through the same drift of the machine's
    speed, which a block of one side's runs after the other's would not.
    """
    baseline, tool = [], []
    for _ in range(times):
        baseline.append(child("baseline", folder, base / "baseline"))
        tool.append(child("tool-baseline-rules", folder, base / "out-baseline-rules"))
    return median_report(baseline), median_report(tool)


def baseline_inputs(data: Path, folder: Path) -> Path:
    """Link the exports the baseline reads into ``folder``, and nothing else."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name in BASELINE_INPUTS:
        (folder / f"{name}.csv").symlink_to((data / f"{name}.csv").resolve())
    return folder


def benchmark(size: int, work: Path, with_baseline: bool, reuse: bool, times: int) -> dict:
    base = work / f"orders-{size}"
    data = base / "demo-data"
    generated_s = generate(size, base, reuse)
    result = {"orders": size, "generate_s": generated_s, "repeats": times,
              "input_rows": {p.stem: sum(1 for _ in p.open(encoding="utf-8")) - 1
                             for p in sorted(data.glob("*.csv"))}}
    result["tool"] = repeated("tool", data, base / "out", times)
    result["scan_floor"] = child("scan", data, base / "floors")
    result["typed_scan_floor"] = child("typed-scan", data, base / "floors")
    result["zip_floor"] = measure_zip_floor(base / "out" / "exception_register.xlsx")
    if with_baseline:
        same = baseline_inputs(data, base / "baseline-inputs")
        result["baseline"], result["tool_baseline_rules"] = side_by_side(same, base, times)
    return result


def machine() -> dict:
    return {"python": platform.python_version(), "system": platform.platform(),
            "cpus": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
                               / 1024**3, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--work", default="/tmp/order-audit-bench")
    parser.add_argument("--baseline-up-to", type=int, default=1_000_000,
                        help="run the pandas baseline only for sizes up to this; "
                        "it holds every export in memory as Python strings")
    parser.add_argument("--repeat", type=int, default=3,
                        help="run the tool and the baseline this many times for sizes up "
                        "to --baseline-up-to and keep the median run")
    parser.add_argument("--reuse-data", action="store_true",
                        help="keep the exports of an earlier benchmark of the same size")
    parser.add_argument("--render-only", action="store_true",
                        help="rewrite docs/benchmarks.md from benchmarks/results.json")
    parser.add_argument("--child")
    parser.add_argument("--data")
    parser.add_argument("--out")
    arguments = parser.parse_args()
    if arguments.child:
        run_child(arguments.child, Path(arguments.data), Path(arguments.out))
        return
    if arguments.render_only:
        PAGE.write_text(render(json.loads(RESULTS.read_text(encoding="utf-8"))),
                        encoding="utf-8")
        return
    results = {"machine": machine(), "command": _command(arguments), "runs": []}
    for size in (int(s) for s in arguments.sizes.split(",")):
        print(f"benchmarking {size} orders ...", file=sys.stderr)
        small = size <= arguments.baseline_up_to
        results["runs"].append(benchmark(size, Path(arguments.work), small,
                                         arguments.reuse_data,
                                         arguments.repeat if small else 1))
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")
    PAGE.write_text(render(results), encoding="utf-8")
    print(PAGE.read_text(encoding="utf-8"))


def _command(arguments: argparse.Namespace) -> str:
    command = f"python benchmarks/run.py --sizes {arguments.sizes}"
    if arguments.baseline_up_to != 1_000_000:
        command += f" --baseline-up-to {arguments.baseline_up_to}"
    if arguments.repeat != 3:
        command += f" --repeat {arguments.repeat}"
    if arguments.reuse_data:
        command += " --reuse-data"
    return command


def render(results: dict) -> str:
    from benchmarks.page import render_page

    return render_page(results)


if __name__ == "__main__":
    sys.path.insert(0, str(REPOSITORY))
    main()

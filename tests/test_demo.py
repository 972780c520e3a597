"""The demo exports: deterministic files, and a run that finds what was planted."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import rulekit

from audit.config import load_config
from audit.demo import DEMO_AS_OF, MANIFEST_NAME, write_demo
from audit.pipeline import RunOptions, prepare, run_rules
from audit.progress import Progress

ORDER_COUNT = 2000


def _hashes(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
    }


def _run(folder: Path):
    config = load_config()
    config.profile = "canonical"
    config.as_of = DEMO_AS_OF
    run = prepare(RunOptions(config, folder=folder), Progress(quiet=True))
    run_rules(run, Progress(quiet=True))
    return run


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    manifest = write_demo(folder, order_count=ORDER_COUNT)
    run = _run(folder)
    yield manifest, run
    run.close()


@pytest.fixture(scope="module")
def parquet_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo_parquet")
    manifest = write_demo(folder, order_count=500, seed=11, file_format="parquet")
    run = _run(folder)
    yield manifest, run
    run.close()


def _register_keys(run, rule_id: str, key: str) -> set[str]:
    rows = run.con.execute(
        f'SELECT "{key}" FROM register WHERE rule_id = ?', [rule_id]
    ).fetchall()
    return {row[0] for row in rows}


def test_demo_same_seed_identical_files(tmp_path):
    write_demo(tmp_path / "a", order_count=300, seed=3)
    write_demo(tmp_path / "b", order_count=300, seed=3)
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")


def test_demo_same_seed_identical_parquet(tmp_path):
    write_demo(tmp_path / "a", order_count=300, seed=3, file_format="parquet")
    write_demo(tmp_path / "b", order_count=300, seed=3, file_format="parquet")
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")


def test_demo_different_seed_different_orders(tmp_path):
    write_demo(tmp_path / "a", order_count=300, seed=3)
    write_demo(tmp_path / "b", order_count=300, seed=4)
    assert (
        _hashes(tmp_path / "a")["orders.csv"] != _hashes(tmp_path / "b")["orders.csv"]
    )


def test_demo_format_switch_removes_old_files(tmp_path):
    write_demo(tmp_path, order_count=100)
    write_demo(tmp_path, order_count=100, file_format="parquet")
    assert (
        sorted(path.suffix for path in tmp_path.iterdir())
        == [".json"] + [".parquet"] * 6
    )


def test_demo_unknown_format_rejected(tmp_path):
    with pytest.raises(ValueError, match="file_format"):
        write_demo(tmp_path, file_format="xlsx")


def test_demo_manifest_written_beside_exports(tmp_path):
    manifest = write_demo(tmp_path, order_count=100)
    written = (tmp_path / MANIFEST_NAME).read_text(encoding="utf-8")
    assert json.loads(written) == json.loads(manifest.to_json())


def test_demo_manifest_covers_every_rule(demo_run):
    manifest, _ = demo_run
    assert set(manifest.rules) == set(rulekit.rule_ids())


def test_demo_every_case_has_fire_and_near_miss(demo_run):
    manifest, _ = demo_run
    incomplete = [
        rule_id
        for rule_id, case in manifest.rules.items()
        if not case.expected or not case.near_misses
    ]
    assert incomplete == []


def test_demo_every_rule_ran(demo_run):
    _, run = demo_run
    assert [
        (record.rule_id, record.status, record.note)
        for record in run.rule_records
        if record.status != "ran"
    ] == []


@pytest.mark.parametrize("rule_id", rulekit.rule_ids())
def test_demo_rule_finds_planted_case(demo_run, rule_id):
    manifest, run = demo_run
    case = manifest.rules[rule_id]
    missing = set(case.expected) - _register_keys(run, rule_id, case.key)
    assert missing == set()


@pytest.mark.parametrize("rule_id", rulekit.rule_ids())
def test_demo_rule_skips_near_miss(demo_run, rule_id):
    manifest, run = demo_run
    case = manifest.rules[rule_id]
    hit = set(case.near_misses) & _register_keys(run, rule_id, case.key)
    assert hit == set()


def test_demo_near_misses_clean_for_every_rule(demo_run):
    manifest, run = demo_run
    hits = []
    for case in manifest.rules.values():
        for key_value in case.near_misses:
            hits += run.con.execute(
                f'SELECT rule_id, "{case.key}" FROM register WHERE "{case.key}" = ?',
                [key_value],
            ).fetchall()
    assert hits == []


def test_demo_rejections_recorded(demo_run):
    manifest, run = demo_run
    rows = run.con.execute(
        'SELECT input, file, "row", "column", reason_code FROM rejected_rows'
    ).fetchall()
    found = {
        (input_, Path(file).name, row, column, code)
        for input_, file, row, column, code in rows
    }
    expected = {
        (item.input, item.file, item.row, item.column, item.reason_code)
        for item in manifest.rejections
    }
    assert expected - found == set()


def test_demo_rejections_only_planted(demo_run):
    manifest, run = demo_run
    count = run.con.execute('SELECT count(DISTINCT (input, "row")) FROM rejected_rows')
    assert count.fetchone()[0] == len(manifest.rejections)


def test_demo_rows_reconcile(demo_run):
    _, run = demo_run
    unbalanced = [
        record.name
        for record in run.inputs
        if record.rows_read != record.rows_accepted + record.rows_rejected
    ]
    assert unbalanced == []


def test_demo_reads_every_input(demo_run):
    manifest, run = demo_run
    assert {record.name for record in run.inputs} == set(manifest.files)


def test_demo_force_majeure_in_typhoon_region(demo_run):
    manifest, run = demo_run
    rows = run.con.execute(
        "SELECT DISTINCT responsible_party FROM register WHERE order_id IN "
        "(SELECT unnest(?))",
        [manifest.force_majeure["expected"]],
    ).fetchall()
    assert rows == [("force_majeure",)]


def test_demo_no_force_majeure_outside_region(demo_run):
    manifest, run = demo_run
    rows = run.con.execute(
        "SELECT count(*) FROM register WHERE force_majeure IS NOT NULL AND order_id IN "
        "(SELECT unnest(?))",
        [manifest.force_majeure["not_expected"]],
    ).fetchall()
    assert rows == [(0,)]


def test_demo_baseline_mostly_clean(demo_run):
    _, run = demo_run
    flagged, orders = run.con.execute(
        "SELECT (SELECT count(DISTINCT order_id) FROM register "
        "        WHERE order_id NOT LIKE 'P-%'), "
        "(SELECT count(*) FROM orders WHERE order_id NOT LIKE 'P-%')"
    ).fetchone()
    assert flagged / orders < 0.15


def test_demo_baseline_has_natural_exceptions(demo_run):
    _, run = demo_run
    count = run.con.execute(
        "SELECT count(*) FROM register WHERE order_id NOT LIKE 'P-%'"
    ).fetchone()[0]
    assert count > ORDER_COUNT * 0.02


def test_demo_carriers_differ_in_on_time_rate(demo_run):
    _, run = demo_run
    rates = dict(
        run.con.execute(
            "SELECT carrier, avg(CASE WHEN CAST(delivered_at AS DATE) "
            "<= CAST(promised_delivery_by AS DATE) THEN 1.0 ELSE 0.0 END) "
            "FROM orders WHERE delivered_at IS NOT NULL AND order_id NOT LIKE 'P-%' "
            "GROUP BY carrier"
        ).fetchall()
    )
    assert rates["SF Express"] > rates["YTO"]


def test_demo_ids_keep_leading_zeros(demo_run):
    _, run = demo_run
    first = run.con.execute(
        "SELECT (SELECT min(order_id) FROM orders), (SELECT min(sku) FROM order_lines)"
    )
    assert first.fetchone() == ("00000001", "00001")


def test_demo_long_tracking_numbers_kept(demo_run):
    _, run = demo_run
    count = run.con.execute(
        "SELECT count(*) FROM orders WHERE regexp_matches(tracking_no, '^\\d{18,}$')"
    ).fetchone()[0]
    assert count > 0


def test_demo_parquet_rule_finds_planted_cases(parquet_run):
    manifest, run = parquet_run
    missing = {
        rule_id: set(case.expected) - _register_keys(run, rule_id, case.key)
        for rule_id, case in manifest.rules.items()
    }
    assert {rule_id: keys for rule_id, keys in missing.items() if keys} == {}


def test_demo_parquet_rejections_recorded(parquet_run):
    manifest, run = parquet_run
    rows = run.con.execute(
        'SELECT input, "row", reason_code FROM rejected_rows'
    ).fetchall()
    expected = {
        (item.input, item.row, item.reason_code) for item in manifest.rejections
    }
    assert expected - set(rows) == set()

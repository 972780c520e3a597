"""The command line: exit codes, error messages, help."""

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.cli import main

ORDERS_HEADER = "order_id,customer_id,created_at,order_amount,paid_amount\n"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_run_missing_input_path_exits_2(tmp_path):
    result = invoke("run", "--out", str(tmp_path), str(tmp_path / "no-such-folder"))
    assert result.exit_code == 2
    assert "no-such-folder" in result.output


def test_run_missing_orders_file_exits_2(tmp_path):
    result = invoke("run", "--orders", str(tmp_path / "orders.csv"))
    assert result.exit_code == 2
    assert "path not found" in result.output


def test_run_missing_required_column_exits_1(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("order_no,customer_id,order_amount\nA1,C1,10.00\n", encoding="utf-8")
    result = invoke("run", "--quiet", "--out", str(tmp_path / "out"), "--orders", str(orders))
    assert result.exit_code == 1
    assert str(orders) in result.output
    assert "'order_id'" in result.output
    assert "'created_at'" in result.output
    assert "Columns found: order_no, customer_id, order_amount" in result.output


def test_run_missing_column_suggests_close_name(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("order_idd,created_at\nA1,2024-01-01\n", encoding="utf-8")
    result = invoke("run", "--quiet", "--out", str(tmp_path / "out"), "--orders", str(orders))
    assert result.exit_code == 1
    assert "closest: order_idd" in result.output


def test_run_without_input_is_usage_error():
    result = invoke("run")
    assert result.exit_code == 2
    assert "no input given" in result.output


def test_run_unknown_profile_is_usage_error(tmp_path):
    result = invoke("run", "--profile", "nosuch", str(tmp_path))
    assert result.exit_code == 2
    assert "unknown profile 'nosuch'" in result.output


def test_run_bad_period_is_usage_error(tmp_path):
    result = invoke("run", "--period", "2024-13", str(tmp_path))
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output


def test_run_help_documents_formats():
    result = invoke("run", "--help")
    assert result.exit_code == 0
    for text in ("YYYY-MM", "YYYY-MM-DD", "--orders", "--carrier-events", "--quiet"):
        assert text in result.output


def test_no_traceback_without_debug(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_bytes(b"\x00\x01garbage")
    result = invoke("run", "--quiet", "--out", str(tmp_path / "out"), "--orders", str(orders))
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_init_writes_config_with_rule_defaults(tmp_path):
    target = tmp_path / "order-audit.toml"
    result = invoke("init", "--path", str(target))
    assert result.exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert "time_zone" in text
    assert "[rules.delivered_late]" in text


def test_init_refuses_to_overwrite(tmp_path):
    target = tmp_path / "order-audit.toml"
    target.write_text("# mine\n", encoding="utf-8")
    result = invoke("init", "--path", str(target))
    assert result.exit_code == 2
    assert target.read_text(encoding="utf-8") == "# mine\n"


def test_init_from_chinese_export_drafts_profile(tmp_path):
    export = tmp_path / "订单导出.csv"
    export.write_bytes("订单号,下单时间,订单金额,快递公司\n0001,2024-01-01 10:00,12.50,顺丰\n"
                       .encode("gb18030"))
    target = tmp_path / "order-audit.toml"
    result = invoke("init", "--path", str(target), "--from", str(export))
    assert result.exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert 'order_id = "订单号"' in text
    assert 'created_at = "下单时间"' in text
    assert 'carrier = "快递公司"' in text
    assert 'encoding = "gb18030"' in text


def test_rules_lists_every_stage():
    import json

    result = invoke("rules", "--json")
    assert result.exit_code == 0
    records = json.loads(result.output)
    assert len(records) >= 30
    assert {record["category"] for record in records} == {
        "creation", "payment", "inventory", "fulfilment", "cancellation",
        "refund", "after_sales", "complaints", "fraud",
    }
    assert {"id", "title", "category", "severity", "responsible", "needs"} <= set(records[0])


def test_rules_shows_one_rule_in_full():
    result = invoke("rules", "delivered_late")
    assert result.exit_code == 0
    assert "title: Delivered after the promised date" in result.output
    assert "grace_days" in result.output


def test_rules_unknown_id_is_usage_error():
    result = invoke("rules", "no_such_rule")
    assert result.exit_code == 2
    assert "no rule with id 'no_such_rule'" in result.output


BROKEN_RULE = """-- id: broken_rule
-- title: A rule whose SQL does not bind
-- category: creation
-- severity: general
-- responsible: seller
-- time_limit: 1bd
-- action: None.
-- needs: orders.order_id
-- description: Selects a column that does not exist.
SELECT order_id, created_at AS detected_at, NULL AS amount_at_risk,
       no_such_column AS evidence
FROM orders
"""


def test_run_broken_user_rule_fails_before_writing(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken_rule.sql").write_text(BROKEN_RULE, encoding="utf-8")
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,created_at\nA1,2024-01-01 10:00\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("run", "--quiet", "--rules", str(rules), "--out", str(out),
                    "--orders", str(orders))
    assert result.exit_code == 1
    assert "broken_rule.sql" in result.output
    assert "no_such_column" in result.output
    assert not out.exists() or not list(out.glob("*.xlsx"))


def test_run_user_rule_adds_exceptions(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "big_order.sql").write_text(
        BROKEN_RULE.replace("broken_rule", "big_order")
        .replace("no_such_column AS evidence", "'Order over 100' AS evidence")
        .replace("FROM orders", "FROM orders WHERE order_amount > $limit")
        .replace("-- description:", "-- param limit: 100  amount above which an order is big\n-- description:"),
        encoding="utf-8")
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,created_at,order_amount\nA1,2024-01-01 10:00,150\n"
                      "A2,2024-01-01 10:00,50\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("run", "--quiet", "--rules", str(rules), "--out", str(out),
                    "--orders", str(orders))
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    sheet = load_workbook(out / "exception_register.xlsx")["Register"]
    rule_ids = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert rule_ids.count("big_order") == 1


def test_run_wrong_profile_names_better_fit(olist_dir, tmp_path):
    result = invoke("run", "--quiet", "--profile", "canonical", "--out",
                    str(tmp_path / "out"), str(olist_dir))
    assert result.exit_code == 1
    assert "--profile olist" in result.output


def register_rows(path):
    from openpyxl import load_workbook

    sheet = load_workbook(path)["Register"]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    return header, [list(row) for row in rows]


def late_delivery_orders(folder: Path) -> Path:
    """Write an orders export with one order delivered two days late."""
    orders = folder / "orders.csv"
    orders.write_text(
        "order_id,created_at,promised_delivery_by,delivered_at\n"
        "A1,2024-03-01 10:00,2024-03-04,2024-03-06 10:00\n", encoding="utf-8")
    return orders


def test_rerun_carries_reviewer_columns_forward(tmp_path):
    from openpyxl import load_workbook

    orders = late_delivery_orders(tmp_path)
    out = tmp_path / "out"
    args = ["run", "--quiet", "--as-of", "2024-03-10", "--out", str(out),
            "--orders", str(orders)]
    assert invoke(*args).exit_code == 0
    path = out / "exception_register.xlsx"
    workbook = load_workbook(path)
    sheet = workbook["Register"]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(2, header.index("owner") + 1, "Li Wei")
    sheet.cell(2, header.index("status") + 1, "in progress")
    sheet.cell(2, header.index("notes") + 1, "carrier asked")
    workbook.save(path)

    result = invoke(*args)
    assert result.exit_code == 0
    assert "edited copy is kept" in result.output
    header, rows = register_rows(path)
    row = rows[0]
    assert row[header.index("owner")] == "Li Wei"
    assert row[header.index("status")] == "in progress"
    assert row[header.index("notes")] == "carrier asked"
    assert len(list(out.glob("exception_register.edited-*.xlsx"))) == 1


def test_run_warns_about_cleaned_text(tmp_path):
    # The bad amount is listed in the Rejected rows sheet, where the control
    # character must go and the text must be cut.
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,created_at,order_amount\nA1,2024-03-01 09:00,10.00\n"
        f'A2,2024-03-01 09:00,"bell\x07 {"x" * 40000}"\n', encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("run", "--quiet", "--as-of", "2024-03-20", "--out", str(out),
                    "--orders", str(orders))
    assert result.exit_code == 0, result.output
    assert "control character(s) that Excel cannot store were removed" in result.output
    assert "were cut and marked" in result.output


def test_chinese_register_shows_labels(tmp_path):
    from openpyxl import load_workbook

    orders = late_delivery_orders(tmp_path)
    out = tmp_path / "out"
    result = invoke("run", "--quiet", "--lang", "zh-CN", "--as-of", "2024-03-10",
                    "--out", str(out), "--orders", str(orders))
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out / "exception_register.xlsx")
    sheet = workbook["异常登记表"]
    header = [cell.value for cell in sheet[1]]
    row = [cell.value for cell in sheet[2]]
    assert row[header.index("规则编号")] == "delivered_late"
    assert row[header.index("类别")] == "发货配送"
    assert row[header.index("责任方")] == "承运商"
    # Severity keeps its code so the template's conditional formatting applies.
    assert row[header.index("严重程度")] in ("general", "important", "urgent")


def test_debug_after_subcommand_shows_traceback(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,created_at\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "--debug", "--quiet", "--out",
                                       str(tmp_path / "out"), "--orders", str(orders)])
    assert result.exit_code == 1
    assert result.exception is not None
    assert "nothing to audit" in str(result.exception)


def test_run_warns_about_period_without_orders(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,created_at\nA1,2024-03-01 09:00\n", encoding="utf-8")
    result = invoke("run", "--quiet", "--period", "2030-01", "--out",
                    str(tmp_path / "out"), "--orders", str(orders))
    assert result.exit_code == 0, result.output
    assert "no order was created in the period 2030-01" in result.output
    assert "2024-03-01 to 2024-03-01" in result.output


def test_run_writes_rejected_rows_whole_to_parquet(tmp_path):
    import duckdb

    long_value = "y" * 40000
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,created_at,order_amount\nA1,2024-03-01 09:00,10.00\n"
                      f"A2,2024-03-01 09:00,{long_value}\n", encoding="utf-8")
    out = tmp_path / "out's"
    result = invoke("run", "--quiet", "--as-of", "2024-03-20", "--out", str(out),
                    "--orders", str(orders))
    assert result.exit_code == 0, result.output
    values = duckdb.execute(
        "SELECT value FROM read_parquet(?)", [str(out / "rejected_rows.parquet")]
    ).fetchall()
    assert values == [(long_value,)]


def test_run_spill_folder_removed(tmp_path, monkeypatch):
    import tempfile

    from audit.config import load_config
    from audit.pipeline import open_database

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()
    config_path = tmp_path / "order-audit.toml"
    config_path.write_text('[run]\nmemory_limit = "300MB"\n', encoding="utf-8")
    with open_database(load_config(config_path), tmp_path / "spill") as con:
        limit, folder, threshold = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory'), "
            "current_setting('checkpoint_threshold')").fetchall()[0]
    assert limit in ("286.1 MiB", "300.0 MB")
    assert folder == str(tmp_path / "spill")
    # A checkpoint costs time and gains nothing for a database of one run.
    assert threshold.endswith("TiB"), threshold

    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,created_at\nA1,2024-03-01 09:00\n", encoding="utf-8")
    result = invoke("run", "--quiet", "--config", str(config_path), "--out",
                    str(tmp_path / "out"), "--orders", str(orders))
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "temp").iterdir()) == []


@pytest.mark.parametrize("limit", ["lots", "-1GB"])
def test_run_bad_memory_limit_is_a_configuration_error(tmp_path, limit):
    config_path = tmp_path / "order-audit.toml"
    config_path.write_text(f'[run]\nmemory_limit = "{limit}"\n', encoding="utf-8")
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,created_at\nA1,2024-03-01 09:00\n", encoding="utf-8")
    result = invoke("run", "--quiet", "--config", str(config_path), "--out",
                    str(tmp_path / "out"), "--orders", str(orders))
    assert result.exit_code == 2
    assert f"run.memory_limit '{limit}' is not a memory size" in result.output


def test_run_with_amounts_near_the_decimal_limit(tmp_path):
    # Amount outliers are scored in DOUBLE; in DECIMAL(18,2) the scaled
    # deviation of such amounts overflowed.
    rows = "".join(f"{n:04d},C,2024-01-{n:02d} 10:00:00,{8613800000000 if n % 2 else 123}\n"
                   for n in range(1, 11))
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS_HEADER.replace(",paid_amount", "") + rows, encoding="utf-8")
    result = invoke("run", "--quiet", "--as-of", "2024-02-01", "--out",
                    str(tmp_path / "out"), "--orders", str(orders))
    assert result.exit_code == 0, result.output


def test_run_out_of_memory_names_the_limit(tmp_path):
    from audit.demo import write_demo

    write_demo(tmp_path / "data", order_count=2000)
    config_path = tmp_path / "order-audit.toml"
    config_path.write_text('[run]\nmemory_limit = "2MB"\n', encoding="utf-8")
    result = invoke("run", "--quiet", "--config", str(config_path), "--out",
                    str(tmp_path / "out"), str(tmp_path / "data"))
    assert result.exit_code == 1
    assert "ran out of memory" in result.output
    assert "memory_limit" in result.output
    assert "bug" not in result.output


def test_run_terminated_removes_its_spill_folder(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from audit.demo import write_demo

    write_demo(tmp_path / "data", order_count=20000)
    temp = tmp_path / "temp"
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "audit", "run", "--quiet", "--out", str(tmp_path / "out"),
         str(tmp_path / "data")],
        env={**os.environ, "TMPDIR": str(temp)}, stderr=subprocess.PIPE, text=True)
    # Wait until the run has made its spill folder, then stop it.
    deadline = time.monotonic() + 60
    while not list(temp.glob("order-audit-spill-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 130, errors
    assert "interrupted" in errors
    assert list(temp.iterdir()) == []


def test_closed_output_ends_quietly():
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "audit", "rules"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The read end is closed before the command writes its first line.
    process.stdout.close()
    errors = process.stderr.read()
    process.wait(timeout=120)
    assert process.returncode == 141
    assert errors == ""


def test_run_writes_only_the_chosen_workbooks(tmp_path):
    import json

    orders = late_delivery_orders(tmp_path)
    out = tmp_path / "out"
    result = invoke("run", "--as-of", "2024-03-10", "--out", str(out),
                    "--workbook", "refund_check", "--workbook", "register",
                    "--orders", str(orders))
    assert result.exit_code == 0, result.output
    written = [str(out / "exception_register.xlsx"), str(out / "refund_check.xlsx")]
    assert result.output.strip().splitlines()[-2:] == written
    assert not (out / "review_pack.xlsx").exists()
    # Statistics and charts serve the review pack alone, so they are skipped.
    assert not (out / "charts").exists()
    assert "statistics" not in result.output
    record = json.loads((out / "run_record.json").read_text(encoding="utf-8"))
    assert record["workbooks"] == written


def test_workbooks_left_out_keep_an_earlier_run(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,created_at\nA1,2024-03-01 10:00\n", encoding="utf-8")
    out = tmp_path / "out"
    base = ["run", "--quiet", "--as-of", "2024-03-10", "--out", str(out),
            "--orders", str(orders)]
    assert invoke(*base).exit_code == 0
    pack = (out / "review_pack.xlsx").read_bytes()
    config = tmp_path / "order-audit.toml"
    config.write_text('[run]\nworkbooks = ["register"]\n', encoding="utf-8")
    result = invoke(*base, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [str(out / "exception_register.xlsx")]
    assert (out / "review_pack.xlsx").read_bytes() == pack
    # The register's Parquet copy goes with the register workbook.
    register = [(out / name).read_bytes()
                for name in ("exception_register.xlsx", "exception_register.parquet")]
    result = invoke(*base, "--workbook", "review_pack")
    assert result.exit_code == 0, result.output
    assert [(out / name).read_bytes()
            for name in ("exception_register.xlsx", "exception_register.parquet")] == register


@pytest.mark.parametrize("setting, message, fix", [
    ('["register", "Review_Pack"]', "run.workbooks names unknown workbook(s): 'Review_Pack'",
     "Choose from register, review_pack, refund_check, written in lower case."),
    ('"register"', "run.workbooks must be a list of workbook names",
     'such as workbooks = ["register", "review_pack", "refund_check"]'),
    ("[]", "run.workbooks is empty", "Choose from register, review_pack, refund_check"),
])
def test_bad_workbooks_setting_is_a_configuration_error(tmp_path, setting, message, fix):
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,created_at\nA1,2024-03-01 10:00\n", encoding="utf-8")
    config = tmp_path / "order-audit.toml"
    config.write_text(f"[run]\nworkbooks = {setting}\n", encoding="utf-8")
    result = invoke("run", "--quiet", "--config", str(config), "--out",
                    str(tmp_path / "out"), "--orders", str(orders))
    assert result.exit_code != 0
    assert message in result.output
    assert fix in result.output
    assert not (tmp_path / "out").exists()


def test_unknown_workbook_option_is_usage_error(tmp_path):
    result = invoke("run", "--workbook", "pareto", str(tmp_path))
    assert result.exit_code == 2
    assert "'pareto' is not one of 'register', 'review_pack', 'refund_check'" in result.output

"""How a sheet was read, shown (`validate --explain`, the JSON report's ``reading``), and
pinned where opsbook guessed (`[tables."Sheet name"]` in opsbook.toml) — issue 26."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from openpyxl import Workbook

from opsbook.config import load_config
from opsbook.engine import as_of_moment
from opsbook.errors import ConfigError
from opsbook.pipeline import check_file

HEAD = ["用戶編號", "戶名", "用戶類型", "檢查日期", "安檢員"]


def _workbook(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "安檢"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "opsbook", "validate", *map(str, args), "--as-of", "2026-11-26"],
        capture_output=True,
        text=True,
    )


def test_explain_and_the_json_reading_say_how_the_sheet_was_read(tmp_path):
    path = _workbook(
        tmp_path / "explained.xlsx",
        [
            ["2025年下半年 安檢記錄"],
            HEAD,
            ["C1", "王", "民用", "10月13日", "趙"],
            [],
            ["用戶編號", "戶名", "用戶類型", "檢查日期", "安檢員"],
            ["C2", "李", "民用", "11月2日", "趙"],
        ],
    )
    report = tmp_path / "r.json"
    run = _run(path, "--explain", "--report", report, "--lang", "en")
    assert run.returncode in (0, 1), run.stderr
    out = run.stdout
    assert "安檢 (inspections): header row 2; date system 1900" in out
    assert "inspected_on" in out and "← D" in out and "「檢查日期」" in out
    assert "year from 2025 (sheet name or title)" in out
    assert "blank 4" in out and "header repeated 5" in out
    reading = json.loads(report.read_text())["files"][0]["tables"][0]["reading"]
    assert reading["header_rows"] == [2]
    assert reading["columns"]["inspected_on"] == {"header": "檢查日期", "column": "D"}
    assert reading["date_system"] == 1900
    assert reading["skipped"] == {"blank": [4], "header_repeats": [5]}


def test_pins_in_opsbook_toml_fix_a_misread(tmp_path):
    # Two candidate header rows: the finder takes the fuller first one; the team's real
    # header is row 3, where 檢查日期 is typed as 日期 (no alias) and the year is unknown.
    path = _workbook(
        tmp_path / "pinned.xlsx",
        [
            ["用戶編號", "戶名", "用戶類型", "檢查日期", "安檢員"],
            ["（以上為範例，以下為正式記錄）"],
            ["用戶編號", "戶名", "用戶類型", "日期", "安檢員", "檢查日期"],
            ["C1", "王", "民用", "10月13日", "趙", "備用欄"],
        ],
    )
    (tmp_path / "opsbook.toml").write_text(
        '[tables."安檢"]\nheader_row = 3\nyear = 2024\ncolumns = { inspected_on = "D" }\n',
        encoding="utf-8",
    )
    settings = load_config(near=path)
    checked = check_file(path, settings, as_of_moment("2026-11-26"))
    info = checked.report.files[0].tables[0]
    assert info.header_row == 3
    assert info.reading["columns"]["inspected_on"] == {"header": "日期", "column": "D"}
    assert "2024 (opsbook.toml)" in info.reading["years"]["inspected_on"]
    table = checked.tables["inspections"][0]
    assert table.data["inspected_on"].dt.year.tolist() == [2024]
    unpinned = check_file(path, load_config(), as_of_moment("2026-11-26"))
    assert unpinned.report.files[0].tables[0].header_row == 1  # the guess the pins correct


@pytest.mark.parametrize(
    "toml, says",
    [
        ('[tables."安檢"]\nheader = 3\n', 'unknown setting tables."安檢".header'),
        ('[tables."安檢"]\nheader_row = "3"\n', "header_row must be int"),
        ('[tables."安檢"]\ncolumns = { inspected_on = 4 }\n', "column letter or a header"),
    ],
)
def test_a_wrong_pin_is_one_clear_line(tmp_path, toml, says):
    (tmp_path / "opsbook.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=says.replace(".", r"\.").replace('"', '"')):
        load_config(near=tmp_path / "x.xlsx")

"""`opsbook excel selftest` end to end with Excel stood in (tests/excel_standin.py
StandInDriver): every step runs, the report has its stable format, and every step passes but
the one only a real screen can do.  `pytest -m excel` runs it against Microsoft Excel."""

from __future__ import annotations

import sys

import pytest
from excel_standin import StandInDriver

from opsbook.excel.selftest import FORMAT, run_selftest


def steps(report_text: str) -> dict[str, tuple[str, str]]:
    out = {}
    for line in report_text.splitlines()[1:]:
        kind, *rest = line.split("\t")
        if kind == "step":
            name, status, seconds, detail = rest
            float(seconds)
            out[name] = (status, detail)
    return out


@pytest.mark.slow
def test_selftest_runs_end_to_end_against_the_stand_in(tmp_path):
    report_path = tmp_path / "report.txt"
    report = run_selftest(StandInDriver(), tmp_path / "work", report_path)
    text = report_path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"opsbook excel selftest report\t{FORMAT}"
    assert all(len(line.split("\t")) in (3, 5) for line in text.splitlines()[1:])
    found = steps(text)
    for stem in ("發布日誌", "入戶安檢記錄", "平面設計費用"):
        for step in (
            "validate_output",
            "validate",
            "summarize",
            "clear",
            "insert_row",
            "rename_sheet",
        ):
            assert f"{stem}.{step}" in found, (stem, step)
    assert {"build.addin", "compile.opsbook.xlam", "formula.OPS_CHECK_ROW"} <= set(found)
    assert "runpython.OpsClear" in found  # the macro's own RunPython command, run
    assert found.pop("ribbon.screenshot")[0] == "error"  # said, not faked
    failed = {k: v for k, v in found.items() if v[0] != "pass"}
    assert not failed, failed
    assert "cell by cell" in found["發布日誌.validate"][1]
    assert not report.ok  # the screenshot is missing


def test_a_failing_step_never_stops_the_others(tmp_path):
    class Broken(StandInDriver):
        def compile_check(self, path):
            raise OSError("Excel is not installed")

        def open(self, path):
            raise OSError("cannot open")

    report = run_selftest(Broken(), tmp_path / "work", tmp_path / "r.txt")
    found = steps((tmp_path / "r.txt").read_text(encoding="utf-8"))
    assert (
        found["compile.opsbook.xlam"][0] == "error"
        and "OSError" in found["compile.opsbook.xlam"][1]
    )
    assert found["formula.OPS_IS_WORKDAY"][0] == "pass"  # the later steps still ran
    assert found["發布日誌.validate_output"][0] == "pass"
    assert not report.ok


@pytest.mark.excel
@pytest.mark.skipif(sys.platform != "win32", reason="needs Microsoft Excel on Windows")
def test_selftest_in_excel(tmp_path):  # pragma: no cover - runs where Excel does
    from opsbook.excel.selftest import ExcelDriver

    driver = ExcelDriver()
    try:
        report = run_selftest(driver, tmp_path / "work", tmp_path / "selftest.txt")
    finally:
        driver.close_all()
    print((tmp_path / "selftest.txt").read_text(encoding="utf-8"))
    assert report.ok


@pytest.mark.skipif(sys.platform == "win32", reason="the refusal off Windows")
def test_selftest_command_says_it_needs_excel_off_windows(tmp_path):
    from click.testing import CliRunner

    from opsbook.cli import cli

    result = CliRunner().invoke(cli, ["excel", "selftest", "--report", str(tmp_path / "r.txt")])
    assert result.exit_code == 2 and "Windows" in result.output
    assert not (tmp_path / "r.txt").exists()

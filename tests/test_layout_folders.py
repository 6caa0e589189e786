"""A folder given to `validate` is searched recursively (issue 26): each team's workbooks in a
folder of their own, skipping hidden folders, lock files, backups and opsbook's own output."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from opsbook.overview.model import NO_TEAM, team_of
from opsbook.pipeline import workbook_files

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "workbooks" / "平面設計費用.xlsx"
PATTERN = r"([^/_\-－ ]+)[_\-－ ][^/]*$"


def _office(tmp_path: Path) -> Path:
    inbox = tmp_path / "收件"
    for rel in [
        "東區/設計費用.xlsx",
        "西區/2026/設計費用.xlsm",
        ".git/設計費用.xlsx",  # a hidden folder
        "東區/~$設計費用.xlsx",  # Excel's lock file
        "東區/設計費用.opsbook-backup.xlsx",  # opsbook's backup
        "checked/設計費用.xlsx",  # the run's own output folder
        "東區/說明.txt",
    ]:
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE, inbox / rel)
    return inbox


def test_a_folder_is_searched_recursively_skipping_what_is_not_a_workbook(tmp_path):
    inbox = _office(tmp_path)
    found = workbook_files([inbox], skip=[inbox / "checked"])
    assert [p.relative_to(inbox).as_posix() for p in found] == [
        "東區/設計費用.xlsx",
        "西區/2026/設計費用.xlsm",
    ]


def test_no_recursive_keeps_the_old_behaviour(tmp_path):
    inbox = _office(tmp_path)
    shutil.copy(SAMPLE, inbox / "top.xlsx")
    assert [p.name for p in workbook_files([inbox], recursive=False)] == ["top.xlsx"]


def test_the_team_comes_from_the_folder_when_the_name_has_none():
    assert team_of("收件/東區/設計費用.xlsx", PATTERN) == "東區"
    assert team_of("收件/東區/西區_設計費用.xlsx", PATTERN) == "西區"  # the name says it
    assert team_of("設計費用.xlsx", PATTERN) == NO_TEAM


def test_validate_on_a_folder_of_team_folders(tmp_path):
    inbox = _office(tmp_path)
    out = inbox / "checked"
    run = subprocess.run(
        [sys.executable, "-m", "opsbook", "validate", str(inbox), "--as-of", "2026-11-26"]
        + ["--output", str(out), "--jobs", "1"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, run.stderr  # the sample has errors: found, not "no workbooks"
    assert "no .xlsx/.xlsm workbooks found" not in run.stderr
    assert sorted(p.name for p in out.rglob("*.xls*")) == ["設計費用.xlsm", "設計費用.xlsx"]
    again = subprocess.run(
        [sys.executable, "-m", "opsbook", "validate", str(inbox), "--no-recursive"],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 2 and "no .xlsx/.xlsm workbooks found" in again.stderr

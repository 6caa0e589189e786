"""The public API (opsbook.check / annotate / clear) and the README example that shows it."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from paths import ROOT

import opsbook

POSTS = "發布日誌.xlsx"


def test_the_readme_example_runs(samples):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## From Python") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    assert (samples / "checked.xlsx").exists()
    # cleared at the end
    assert "違規清單" not in load_workbook(samples / "checked.xlsx").sheetnames


def test_check_returns_the_same_violations_as_the_command(samples):
    from opsbook.config import load_config
    from opsbook.engine import as_of_moment
    from opsbook.pipeline import check_file

    checked = opsbook.check(samples / "workbooks" / POSTS, as_of="2026-11-26")
    batch = check_file(samples / "workbooks" / POSTS, load_config(), as_of_moment("2026-11-26"))
    assert checked.report.frame.equals(batch.report.frame)
    assert len(checked.report.frame) == 18 and checked.summaries


def test_annotate_writes_marks_and_lang_follows(samples):
    out = samples / "en.xlsx"
    checked = opsbook.annotate(samples / "workbooks" / POSTS, out, as_of="2026-11-26", lang="en")
    assert checked.report.files[0].output == str(out)
    assert checked.report.frame["message"].equals(checked.report.frame["message_en"])
    assert "違規清單" in load_workbook(out).sheetnames
    assert opsbook.clear(out, backup=False) is True
    assert opsbook.clear(out, backup=False) is False


def test_an_unreadable_workbook_raises_one_line(samples):
    bad = samples / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(opsbook.OpsbookError) as info:
        opsbook.check(bad)
    assert "\n" not in str(info.value)
    with pytest.raises(opsbook.OpsbookError):
        opsbook.clear(bad)

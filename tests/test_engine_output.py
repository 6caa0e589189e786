"""The engine decides, the outputs present: violations as one columnar table of templates and
parameters, not-checked items as records with a reason code, messages rendered per language."""

from __future__ import annotations

from click.testing import CliRunner
from helpers import AS_OF, settings

from opsbook.cli import cli
from opsbook.engine import as_of_moment, check_sheets
from opsbook.kinds import all_rules
from opsbook.messages import render, violation_frame
from opsbook.report import VIOLATION_DATA, VIOLATION_FIELDS, NotChecked, Reason
from opsbook.workbook.reader import SheetValues

H = ["平台", "標題", "發布日期", "審核人", "負責人"]
ROWS = [["官網", "a", "2026-10-05", None, "張"], ["官網", "b", "2026-10-06", None, "張"]]


def engine(lang="zh-Hant", rows=ROWS):
    return check_sheets(
        [SheetValues("發布日誌", [H, *rows])],
        "t.xlsx",
        settings(general__language=lang),
        as_of_moment(AS_OF),
    )


def test_violations_are_data_without_a_language():
    checked = engine()
    data = checked.violations
    assert list(data.columns) == VIOLATION_DATA and "message" not in data
    missing = data[data["rule"] == "posts.website.review_missing"]
    assert list(missing["row"]) == [2, 3] and set(missing["clause"]) == {"R1-4.2.3"}
    rule = next(r for r in all_rules() if r.id == "posts.website.review_missing")
    assert set(missing["template"]) == {rule.message} and set(missing["template_en"]) == {
        rule.message_en
    }
    assert (
        dict(zip(missing["param_names"].iloc[0], missing["params"].iloc[0]))["header"] == "審核人"
    )
    assert len(checked.report.frame) == 0  # nothing rendered until an output asks


def test_not_checked_is_a_record_with_a_reason_code():
    checked = engine()
    reasons = {n.reason for n in checked.not_checked}
    assert all(isinstance(n, NotChecked) for n in checked.not_checked)
    assert Reason.MISSING_COLUMN in reasons or Reason.MISSING_TABLE in reasons
    roster = next(n for n in checked.not_checked if n.reason is Reason.MISSING_TABLE)
    assert ("人員表", "roster") in roster.detail


def test_messages_rendered_in_each_language():
    data = engine().violations
    zh, en, hans = (violation_frame(data, lang) for lang in ("zh-Hant", "en", "zh-Hans"))
    assert list(zh.columns) == VIOLATION_FIELDS
    assert (zh["message_en"] == en["message"]).all() and (en["message"] == en["message_en"]).all()
    assert zh["message"].str.contains("審核").any() and hans["message"].str.contains("审核").any()


def test_not_checked_reasons_follow_the_language():
    en = render(engine(), "en").report.not_checked
    zh = render(engine(), "zh-Hant").report.not_checked
    assert any(n["reason"].startswith("missing sheet: 人員表 (roster)") for n in en)
    assert any(n["reason"].startswith("缺少工作表：人員表 (roster)") for n in zh)
    assert all(set(n) == {"file", "sheet", "rule", "clause", "reason"} for n in en)


def test_lang_en_makes_the_console_english(tmp_path):
    from helpers import write_xlsx

    path = write_xlsx(tmp_path / "p.xlsx", {"發布日誌": [H, *ROWS]})
    out = CliRunner().invoke(cli, ["validate", str(path), "--as-of", AS_OF, "--lang", "en"]).output
    summary = [ln for ln in out.splitlines() if "errors" in ln]
    assert any("header on row 1, 2 data rows" in ln for ln in summary)
    assert out.splitlines()[-1].startswith("Total: 1 files,")
    assert "錯誤" not in out and "未檢查" not in out and "rules not checked:" in out
    assert "missing sheet: 人員表 (roster)" in out


def test_skipped_sheets_are_records_rendered_in_the_language():
    from opsbook.report import Skip

    sheets = [SheetValues("發布日誌", [H, *ROWS]), SheetValues("備註", [["隨便"], ["x"]])]
    checked = check_sheets(sheets, "t.xlsx", settings(), as_of_moment(AS_OF))
    assert [(s.sheet, s.reason) for s in checked.skipped] == [("備註", Skip.NO_KNOWN_TABLE)]
    en = render(check_sheets(sheets, "t.xlsx", settings(), as_of_moment(AS_OF)), "en")
    zh = render(check_sheets(sheets, "t.xlsx", settings(), as_of_moment(AS_OF)), "zh-Hant")
    assert en.report.files[0].skipped_sheets == [{"sheet": "備註", "reason": "no known table"}]
    assert zh.report.files[0].skipped_sheets == [
        {"sheet": "備註", "reason": "不是可識別的表格 (no known table)"}
    ]


def test_a_summary_sheets_reason_follows_lang(tmp_path):
    """A sheet whose header words match but whose dates are month labels (a printed
    summary) is skipped with its reason in the output language, the console's and the
    JSON report's alike: English under --lang en, Simplified under zh-Hans."""
    import json

    from helpers import write_xlsx

    pivot = [H, ["官網", "a", "4月", None, "張"], ["官網", "b", "5月", None, "張"]]
    path = write_xlsx(
        tmp_path / "log_and_monthly_summary.xlsx", {"發布日誌": [H, *ROWS], "月度統計": pivot}
    )
    reasons = {}
    for lang in ("en", "zh-Hans", "zh-Hant"):
        report = tmp_path / f"{lang}.json"
        args = ["validate", str(path), "--as-of", AS_OF, "--lang", lang, "--report", str(report)]
        out = CliRunner().invoke(cli, args).output
        (skipped,) = json.loads(report.read_text("utf-8"))["files"][0]["skipped_sheets"]
        assert skipped["sheet"] == "月度統計"
        assert skipped["reason"] in out  # the console says the same
        reasons[lang] = skipped["reason"]
    assert reasons["en"] == (
        "column '發布日期': 2 of its 2 values are not dates (e.g. '4月'): a summary or pivot table, not records"
    )
    assert reasons["zh-Hant"].startswith("「發布日期」欄 2 個值中 2 個不是日期（如「4月」）")
    assert "統計表或樞紐表" in reasons["zh-Hant"] and "统计表或枢纽表" in reasons["zh-Hans"]

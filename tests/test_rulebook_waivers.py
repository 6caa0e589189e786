"""Approved exceptions (例外) as data, each tested both ways: a waiver that waives, one that
does not (expired, no approver, another record), and a deadline extension kept and broken."""

from __future__ import annotations

import datetime as dt

from helpers import check, settings

from opsbook.rulebook.check import problems
from opsbook.rulebook.model import dump_toml, from_kinds, load
from opsbook.rulebook.waivers import NO_APPROVER, Waiver
from opsbook.rulebook.xlsx import write_xlsx

POSTS = [
    ["平台", "標題", "類別", "負責人", "發布時間", "審核人", "審核日期"],
    ["公眾號", "秋季講座", "行業資訊", "張", dt.datetime(2026, 10, 12, 9), None, None],
    ["公眾號", "冬季講座", "行業資訊", "張", dt.datetime(2026, 10, 13, 9), None, None],
]
RULE = "posts.new_media.review_missing"
WAIVER_HEAD = [
    "規則或條文",
    "工作表",
    "列",
    "鍵",
    "核准人",
    "理由",
    "核准日期",
    "有效至",
    "新到期日",
]


def waived_rows(checked, rule=RULE):
    f = checked.report.frame
    return sorted(f.loc[f["rule"] == rule, "row"])


def test_workbook_waiver_by_sheet_and_row_waives_that_record_only():
    assert waived_rows(check({"發布日誌": POSTS})) == [2, 3]
    waiver = [
        RULE,
        "發布日誌",
        2,
        None,
        "王總",
        "講者臨時更換，口頭審核",
        dt.date(2026, 10, 12),
        None,
        None,
    ]
    checked = check({"發布日誌": POSTS, "例外": [WAIVER_HEAD, waiver]})
    assert waived_rows(checked) == [3]
    (line,) = checked.report.summaries["waived"]
    assert (line["row"], line["approver"], line["rule"]) == (2, "王總", RULE)
    assert line["waiver"] == "例外!A2"
    assert "例外" not in [s.sheet for s in checked.skipped]
    # listed apart from the violations, on its own sheet of the annotated workbook
    (sheet,) = [s for s in checked.summaries if s.name == "已豁免"]
    assert sheet.blocks[0].frame[["儲存格", "核准人"]].values.tolist() == [["F2", "王總"]]


def test_waived_sheet_written_into_the_annotated_copy(tmp_path):
    from helpers import write_xlsx
    from openpyxl import load_workbook

    from opsbook.engine import as_of_moment
    from opsbook.pipeline import check_and_write

    waiver = [RULE, "發布日誌", 2, None, "王總", "口頭審核", dt.date(2026, 10, 12), None, None]
    book = write_xlsx(tmp_path / "log.xlsx", {"發布日誌": POSTS, "例外": [WAIVER_HEAD, waiver]})
    out = tmp_path / "out.xlsx"
    report = check_and_write(book, as_of_moment("2026-11-26"), output=out)
    assert [v.row for v in report.violations() if v.rule == RULE] == [3]
    wb = load_workbook(out)
    assert "已豁免" in wb.sheetnames
    values = [c for row in wb["已豁免"].iter_rows(values_only=True) for c in row if c]
    assert "王總" in values and "口頭審核" in values


def test_waiver_by_clause_and_key():
    waiver = ["R1-5.2.3", None, None, "冬季講座", "王總", "補審", None, None, None]
    checked = check({"發布日誌": POSTS, "例外": [WAIVER_HEAD, waiver]})
    assert waived_rows(checked) == [2]


def test_expired_waiver_stops_waiving():
    as_of = "2026-11-26"
    valid = [RULE, "發布日誌", 2, None, "王總", "", None, dt.date(2026, 11, 26), None]
    expired = [RULE, "發布日誌", 3, None, "王總", "", None, dt.date(2026, 11, 25), None]
    checked = check({"發布日誌": POSTS, "例外": [WAIVER_HEAD, valid, expired]}, as_of=as_of)
    assert waived_rows(checked) == [3]  # row 2 waived through the as-of day, row 3's ran out


def test_waiver_without_approver_is_a_finding_and_waives_nothing():
    waiver = [RULE, "發布日誌", 2, None, None, "忘了簽", None, None, None]
    checked = check({"發布日誌": POSTS, "例外": [WAIVER_HEAD, waiver]})
    f = checked.report.frame
    assert waived_rows(checked) == [2, 3]
    (finding,) = f[f["rule"] == NO_APPROVER].itertuples()
    assert (finding.sheet, finding.cell, finding.clause) == ("例外", "E2", "R1-5.2.3")
    assert "未填核准人" in finding.message
    assert checked.report.summaries.get("waived", []) == []


# A deadline extension (R3-3.6) is a waiver with a new due date ------------------------------

DESIGN = [["申請單號", "需求部門", "設計項目", "計劃完成日期", "實際完成日期"]]


def design(item: str, delivered: dt.date):
    return [item, "市場部", item, dt.date(2026, 9, 7), delivered]


def test_extension_waives_until_its_new_due_date_and_not_after():
    rows = [design("海報", dt.date(2026, 9, 10)), design("宣傳冊", dt.date(2026, 9, 14))]
    plain = check({"平面設計費用": DESIGN + rows})
    assert waived_rows(plain, "design_costs.delivered_late") == [2, 3]
    extensions = [
        [
            "design_costs.delivered_late",
            None,
            None,
            "海報",
            "周",
            "供應商延誤",
            None,
            None,
            dt.date(2026, 9, 10),
        ],
        ["R3-3.6", None, None, "宣傳冊", "周", "改稿", None, None, dt.date(2026, 9, 11)],
    ]
    checked = check({"平面設計費用": DESIGN + rows, "例外": [WAIVER_HEAD, *extensions]})
    f = checked.report.frame
    late = f[f["rule"] == "design_costs.delivered_late"]
    assert list(late["row"]) == [3]  # 海報 delivered on its new date; 宣傳冊 3 days past it
    assert "已延期至 2026-09-11，仍逾期" in late["message"].iloc[0]
    assert [w["row"] for w in checked.report.summaries["waived"]] == [2]


# Waivers kept in the rulebook ----------------------------------------------------------------


def test_rulebook_waivers_both_forms(tmp_path):
    book = from_kinds(settings(), "posts")
    book.waivers = [
        Waiver(
            RULE,
            sheet="發布日誌",
            row=3,
            approver="王總",
            reason="補審",
            approved_on=dt.date(2026, 10, 14),
        )
    ]
    for suffix in (".toml", ".xlsx"):
        path = tmp_path / f"規則{suffix}"
        path.write_text(dump_toml(book), encoding="utf-8") if suffix == ".toml" else write_xlsx(
            book, path
        )
        loaded = load(path)
        assert [(w.rule, w.row, w.approver, w.approved_on) for w in loaded.waivers] == [
            (RULE, 3, "王總", dt.date(2026, 10, 14))
        ]
        assert loaded.digest() == book.digest()
        cfg = settings()
        cfg["general"]["rules"] = str(path)
        assert waived_rows(check({"發布日誌": POSTS}, cfg=cfg)) == [2]
    # and without an approver the rulebook itself is refused, naming the waiver's row
    book.waivers = [Waiver(RULE, sheet="發布日誌", row=3)]
    path = tmp_path / "unsigned.xlsx"
    write_xlsx(book, path)
    (line,) = problems(load(path))
    assert "例外!A2" in line and "no approver" in line

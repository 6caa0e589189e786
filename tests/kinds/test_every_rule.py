"""Every rule id has a case where it fires and one where it does not.

"Does not": one clean book per kind (and the R3 profile) in which every rule runs and none
fires.  "Fires": the bundled sample workbooks plant a seed for most rules (their test,
tests/test_sample_workbooks.py, finds each seed and nothing else); every other rule has a
case here — the clean book with the one change that breaks it.  The meta-test at the end
fails when a rule is added without either.
"""

from __future__ import annotations

import copy
import tempfile
from functools import cache
from pathlib import Path

import pytest
from helpers import check, settings

from opsbook import kinds
from opsbook.samples.bundled import BUILDERS

POST_HEADERS = [
    "平台",
    "賬號",
    "欄目",
    "固定欄目",
    "標題",
    "類別",
    "撰稿人",
    "負責人",
    "發布日期",
    "審核人",
    "審核日期",
    "涉及公司項目",
    "總經理確認",
    "總經理確認日期",
    "活動結束日期",
    "配圖",
    "促銷開始日期",
    "含個人觀點",
    "含未公開信息",
    "未經核實",
]


def _post(platform: str, account: str, day: str, **extra) -> dict:
    row = {
        "平台": platform, "賬號": account, "欄目": "動態", "固定欄目": "否", "標題": f"{platform}{day}",
        "類別": "行業資訊", "撰稿人": "小王", "負責人": "小王", "發布日期": f"{day} 10:00",
        "審核人": "張經理", "審核日期": f"{day} 09:00", "涉及公司項目": "是", "總經理確認": "李總",
        "總經理確認日期": f"{day} 09:30", "活動結束日期": None, "配圖": "是", "促銷開始日期": None,
        "含個人觀點": "否", "含未公開信息": "否", "未經核實": "否",
    }  # fmt: skip
    row.update(extra)
    return row


# As of Monday 2026-03-09: the week of 03-02 is judged whole, every day of it has a new-media
# post, the website three; no month has ended inside the log (fixed sections not judged).
POSTS = [
    _post("官網", "官網賬號", "2026-03-02"),
    _post("官網", "官網賬號", "2026-03-04", 類別="公司新聞", 活動結束日期="2026-03-02"),
    _post("官網", "官網賬號", "2026-03-06", 類別="促銷活動", 促銷開始日期="2026-03-10"),
    *[_post("公眾號", "公眾號A", f"2026-03-0{d}") for d in range(2, 9)],
]
WEB, NEW_MEDIA = 0, 3  # a website row, a new-media row of POSTS
POST_BOOK = {
    "發布日誌": POSTS,
    "留言記錄": [{"平台": "公眾號", "留言用戶": "訪客", "留言時間": "2026-03-05 09:00",
                  "回覆時間": "2026-03-05 10:00", "回覆人": "小王"}],
    "人員表": [{"姓名": "張經理", "職位": "運營經理"}, {"姓名": "李總", "職位": "總經理"}],
    "賬號清單": [{"平台": "官網", "賬號": "官網賬號"}, {"平台": "公眾號", "賬號": "公眾號A"}],
}  # fmt: skip

INSPECTION = {
    "用戶編號": "C1", "戶名": "陳", "用戶類型": "民用", "檢查日期": "2026-05-10", "檢查員": "甲",
    "統一著裝": "是", "佩戴工作牌": "是", "是否入戶": "是", "未入戶原因": None, "燃氣洩漏": "否",
    "灶前壓力正常": "是", "氣表正常": "是", "設備損壞": "否", "私改管道": "否", "管道作接地線": "否",
    "銹蝕": "否", "重物搭掛": "否", "膠管超長": "否", "膠管破損": "否", "設備不符合要求": "否",
    "私接熱水器": "否", "違章占壓": "否", "防盜封": "完好", "加裝防盜封": None, "發現盜氣": "否",
    "停止供氣": None, "整改意見": None, "已上報": None, "檢查結果": "合格", "用戶簽字": "陳",
    "已填寫用戶使用證": "是", "收取費用": 0, "私自安裝改裝": "否",
}  # fmt: skip
INSPECTIONS = [
    INSPECTION,
    {**INSPECTION, "檢查日期": "2026-10-10"},
    {**INSPECTION, "用戶編號": "K1", "用戶類型": "公服", "檢查日期": "2026-05-10"},
    {**INSPECTION, "用戶編號": "K1", "用戶類型": "公服", "檢查日期": "2026-08-10"},
]
INSPECTION_BOOK = {
    "入戶安檢記錄": INSPECTIONS,
    "購氣記錄": [{"用戶編號": "C1", "購氣日期": "2026-11-01"},
                 {"用戶編號": "K1", "購氣日期": "2026-11-01"}],
    "用戶清單": [{"用戶編號": "C1", "用戶類型": "民用"}, {"用戶編號": "K1", "用戶類型": "公服"}],
}  # fmt: skip

DESIGN_BOOK = {
    "平面設計費用": [
        {
            "申請單號": "D1", "需求部門": "市場部", "設計項目": "海報A", "物料類型": "海報",
            "申請日期": "2026-09-01", "部門負責人簽字": "王", "填寫完整": "是", "狀態": "完成",
            "設計人員": "陳", "開始設計日期": "2026-09-02", "計劃完成日期": "2026-09-10",
            "實際完成日期": "2026-09-09", "延期申請日期": None, "預算費用": 1000, "預算簽字": "王",
            "部門負責人審核": "王", "總經理確認日期": "2026-09-10", "下單日期": "2026-09-11",
            "供應商": "印刷廠", "實際費用": 800, "到貨日期": "2026-09-15", "入庫日期": "2026-09-16",
            "結算日期": "2026-09-30", "結算部門負責人簽字": "王", "總經理審核": "李",
            "付款日期": "2026-10-12",
        }
    ],
    "設計週期": [{"物料類型": "海報", "設計天數": 5}],
    "年度預算": [{"部門": "市場部", "年度": 2026, "預算": 100000}],
}  # fmt: skip

BOOKS = {
    "posts": (POST_BOOK, "2026-03-09", {}),
    "posts_r3": (POST_BOOK, "2026-03-09", {"posts__profile": "R3"}),
    "inspections": (INSPECTION_BOOK, "2026-11-26", {"inspections__key_customer_min_visits": 1}),
    "design_costs": (DESIGN_BOOK, "2026-11-26", {}),
}

# rule id → (book, the sheet and row to change, the change).  Only rules no sample plants.
R3 = "posts_r3"
CASES: dict[str, tuple[str, int, dict]] = {
    "inquiries.reply_before_message": ("posts", ("留言記錄", 0), {"回覆時間": "2026-03-05 08:00"}),
    "posts.self_check.personal_opinion_blank": ("posts", NEW_MEDIA, {"含個人觀點": None}),
    "posts.self_check.undisclosed_info": ("posts", NEW_MEDIA, {"含未公開信息": "是"}),
    "posts.self_check.undisclosed_info_blank": ("posts", NEW_MEDIA, {"含未公開信息": None}),
    "posts.self_check.unverified_blank": ("posts", NEW_MEDIA, {"未經核實": None}),
    "design_costs.overdue": ("design_costs", 0, {"實際完成日期": None}),
    "inspections.appliance.passed": ("inspections", 0, {"設備不符合要求": "是", "整改意見": "更換"}),
    "inspections.leak_passed": ("inspections", 0, {"燃氣洩漏": "是"}),
    "inspections.leak_recorded": ("inspections", 0, {"燃氣洩漏": None}),
    "inspections.occupation.passed": ("inspections", 0, {"違章占壓": "是", "整改意見": "拆除"}),
    "inspections.pipe_altered.no_rectification": ("inspections", 0, {"私改管道": "是"}),
    "inspections.private_heater.passed": ("inspections", 0, {"私接熱水器": "是", "整改意見": "拆除"}),
    "inspections.stove_pressure_ok_recorded": ("inspections", 0, {"灶前壓力正常": None}),
    "inspections.key_customer_visits": ("inspections", 3, {"檢查日期": "2026-06-10"}),
}  # fmt: skip
CHANNEL_CASES = {
    "gm_after_publication": {"總經理確認日期": "2026-03-02 11:00"},
    "gm_before_review": {"總經理確認日期": "2026-03-02 08:00"},
    "gm_missing": {"總經理確認": None},
    "gm_not_gm": {"總經理確認": "張經理"},
    "news_event_end_missing": {"類別": "公司新聞"},
    "news_late": {"類別": "公司新聞", "活動結束日期": "2026-02-20"},
    "news_without_images": {"類別": "公司新聞", "活動結束日期": "2026-03-01", "配圖": "否"},
    "owner_missing": {"負責人": None},
    "promo_late": {"類別": "促銷活動", "促銷開始日期": "2026-03-03"},
    "promo_start_missing": {"類別": "促銷活動"},
    "review_missing": {"審核人": None},
    "reviewed_after_publication": {"審核日期": "2026-03-03"},
    "reviewer_not_manager": {"審核人": "路人"},
    "fixed_section_monthly": {"發布日期": "2026-01-05", "固定欄目": "是", "欄目": "公司簡介"},
}
for _prefix, _book, _row in [
    ("posts.website", "posts", WEB),
    ("posts.website_r3", R3, WEB),
    ("posts.new_media", "posts", NEW_MEDIA),
]:
    for _name, _change in CHANNEL_CASES.items():
        CASES.setdefault(f"{_prefix}.{_name}", (_book, _row, _change))
# One whole week without a website post (the R3 profile asks for one a week).
CASES["posts.website_r3.weekly_posts"] = (R3, NEW_MEDIA, {"發布日期": "2026-02-23 10:00"})


def _sheets(book: dict) -> dict[str, list[list]]:
    out = {}
    for sheet, rows in book.items():
        headers = list(dict.fromkeys(k for r in rows for k in r))
        out[sheet] = [headers] + [[r.get(h) for h in headers] for r in rows]
    return out


def _run(name: str, change=None):
    book, as_of, overrides = BOOKS[name]
    book = copy.deepcopy(book)
    if change is not None:
        where, values = change
        sheet, row = where if isinstance(where, tuple) else (next(iter(book)), where)
        book[sheet][row].update(values)
    return check(_sheets(book), as_of=as_of, cfg=settings(**overrides))


@pytest.mark.parametrize("name", list(BOOKS))
def test_the_clean_book_runs_every_rule_and_none_fires(name):
    checked = _run(name)
    assert [n.rule for n in checked.not_checked] == []
    assert list(checked.report.frame["rule"]) == []
    profile = "R3" if name == R3 else "R1"
    ran = kinds.rules_for(set(checked.tables), settings(posts__profile=profile))
    assert {r.table for r in ran} == set(checked.tables) - {"roster", "accounts", "metrics"} - (
        {"purchases", "customers", "cycle", "budgets"}
    )


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_the_one_change_makes_the_rule_fire(rule_id):
    name, where, values = CASES[rule_id]
    checked = _run(name, (where, values))
    assert rule_id in set(checked.report.frame["rule"])


@cache
def _seeded() -> frozenset[str]:
    with tempfile.TemporaryDirectory() as folder:
        return frozenset(
            s.rule for file, build in BUILDERS.items() for s in build(Path(folder) / file)
        )


def test_every_rule_has_a_case_that_fires_and_one_that_does_not():
    """The clean books cover "does not" for every kind (above); "fires" is a sample's seed or
    a case here.  A new rule needs one or the other."""
    every = {r.id for r in kinds.all_rules()}
    assert set(CASES) <= every  # no case for a rule that no longer exists
    missing = sorted(every - _seeded() - set(CASES))
    assert missing == [], f"rules no test makes fire: {missing}"
    kinds_covered = {("posts" if n == R3 else n) for n in BOOKS}
    assert kinds_covered == set(kinds.names())

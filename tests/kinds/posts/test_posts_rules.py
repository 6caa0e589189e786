"""運營規章制度1: each post-log rule, failing and passing, on small in-line tables.
Assertions are on (row, clause) pairs; row 2 is the first data row under a header in row 1."""

import datetime as dt

import pytest
from helpers import check, found, settings

H = [
    "平台",
    "標題",
    "類別",
    "負責人",
    "發布時間",
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
ROSTER = [["姓名", "職位"], ["陳經理", "運營經理"], ["王總", "總經理"], ["李文", "內容運營專員"]]


def post(**kw):
    base = dict(
        平台="公眾號",
        標題="行業資訊",
        類別="行業資訊",
        負責人="張",
        發布時間=dt.datetime(2026, 10, 12, 9),
        審核人="陳經理",
        審核日期=dt.date(2026, 10, 12),
        涉及公司項目="否",
        總經理確認=None,
        總經理確認日期=None,
        活動結束日期=None,
        配圖="是",
        促銷開始日期=None,
        含個人觀點="否",
        含未公開信息="否",
        未經核實="否",
    )
    base.update(kw)
    return [base[h] for h in H]


def run(*rows, roster=True, **cfg):
    sheets = {"發布日誌": [H, *rows]}
    if roster:
        sheets["人員表"] = ROSTER
    return check(sheets, cfg=settings(**cfg))


CASES = [
    # (rule, clause, failing row, passing row)
    ("posts.new_media.owner_missing", "R1-5.2.2", post(負責人=None), post()),
    ("posts.website.owner_missing", "R1-4.2.2", post(平台="官網", 負責人=" "), post(平台="官網")),
    ("posts.new_media.review_missing", "R1-5.2.3", post(審核人=None), post()),
    ("posts.website.review_missing", "R1-4.2.3", post(平台="官網", 審核人=None), post(平台="官網")),
    (
        "posts.new_media.reviewer_not_manager",
        "R1-5.2.3",
        post(審核人="李文"),
        post(審核人="陳經理"),
    ),
    (
        "posts.new_media.reviewed_after_publication",
        "R1-5.2.3",
        post(審核日期=dt.date(2026, 10, 13)),
        post(審核日期=dt.date(2026, 10, 12)),
    ),
    (
        "posts.website.gm_missing",
        "R1-4.2.4",
        post(平台="官網", 涉及公司項目="是"),
        post(
            平台="官網", 涉及公司項目="是", 總經理確認="王總", 總經理確認日期=dt.date(2026, 10, 12)
        ),
    ),
    (
        "posts.new_media.gm_before_review",
        "R1-5.2.4",
        post(
            涉及公司項目="是",
            總經理確認="王總",
            總經理確認日期=dt.date(2026, 10, 10),
            審核日期=dt.date(2026, 10, 11),
        ),
        post(
            涉及公司項目="是",
            總經理確認="王總",
            總經理確認日期=dt.date(2026, 10, 11),
            審核日期=dt.date(2026, 10, 11),
        ),
    ),
    (
        "posts.new_media.gm_after_publication",
        "R1-5.2.4",
        post(涉及公司項目="是", 總經理確認="王總", 總經理確認日期=dt.date(2026, 10, 13)),
        post(涉及公司項目="是", 總經理確認="王總", 總經理確認日期=dt.date(2026, 10, 12)),
    ),
    (
        "posts.new_media.gm_not_gm",
        "R1-5.2.4",
        post(涉及公司項目="是", 總經理確認="李文", 總經理確認日期=dt.date(2026, 10, 12)),
        post(涉及公司項目="是", 總經理確認="王總", 總經理確認日期=dt.date(2026, 10, 12)),
    ),
    (
        "posts.new_media.news_late",
        "R1-5.5.2",
        post(
            類別="公司新聞",
            活動結束日期=dt.date(2026, 9, 18),
            發布時間=dt.datetime(2026, 9, 23, 9),
            審核日期=dt.date(2026, 9, 22),
        ),
        post(
            類別="公司新聞",
            活動結束日期=dt.date(2026, 9, 18),
            發布時間=dt.datetime(2026, 9, 22, 18),
            審核日期=dt.date(2026, 9, 22),
        ),
    ),
    (
        "posts.new_media.news_event_end_missing",
        "R1-5.5.2",
        post(類別="重大活動"),
        post(類別="重大活動", 活動結束日期=dt.date(2026, 10, 10)),
    ),
    (
        "posts.website.news_without_images",
        "R1-4.5.2",
        post(平台="官網", 類別="重大活動", 活動結束日期=dt.date(2026, 10, 10), 配圖="無"),
        post(平台="官網", 類別="重大活動", 活動結束日期=dt.date(2026, 10, 10), 配圖="✓"),
    ),
    (
        "posts.new_media.promo_late",
        "R1-5.5.3",
        post(類別="促銷活動", 促銷開始日期=dt.date(2026, 10, 14)),
        post(類別="促銷活動", 促銷開始日期=dt.date(2026, 10, 15)),
    ),
    (
        "posts.website.promo_start_missing",
        "R1-4.5.3",
        post(平台="官網", 類別="促銷活動"),
        post(平台="官網", 類別="促銷活動", 促銷開始日期="2026年10月20日"),
    ),
    ("posts.self_check.personal_opinion", "R1-6.4", post(含個人觀點="是"), post(含個人觀點="否")),
    (
        "posts.self_check.personal_opinion_blank",
        "R1-6.4",
        post(含個人觀點=None),
        post(含個人觀點="N"),
    ),
    (
        "posts.self_check.undisclosed_info",
        "R1-6.5",
        post(含未公開信息="Y"),
        post(含未公開信息="否"),
    ),
    ("posts.self_check.unverified", "R1-6.5", post(未經核實="有"), post(未經核實="無")),
]


@pytest.mark.parametrize("rule,clause,bad,good", CASES, ids=[c[0] for c in CASES])
def test_rule_fails_and_passes(rule, clause, bad, good):
    checked = run(good, bad)
    assert found(checked, rule) == {(3, clause)}
    # The passing row (2) breaks no rule at all at row level.
    assert 2 not in {row for row, _ in found(checked)}


def test_clean_rows_report_nothing_row_level():
    checked = run(
        post(), post(平台="官網"), post(類別="公司新聞", 活動結束日期=dt.date(2026, 10, 9))
    )
    row_level = checked.report.frame[checked.report.frame["row"].notna()]
    assert row_level.empty, row_level[["rule", "row"]].to_dict("records")


def test_national_day_news_on_time():
    """An event ending 2026-09-30 published 2026-10-09 is on time: 10-01..10-07 are the
    holiday, 10-08 and 10-09 are working days and 10-10 (a Saturday) is a make-up workday."""
    ok = post(
        類別="重大活動", 活動結束日期=dt.date(2026, 9, 30), 發布時間=dt.datetime(2026, 10, 9, 10)
    )
    late = post(
        類別="重大活動", 活動結束日期=dt.date(2026, 9, 30), 發布時間=dt.datetime(2026, 10, 12, 10)
    )
    checked = run(ok, late)
    assert found(checked, "posts.new_media.news_late") == {(3, "R1-5.5.2")}


def test_news_in_uncovered_year_is_not_guessed():
    row = post(
        類別="公司新聞", 活動結束日期=dt.date(2027, 9, 30), 發布時間=dt.datetime(2027, 10, 30, 10)
    )
    checked = run(row)
    assert found(checked, "posts.new_media.news_late") == set()
    notes = [n for n in checked.report.not_checked if n["rule"] == "posts.new_media.news_late"]
    assert notes and "2027" in notes[0]["reason"] and "未檢查" in notes[0]["reason"]
    # The note follows --lang like every other text (general.language is what --lang sets).
    english = run(row, general__language="en")
    notes = [n for n in english.report.not_checked if n["rule"] == "posts.new_media.news_late"]
    assert notes and notes[0]["reason"].startswith("1 rows have an event end in [2027]")
    simplified = run(row, general__language="zh-Hans")
    notes = [n for n in simplified.report.not_checked if n["rule"] == "posts.new_media.news_late"]
    assert "活动结束日期" in notes[0]["reason"]


def test_without_roster_reviewer_role_is_not_checked_and_said_so():
    checked = run(post(審核人="李文"), roster=False)
    assert found(checked, "posts.new_media.reviewer_not_manager") == set()
    reasons = {n["rule"]: n["reason"] for n in checked.report.not_checked}
    assert "人員表" in reasons["posts.new_media.reviewer_not_manager"]


def test_missing_column_is_reported_once_as_not_checked():
    headers = [h for h in H if h != "配圖"]
    row = [
        v
        for h, v in zip(H, post(類別="重大活動", 活動結束日期=dt.date(2026, 10, 10)))
        if h != "配圖"
    ]
    checked = check({"發布日誌": [headers, row]})
    reasons = [
        n for n in checked.report.not_checked if n["rule"] == "posts.new_media.news_without_images"
    ]
    assert len(reasons) == 1 and "配圖" in reasons[0]["reason"]


def test_r3_profile_requires_gm_on_every_web_post():
    web = post(平台="官網")
    checked = run(web, posts__profile="R3")
    assert found(checked, "posts.website_r3.gm_missing") == {(2, "R3-4.3.3")}
    assert found(checked, "posts.website.") == set()
    assert found(run(web), "posts.website.gm_missing") == set()


def test_unregistered_account():
    h = H + ["賬號"]
    rows = [post() + ["廣東幼教智庫"], post() + ["私人號"]]
    checked = check(
        {"發布日誌": [h, *rows], "賬號清單": [["平台", "賬號"], ["公眾號", "廣東幼教智庫"]]}
    )
    assert found(checked, "posts.account_unregistered") == {(3, "R1-6.1")}


def test_language_setting():
    hans = run(post(審核人=None), general__language="zh-Hans")
    en = run(post(審核人=None), general__language="en")
    msg_hans = hans.report.frame.set_index("rule").loc["posts.new_media.review_missing", "message"]
    msg_en = en.report.frame.set_index("rule").loc["posts.new_media.review_missing", "message"]
    assert "运营经理" in msg_hans and "reviewer" in msg_en

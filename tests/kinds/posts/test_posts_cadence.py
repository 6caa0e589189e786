"""Cross-row rules of the post log: weekly website posts, daily new media, fixed sections
monthly, and the inquiry log's 12-hour replies."""

import datetime as dt

import pandas as pd
from helpers import check, found, settings

H = ["平台", "標題", "發布日期", "欄目", "固定欄目"]


def posts(platform, days, section="資訊", fixed="否"):
    return [[platform, "t", d, section, fixed] for d in days]


def test_website_three_posts_per_iso_week():
    # Mon 2026-10-05 .. Sun 10-18: week 41 has 3 posts, week 42 only 2.
    rows = posts(
        "官網",
        [
            dt.date(2026, 10, 5),
            dt.date(2026, 10, 7),
            dt.date(2026, 10, 9),
            dt.date(2026, 10, 12),
            dt.date(2026, 10, 14),
            dt.date(2026, 10, 18),
        ],
    )
    checked = check({"發布日誌": [H, *rows]}, cfg=settings(posts__daily_platforms=["無"]))
    f = checked.report.frame
    weekly = f[f["rule"] == "posts.website.weekly_posts"]
    assert len(weekly) == 0  # 10-12, 10-14, 10-18: three posts in week 42 too
    rows = rows[:-1]
    checked = check(
        {"發布日誌": [H, *rows]}, period=(pd.Timestamp("2026-10-05"), pd.Timestamp("2026-10-18"))
    )
    weekly = checked.report.frame[checked.report.frame["rule"] == "posts.website.weekly_posts"]
    assert len(weekly) == 1 and "2026-W42" in weekly.iloc[0]["message"]
    assert weekly.iloc[0]["rows"] == (5, 6)  # the week's two posts are marked


def test_partial_weeks_at_the_edges_are_not_judged():
    rows = posts("官網", [dt.date(2026, 10, 8), dt.date(2026, 10, 13)])  # Thu .. next Tue
    assert found(check({"發布日誌": [H, *rows]}), "posts.website.weekly_posts") == set()


def test_r3_profile_one_post_a_week():
    rows = posts("官網", [dt.date(2026, 10, 5), dt.date(2026, 10, 12), dt.date(2026, 10, 26)])
    checked = check({"發布日誌": [H, *rows]}, cfg=settings(posts__profile="R3"))
    assert found(checked, "posts.website_r3.weekly_posts") == {(None, "R3-4.6.1")}  # W43 empty


def test_new_media_every_day_consecutive_gaps_make_one_line():
    days = [dt.date(2026, 10, d) for d in (1, 2, 6, 7, 9)]
    checked = check({"發布日誌": [H, *posts("公眾號", days)]})
    lines = checked.report.frame[checked.report.frame["rule"] == "posts.new_media.daily_posts"]
    assert sorted(lines["message"].str.extract(r"(\d+) 天", expand=False).astype(int)) == [1, 3]
    assert set(lines["clause"]) == {"R1-5.5.1"}


def test_daily_platforms_configurable():
    days = [dt.date(2026, 10, d) for d in (1, 5)]
    rows = posts("公眾號", days) + posts("知乎", days)
    checked = check({"發布日誌": [H, *rows]}, cfg=settings(posts__daily_platforms=["公众号"]))
    lines = checked.report.frame[checked.report.frame["rule"] == "posts.new_media.daily_posts"]
    assert len(lines) == 1 and "公眾號" in lines.iloc[0]["message"]


def test_fixed_section_every_month():
    rows = posts("官網", [dt.date(2026, 8, 3), dt.date(2026, 10, 5)], "行業乾貨", "是") + posts(
        "官網", [dt.date(2026, 9, 7)], "新聞", "否"
    )
    checked = check({"發布日誌": [H, *rows]}, cfg=settings(posts__website_posts_per_week=0))
    lines = checked.report.frame[
        checked.report.frame["rule"] == "posts.website.fixed_section_monthly"
    ]
    assert list(lines["message"].str.contains("2026-09")) == [True]


def test_inquiries_twelve_hours():
    h = ["平台", "留言時間", "回覆時間"]
    rows = [
        ["公眾號", dt.datetime(2026, 11, 25, 8), dt.datetime(2026, 11, 25, 20)],  # exactly 12 h: ok
        ["公眾號", dt.datetime(2026, 11, 25, 8), dt.datetime(2026, 11, 25, 20, 1)],  # late
        ["公眾號", dt.datetime(2026, 11, 26, 9), None],  # 12 h not yet passed at 11-26 20:00
        ["公眾號", dt.datetime(2026, 11, 26, 7), None],
    ]  # unanswered for 13 h
    checked = check({"留言諮詢記錄": [h, *rows]}, as_of="2026-11-26T20:00")
    assert found(checked, "inquiries.") == {(3, "R1-6.7"), (5, "R1-6.7")}

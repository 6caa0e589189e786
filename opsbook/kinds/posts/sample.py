"""A sample post log (運營規章制度1) for Aug–Oct 2026 with seeded violations."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from openpyxl import Workbook

from ..samplekit import Seed, write_table

SHEET = "發布日誌"
# Headers as a team writes them: Traditional and Simplified mixed, columns shuffled, one
# column of the team's own (備註).
HEADERS = {
    "platform": "发布平台",
    "account": "賬號",
    "section": "欄目",
    "fixed_section": "固定欄目",
    "title": "文章標題",
    "category": "類別",
    "author": "撰稿人",
    "owner": "负责人",
    "published_at": "發布時間",
    "reviewer": "审核人",
    "reviewed_at": "審核日期",
    "company_project": "涉及公司項目",
    "gm_confirmed_by": "总经理确认",
    "gm_confirmed_at": "總經理確認日期",
    "event_end": "活動結束日期",
    "has_images": "配圖",
    "promo_start": "促銷開始日期",
    "personal_opinion": "含個人觀點",
    "undisclosed_info": "含未公開信息",
    "unverified": "未经核实",
    "note": "備註",
}
ORDER = [
    "published_at",
    "platform",
    "account",
    "title",
    "category",
    "section",
    "fixed_section",
    "author",
    "owner",
    "reviewer",
    "reviewed_at",
    "company_project",
    "gm_confirmed_by",
    "gm_confirmed_at",
    "event_end",
    "has_images",
    "promo_start",
    "personal_opinion",
    "undisclosed_info",
    "unverified",
    "note",
]
ACCOUNTS = {"官網": "公司官網", "公眾號": "廣東幼教智庫", "小程序": "廣東省幼教平台"}
MANAGER, GM, WRITER = "陳經理", "王總", "李文"
TOPICS = ["幼教行業動態", "招聘資訊", "教學乾貨分享", "家長課堂", "園所風采", "政策解讀"]


def _post(day: dt.date, hour: int, platform: str, rng: random.Random, **extra) -> dict:
    at = dt.datetime.combine(day, dt.time(hour, rng.choice([0, 15, 30, 45])))
    row = {
        "published_at": at,
        "platform": platform,
        "account": ACCOUNTS[platform],
        "title": f"{rng.choice(TOPICS)}（{day:%m/%d}）",
        "category": rng.choice(["行業資訊", "行業乾貨", "招聘資訊"]),
        "section": "資訊",
        "fixed_section": "否",
        "author": WRITER,
        "owner": "張欄目",
        "reviewer": MANAGER,
        "reviewed_at": day - dt.timedelta(days=rng.choice([0, 1])),
        "company_project": "否",
        "has_images": "是",
        "personal_opinion": "否",
        "undisclosed_info": "否",
        "unverified": "否",
    }
    row.update(extra)
    return row


def build_post_log(path: Path, seed: int = 7) -> list[Seed]:
    rng = random.Random(seed)
    start, end = dt.date(2026, 8, 1), dt.date(2026, 10, 31)
    posts: list[dict] = []
    day = start
    while day <= end:
        skip_mini = dt.date(2026, 10, 1) <= day <= dt.date(2026, 10, 3)  # seeded: 3 days silent
        posts.append(_post(day, 9, "公眾號", rng))
        if not skip_mini:
            posts.append(_post(day, 10, "小程序", rng))
        # The website posts Mon/Wed/Fri; in ISO week 2026-W37 it skipped Friday (seeded).
        if day.weekday() in (0, 2, 4) and not (day == dt.date(2026, 9, 11)):
            posts.append(_post(day, 14, "官網", rng))
        day += dt.timedelta(days=1)
    # Fixed sections: 官網 行業乾貨 monthly (September missing: seeded); 公眾號 每週招聘 monthly.
    for month_day in (dt.date(2026, 8, 3), dt.date(2026, 10, 5)):
        posts.append(
            _post(
                month_day,
                15,
                "官網",
                rng,
                section="行業乾貨",
                fixed_section="是",
                category="行業乾貨",
            )
        )
    for month_day in (dt.date(2026, 8, 4), dt.date(2026, 9, 8), dt.date(2026, 10, 13)):
        posts.append(
            _post(
                month_day,
                16,
                "公眾號",
                rng,
                section="每週招聘",
                fixed_section="是",
                category="招聘資訊",
            )
        )
    # Company news: the National Day case is on time (2026-09-30 + 3 working days = 10-10).
    posts.append(
        _post(
            dt.date(2026, 10, 9),
            11,
            "公眾號",
            rng,
            category="重大活動",
            title="國慶親子活動圓滿結束",
            event_end=dt.date(2026, 9, 30),
        )
    )
    posts.sort(key=lambda p: p["published_at"])

    seeds: list[tuple[dict, str, str, str]] = []

    def seed_row(match, clause: str, rule: str, note: str, **changes) -> None:
        row = next(p for p in posts if match(p) and "_seeded" not in p)
        row.update(changes)
        row["_seeded"] = True
        seeds.append((row, clause, rule, note))

    on = lambda d, platform: lambda p: p["published_at"].date() == d and p["platform"] == platform  # noqa: E731
    seed_row(
        on(dt.date(2026, 8, 12), "公眾號"),
        "R1-5.2.3",
        "posts.new_media.review_missing",
        "no reviewer",
        reviewer=None,
        reviewed_at=None,
    )
    seed_row(
        on(dt.date(2026, 8, 19), "官網"),
        "R1-4.2.3",
        "posts.website.reviewer_not_manager",
        "reviewer is a writer",
        reviewer=WRITER,
    )
    seed_row(
        on(dt.date(2026, 8, 25), "小程序"),
        "R1-5.2.3",
        "posts.new_media.reviewed_after_publication",
        "reviewed two days late",
        reviewed_at=dt.date(2026, 8, 27),
    )
    seed_row(
        on(dt.date(2026, 9, 2), "官網"),
        "R1-4.2.4",
        "posts.website.gm_missing",
        "company project, no GM",
        company_project="是",
        title="公司新園區項目簽約",
    )
    seed_row(
        on(dt.date(2026, 9, 15), "公眾號"),
        "R1-5.2.4",
        "posts.new_media.gm_after_publication",
        "GM confirmed after publishing",
        company_project="是",
        gm_confirmed_by=GM,
        gm_confirmed_at=dt.date(2026, 9, 17),
        title="公司教材項目發布",
    )
    seed_row(
        on(dt.date(2026, 9, 25), "官網"),
        "R1-4.5.2",
        "posts.website.news_late",
        "event ended 09-18, due 09-22, published 09-25",
        category="公司新聞",
        event_end=dt.date(2026, 9, 18),
        title="中秋教師交流會回顧",
    )
    seed_row(
        on(dt.date(2026, 9, 21), "小程序"),
        "R1-5.5.2",
        "posts.new_media.news_without_images",
        "news without pictures",
        category="重大活動",
        event_end=dt.date(2026, 9, 19),
        has_images="否",
    )
    seed_row(
        on(dt.date(2026, 10, 14), "公眾號"),
        "R1-5.5.3",
        "posts.new_media.promo_late",
        "announced one day ahead",
        category="促銷活動",
        promo_start=dt.date(2026, 10, 15),
        title="雙十一課程優惠預告",
    )
    seed_row(
        on(dt.date(2026, 10, 20), "小程序"),
        "R1-6.4",
        "posts.self_check.personal_opinion",
        "personal opinion",
        personal_opinion="是",
    )
    seed_row(
        on(dt.date(2026, 10, 22), "公眾號"),
        "R1-6.5",
        "posts.self_check.unverified",
        "unverified rumour",
        unverified="Y",
    )
    seed_row(
        on(dt.date(2026, 10, 26), "官網"),
        "R1-6.1",
        "posts.account_unregistered",
        "unregistered account",
        account="運營部測試號",
    )
    seed_row(
        on(dt.date(2026, 10, 28), "小程序"),
        "R1-5.2.2",
        "posts.new_media.owner_missing",
        "no owner",
        owner=None,
        author=None,
    )
    seed_row(
        on(dt.date(2026, 10, 29), "公眾號"),
        "R1-5.2.3",
        "read.unreadable_datetime",
        "review date unreadable",
        reviewed_at="2026/13/45",
    )
    # A promotion announced in good time, with its dates typed as text: no violation.
    clean_promo = next(
        p
        for p in posts
        if p["published_at"].date() == dt.date(2026, 10, 9) and p["platform"] == "小程序"
    )
    clean_promo.update(category="促銷活動", promo_start="2026年10月20日", title="秋季課程優惠")

    week37_first = next(
        p for p in posts if _day(p) == dt.date(2026, 9, 7) and p["platform"] == "官網"
    )
    # Teams type dates in many ways: keep a share of them as text.
    for i, p in enumerate(posts):
        at = p["published_at"]
        if isinstance(at, dt.datetime) and i % 7 == 3:
            p["published_at"] = f"{at:%Y/%-m/%-d %H:%M}"
        elif isinstance(at, dt.datetime) and i % 11 == 5:
            p["published_at"] = f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}"
        if isinstance(p.get("reviewed_at"), dt.date) and i % 5 == 1:
            p["reviewed_at"] = f"{p['reviewed_at']:%Y-%m-%d}"

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    positions = write_table(
        ws,
        "2026年8-10月 新媒體運營部 發布日誌",
        [HEADERS[k] for k in ORDER],
        [[p.get(k) for k in ORDER] for p in posts],
        blank_after=40,
        totals=True,
    )
    row_of = {id(p): r for p, r in zip(posts, positions)}
    result = [Seed(SHEET, row_of[id(p)], clause, rule, note) for p, clause, rule, note in seeds]
    result += [
        Seed(SHEET, None, "R1-5.5.1", "posts.new_media.daily_posts", "小程序 silent 10-01..10-03"),
        Seed(
            SHEET,
            row_of[id(week37_first)],
            "R1-4.5.1",
            "posts.website.weekly_posts",
            "2026-W37 has 2 website posts",
        ),
        Seed(
            SHEET,
            None,
            "R1-4.5.4",
            "posts.website.fixed_section_monthly",
            "行業乾貨 missing in 2026-09",
        ),
    ]

    _roster(wb.create_sheet("人員表"))
    _accounts(wb.create_sheet("賬號清單"))
    result += _inquiries(wb.create_sheet("留言諮詢記錄"))
    _metrics(wb.create_sheet("平台數據"), rng, start, end)
    wb.save(path)
    return result


def _day(p: dict) -> dt.date:
    at = p["published_at"]
    return at.date() if isinstance(at, dt.datetime) else None


def _roster(ws) -> None:
    write_table(
        ws,
        None,
        ["姓名", "職位", "部門"],
        [
            [MANAGER, "運營經理", "運營部"],
            [GM, "總經理", "總經辦"],
            [WRITER, "內容運營專員", "運營部"],
            ["張欄目", "推廣運營專員", "運營部"],
            ["黃客服", "信息渠道運營專員", "運營部"],
        ],
    )


def _accounts(ws) -> None:
    write_table(
        ws, None, ["平台", "賬號", "負責人"], [[p, a, "張欄目"] for p, a in ACCOUNTS.items()]
    )


def _inquiries(ws) -> list[Seed]:
    base = dt.datetime(2026, 11, 20, 9, 0)
    rows = []
    for i in range(24):
        received = base + dt.timedelta(hours=5 * i)
        rows.append(
            [
                "公眾號" if i % 2 else "小程序",
                f"用戶{i:03d}",
                received,
                received + dt.timedelta(hours=1 + i % 6),
                "黃客服",
                "課程諮詢",
            ]
        )
    rows[5][3] = rows[5][2] + dt.timedelta(hours=15)  # seeded: answered after 15 hours
    rows[9][3] = None  # seeded: never answered
    positions = write_table(
        ws, None, ["平台", "留言用戶", "留言時間", "回覆時間", "回覆人", "諮詢類別"], rows
    )
    return [
        Seed("留言諮詢記錄", positions[5], "R1-6.7", "inquiries.reply_late", "15 hours"),
        Seed("留言諮詢記錄", positions[9], "R1-6.7", "inquiries.unanswered", "unanswered"),
    ]


def _metrics(ws, rng: random.Random, start: dt.date, end: dt.date) -> None:
    rows = []
    followers = {"官網": 0, "公眾號": 5200, "小程序": 3100}
    day = start
    while day <= end:
        for platform in ("官網", "公眾號", "小程序"):
            new = rng.randint(5, 40)
            followers[platform] += new
            rows.append(
                [
                    day,
                    platform,
                    followers[platform],
                    new,
                    rng.randint(200, 1500),
                    rng.randint(10, 120),
                    rng.randint(0, 8),
                ]
            )
        day += dt.timedelta(days=1)
    write_table(
        ws, None, ["日期", "平台", "粉絲數", "新增粉絲", "閱讀量", "互動量", "諮詢量"], rows
    )

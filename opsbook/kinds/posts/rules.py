"""運營規章制度1 (and 運營規章制度3 §四 as the website profile): the post log.

Each check exists once per channel — the website (ch. 4) and new media (ch. 5) — because the
regulation states it twice under different clause numbers.  Which platform is the website is
configuration (posts.website_platforms); every other platform is new media.  With
``posts.profile = "R3"`` the website rules cite 運營規章制度3 §四 instead: every web post is
reviewed by the operations head and then confirmed by the general manager (R3-4.3.3), and one
post a week is enough (R3-4.6.1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...catalog.base import (
    WARNING,
    AggregateRule,
    Context,
    RowRule,
    Rule,
    blank,
    day,
    folded,
    in_words,
    no_rows,
    row_lists,
    yes,
)
from ...text import fold
from .settings import DEFAULTS

WEBSITE, NEW_MEDIA = "website", "new_media"

# (profile, channel) → clause of each requirement.  R3-4.3.2 makes the web editor answer for
# content, the same duty as R1-4.2.2, so the owner check keeps citing R1-4.2.2.
CLAUSES = {
    ("R1", WEBSITE): dict(
        owner="R1-4.2.2",
        review="R1-4.2.3",
        gm="R1-4.2.4",
        cadence="R1-4.5.1",
        news="R1-4.5.2",
        promo="R1-4.5.3",
        fixed="R1-4.5.4",
    ),
    ("R1", NEW_MEDIA): dict(
        owner="R1-5.2.2",
        review="R1-5.2.3",
        gm="R1-5.2.4",
        cadence="R1-5.5.1",
        news="R1-5.5.2",
        promo="R1-5.5.3",
        fixed="R1-5.5.4",
    ),
    ("R3", WEBSITE): dict(
        owner="R1-4.2.2",
        review="R3-4.3.3",
        gm="R3-4.3.3",
        cadence="R3-4.6.1",
        news="R3-4.6.2",
        promo="R3-4.6.3",
        fixed="R3-4.6.4",
    ),
}
CHANNEL_ZH = {WEBSITE: "官網", NEW_MEDIA: "新媒體"}


def website_mask(t, ctx: Context) -> pd.Series:
    return in_words(t, "platform", ctx.cfg("posts", "website_platforms"))


# The rows of each channel, in the vocabulary.
CHANNEL_ROWS = {
    WEBSITE: "one_of(platform, {website_platforms})",
    NEW_MEDIA: "filled(platform) and not one_of(platform, {website_platforms})",
}
# Each channel's rule ids start so: `grep posts.website.review_missing` lands on
# CHANNEL_RULE_IDS, which is derived from the declarations below.
ID_PREFIX = {
    ("R1", WEBSITE): "posts.website",
    ("R3", WEBSITE): "posts.website_r3",
    ("R1", NEW_MEDIA): "posts.new_media",
}
NEWS = "one_of(category, {news_categories})"
PROMO = "one_of(category, {promo_categories})"
NEWS_DAYS = DEFAULTS["news_working_days"]  # titles say the default; messages the setting
PROMO_DAYS = DEFAULTS["promo_days_ahead"]
REPLY_HOURS = DEFAULTS["inquiry_reply_hours"]


def _profile(profile: str):
    def in_force(settings: dict) -> bool:
        return settings.get("posts", {}).get("profile") == profile

    return in_force


def _channel_rules(profile: str, channel: str) -> list:
    cl = CLAUSES[(profile, channel)]
    prefix = ID_PREFIX[(profile, channel)]
    where = CHANNEL_ZH[channel]
    r3 = profile == "R3"
    p: dict[str, Any] = dict(table="posts", when=CHANNEL_ROWS[channel])
    if channel == WEBSITE:  # the website's rules are R1's or R3's, as posts.profile says
        p["in_force"] = _profile(profile)
    # Under R3 every web post needs the GM; under R1 only posts about company projects do.
    if r3:
        gm_rows = ""
        gm_needs: tuple[str, ...] = ("gm_confirmed_by",)
    else:
        gm_rows = "yes(company_project) and "
        gm_needs = ("company_project", "gm_confirmed_by")

    def news_late(t, ctx):
        return on(t, ctx) & _news_late(t, ctx, f"{prefix}.news_late")

    def on(t, ctx):
        return channel_mask(channel)(t, ctx)

    rules: list[Rule] = [
        RowRule(
            id=f"{prefix}.owner_missing",
            clause=cl["owner"],
            **p,
            title=f"{channel} post has a responsible person",
            message=f"{where}稿件未填負責人/撰稿人：每個欄目須有負責人對內容真實性負責",
            message_en=f"{channel} post has no owner or author: every section needs a responsible person",
            needs=("platform",),
            target=("owner", "author"),
            fails_if="blank(target)",
        ),
        RowRule(
            id=f"{prefix}.review_missing",
            clause=cl["review"],
            **p,
            title=f"{channel} post reviewed by the operations manager",
            message=f"{where}稿件未經運營經理審核（審核人空白）：發布前必須經運營經理審核",
            message_en=f"{channel} post has no reviewer: the operations manager must review it before publication",
            needs=("platform",),
            target="reviewer",
            fails_if="blank(reviewer)",
        ),
        RowRule(
            id=f"{prefix}.reviewer_not_manager",
            clause=cl["review"],
            **p,
            title=f"{channel} post reviewer is an operations manager (roster)",
            message=f"審核人「{{value}}」在人員表中不是運營經理：{where}稿件須由運營經理審核",
            message_en="reviewer '{value}' is not an operations manager in the roster",
            needs=("platform",),
            companions=("roster",),
            target="reviewer",
            fails_if="filled(reviewer) and not in_table(reviewer, roster.name, "
            "where=roster.role, among={manager_roles})",
        ),
        RowRule(
            id=f"{prefix}.reviewed_after_publication",
            clause=cl["review"],
            **p,
            title=f"{channel} post reviewed before publication",
            message=f"審核日期 {{reviewed_at}} 晚於發布日期 {{published_at}}：{where}稿件須先審核後發布",
            message_en="reviewed on {reviewed_at}, after publication on {published_at}",
            needs=("platform", "published_at"),
            target="reviewed_at",
            fails_if="later_than(reviewed_at, published_at)",
        ),
        RowRule(
            id=f"{prefix}.gm_missing",
            clause=cl["gm"],
            **p,
            title=(
                f"every {channel} post confirmed by the general manager"
                if r3
                else f"{channel} post on a company project confirmed by the general manager"
            ),
            message=(
                f"{where}稿件未經總經理確認：審核後須交總經理確認方可發布"
                if r3
                else f"涉及公司項目的{where}稿件未經總經理確認：須經運營經理審核後交總經理確認方可發布"
            ),
            message_en=(
                "web post not confirmed by the general manager"
                if r3
                else "post on a company project not confirmed by the general manager"
            ),
            needs=gm_needs[:-1] + ("platform",),
            target="gm_confirmed_by",
            fails_if=gm_rows + "blank(gm_confirmed_by)",
        ),
        RowRule(
            id=f"{prefix}.gm_before_review",
            clause=cl["gm"],
            **p,
            title=f"{channel} post: GM confirmation after the manager's review",
            message="總經理確認日期 {gm_confirmed_at} 早於審核日期 {reviewed_at}：須先經運營經理審核，再交總經理確認",
            message_en="GM confirmed on {gm_confirmed_at}, before the review on {reviewed_at}",
            needs=gm_needs[:-1] + ("platform", "reviewed_at"),
            target="gm_confirmed_at",
            fails_if=gm_rows + "later_than(reviewed_at, gm_confirmed_at)",
        ),
        RowRule(
            id=f"{prefix}.gm_after_publication",
            clause=cl["gm"],
            **p,
            title=f"{channel} post: GM confirmation before publication",
            message="總經理確認日期 {gm_confirmed_at} 晚於發布日期 {published_at}：須經總經理確認方可發布",
            message_en="GM confirmed on {gm_confirmed_at}, after publication on {published_at}",
            needs=gm_needs[:-1] + ("platform", "published_at"),
            target="gm_confirmed_at",
            fails_if=gm_rows + "later_than(gm_confirmed_at, published_at)",
        ),
        RowRule(
            id=f"{prefix}.gm_not_gm",
            clause=cl["gm"],
            **p,
            title=f"{channel} post confirmed by the general manager in person (roster)",
            message="「{value}」在人員表中不是總經理：須由總經理確認",
            message_en="'{value}' is not the general manager in the roster",
            needs=gm_needs[:-1] + ("platform",),
            companions=("roster",),
            target="gm_confirmed_by",
            fails_if=gm_rows + "filled(gm_confirmed_by) and not in_table(gm_confirmed_by, "
            "roster.name, where=roster.role, among={gm_roles})",
        ),
        RowRule(
            id=f"{prefix}.news_late",
            clause=cl["news"],
            table="posts",
            in_force=p.get("in_force", _all_profiles),
            scope=on,
            title=f"{channel}: major news online within {NEWS_DAYS} working days of the event's end",
            message="重大新聞/活動須在活動結束後 {news_working_days} 個工作日內上傳：活動結束 {event_end}，最遲 {deadline}，實際發布 {published_at}",
            message_en="major news must be online within {news_working_days} working days of the event's end "
            "({event_end}): due {deadline}, published {published_at}",
            needs=("platform", "category", "event_end", "published_at"),
            target="published_at",
            fails=news_late,
            why_python="the working calendar may not know the event's year: those rows are "
            "not judged and the report says how many, counted over every channel's news",
            params=lambda t, ctx, rows: pd.DataFrame(
                {"deadline": _news_deadline(t, ctx)[rows].dt.strftime("%Y-%m-%d")}, index=rows
            ),
        ),
        RowRule(
            id=f"{prefix}.news_event_end_missing",
            clause=cl["news"],
            **p,
            severity=WARNING,
            title=f"{channel}: major news records when the event ended",
            message="重大新聞/活動未填活動結束日期，無法核對 {news_working_days} 個工作日內發布的要求",
            message_en="major news without the event's end date: the {news_working_days}-working-day limit cannot be checked",
            needs=("platform", "category"),
            target="event_end",
            fails_if=f"{NEWS} and blank(event_end)",
        ),
        RowRule(
            id=f"{prefix}.news_without_images",
            clause=cl["news"],
            **p,
            title=f"{channel}: major news published with pictures",
            message="重大新聞/活動須配相關圖片上傳（配圖：{value}）",
            message_en="major news must be published with pictures (pictures: {value})",
            needs=("platform", "category"),
            target="has_images",
            fails_if=f"{NEWS} and not yes(has_images)",
        ),
        RowRule(
            id=f"{prefix}.promo_late",
            clause=cl["promo"],
            **p,
            title=f"{channel}: promotion announced at least {PROMO_DAYS} days before it starts",
            message="促銷活動須在開始前 {promo_days_ahead} 天發布：促銷開始 {promo_start}，最遲 {deadline}，實際發布 {published_at}",
            message_en="a promotion must be announced {promo_days_ahead} days before it starts ({promo_start}): "
            "due {deadline}, published {published_at}",
            needs=("platform", "category", "promo_start", "published_at"),
            target="published_at",
            fails_if=f"{PROMO} and later_than(published_at, promo_start, -{{promo_days_ahead}}, unit=days)",
            params=lambda t, ctx, rows: pd.DataFrame(
                {"deadline": _promo_deadline(t, ctx)[rows].dt.strftime("%Y-%m-%d")}, index=rows
            ),
        ),
        RowRule(
            id=f"{prefix}.promo_start_missing",
            clause=cl["promo"],
            **p,
            severity=WARNING,
            title=f"{channel}: promotion records its start date",
            message="促銷活動未填促銷開始日期，無法核對提前 {promo_days_ahead} 天發布的要求",
            message_en="promotion without a start date: the {promo_days_ahead}-days-ahead rule cannot be checked",
            needs=("platform", "category"),
            target="promo_start",
            fails_if=f"{PROMO} and blank(promo_start)",
        ),
    ]
    on_rows = channel_mask(channel)
    p = dict(table="posts", scope=on_rows, in_force=p.get("in_force", _all_profiles))
    rules += [
        AggregateRule(
            id=f"{prefix}.fixed_section_monthly",
            clause=cl["fixed"],
            **p,
            title=f"{channel}: every fixed section updated every month",
            message="固定欄目「{section}」（{platform}）{month} 未更新：固定欄目須每月檢查更新",
            message_en="fixed section '{section}' ({platform}) has no update in {month}",
            needs=("platform", "section", "fixed_section", "published_at"),
            run=lambda t, ctx: _fixed_sections(t, ctx, on_rows),
        ),
    ]
    if channel == WEBSITE:
        rules.append(
            AggregateRule(
                id=f"{prefix}.weekly_posts",
                clause=cl["cadence"],
                **p,
                title="website updated at least N times per ISO week",
                message="官網 {week}（{start}～{end}）只更新 {count} 次，每週最少應更新 {minimum} 次",
                message_en="website updated {count} times in {week} ({start} to {end}); "
                "at least {minimum} a week are required",
                needs=("platform", "published_at"),
                run=_weekly_website,
            )
        )
    else:
        rules.append(
            AggregateRule(
                id=f"{prefix}.daily_posts",
                clause=cl["cadence"],
                **p,
                title="each new-media platform updated every day",
                message="{platform} {start}～{end} 共 {days} 天未更新：新媒體平台內容每天需更新一次",
                message_en="{platform} had no post from {start} to {end} ({days} days); new media must post daily",
                needs=("platform", "published_at"),
                run=_daily_new_media,
            )
        )
    return rules


def _all_profiles(settings: dict) -> bool:
    return True


def channel_mask(channel: str):
    def mask(t, ctx: Context) -> pd.Series:
        web = website_mask(t, ctx)
        return web if channel == WEBSITE else ~web & ~blank(t, "platform")

    return mask


def _is_news(t, ctx):
    return in_words(t, "category", ctx.cfg("posts", "news_categories"))


def _is_promo(t, ctx):
    return in_words(t, "category", ctx.cfg("posts", "promo_categories"))


def _news_deadline(t, ctx) -> pd.Series:
    return ctx.calendar.add_working_days(t.data["event_end"], ctx.cfg("posts", "news_working_days"))


def _news_late(t, ctx, rule_id: str) -> pd.Series:
    news = _is_news(t, ctx) & t.data["event_end"].notna()
    covered = ctx.calendar.covers(t.data["event_end"]).fillna(False)
    uncovered = news & ~covered
    if uncovered.any():
        years = sorted(set(t.data["event_end"][uncovered].dt.year))
        ctx.skip_rows(
            rule_id,
            f"{int(uncovered.sum())} 行的活動結束日期在 {years} 年，工作日曆只收錄至 "
            f"{ctx.calendar.covered_through} 年的調休安排，未檢查",
            f"{int(uncovered.sum())} rows have an event end in {years}; the working calendar "
            f"knows the make-up days only up to {ctx.calendar.covered_through}: not checked",
        )
    late = day(t.data["published_at"]) > _news_deadline(t, ctx)
    return (news & covered & late).fillna(False).astype(bool)


def _promo_deadline(t, ctx) -> pd.Series:
    return t.data["promo_start"].dt.normalize() - pd.Timedelta(
        days=ctx.cfg("posts", "promo_days_ahead")
    )


def _period(t, ctx, dates: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The span a cadence rule checks: --from/--to, else the log's first and last record
    (so the periods after the log ends are not judged); never past the day before as-of
    (today is still in progress)."""
    dates = dates.dropna()
    if dates.empty:
        return None
    start = ctx.period_from or dates.min().normalize()
    end = ctx.period_to or dates.max().normalize()
    end = min(end, ctx.as_of.normalize() - pd.Timedelta(days=1))
    return (start, end) if start <= end else None


def _weekly_website(t, ctx: Context) -> pd.DataFrame:
    profile_r3 = ctx.cfg("posts", "profile") == "R3"
    minimum = 1 if profile_r3 else ctx.cfg("posts", "website_posts_per_week")
    web = website_mask(t, ctx)
    period = _period(t, ctx, t.data["published_at"])
    if period is None:
        return no_rows()
    start, end = period
    # Only whole ISO weeks inside the period are judged: a week cut by the period's edge
    # would be short of posts for no fault of the team.
    first_monday = start + pd.Timedelta(days=(7 - start.day_of_week) % 7)
    mondays = pd.date_range(first_monday, end - pd.Timedelta(days=6), freq="7D")
    if mondays.empty:
        return no_rows()
    published = day(t.data["published_at"][web]).dropna()
    week_of = published - pd.to_timedelta(published.dt.day_of_week, unit="D")
    counts = week_of.value_counts().reindex(mondays, fill_value=0)
    short = counts[counts < minimum]
    if short.empty:
        return no_rows()
    rows_by_week = pd.Series(published.index, index=week_of.values).groupby(level=0).agg(list)
    weeks = short.index
    iso = weeks.isocalendar()
    return pd.DataFrame(
        {
            "rows": row_lists(rows_by_week.reindex(weeks)),
            "key": "published_at",
            "week": iso["year"].astype(str).values
            + "-W"
            + iso["week"].astype(str).str.zfill(2).values,
            "start": weeks.strftime("%Y-%m-%d"),
            "end": (weeks + pd.Timedelta(days=6)).strftime("%Y-%m-%d"),
            "count": short.astype(int).values,
            "minimum": minimum,
        }
    )


def _daily_new_media(t, ctx: Context) -> pd.DataFrame:
    new_media = ~website_mask(t, ctx) & ~blank(t, "platform")
    period = _period(t, ctx, t.data["published_at"])
    if period is None or not new_media.any():
        return no_rows()
    start, end = period
    platform_key = folded(t, "platform")[new_media]
    shown = t.data["platform"][new_media].groupby(platform_key).first()
    wanted = ctx.cfg("posts", "daily_platforms")
    platforms = pd.Index(
        [fold(p) for p in wanted] if wanted else list(shown.index), name="p"
    ).unique()
    days = pd.date_range(start, end, freq="D")
    if not ctx.cfg("posts", "daily_includes_weekends"):
        days = days[ctx.calendar.is_working_day(pd.Series(days)).to_numpy(dtype=bool)]
    if days.empty or platforms.empty:
        return no_rows()
    posted = pd.DataFrame({"p": platform_key, "d": day(t.data["published_at"][new_media])}).dropna()
    posted = posted.drop_duplicates().assign(posted=True)
    # Every (platform, day) of the period, then those without a post: one join, no loop.
    grid = pd.MultiIndex.from_product([platforms, days], names=["p", "d"]).to_frame(index=False)
    grid = grid.merge(posted, on=["p", "d"], how="left")
    missing = grid[grid["posted"].isna()].sort_values(["p", "d"])
    if missing.empty:
        return no_rows()
    # Consecutive missing days of one platform make one line: "7 days without a post".
    step = missing["d"].diff().ne(pd.Timedelta(days=1)) | missing["p"].ne(missing["p"].shift())
    runs = (
        missing.assign(run=step.cumsum())
        .groupby("run")
        .agg(p=("p", "first"), start=("d", "first"), end=("d", "last"), days=("d", "size"))
    )
    return pd.DataFrame(
        {
            "rows": row_lists(pd.Series(np.nan, index=runs.index, dtype=object)),
            "key": None,
            "platform": runs["p"].map(shown).fillna(runs["p"]).values,
            "start": runs["start"].dt.strftime("%Y-%m-%d").values,
            "end": runs["end"].dt.strftime("%Y-%m-%d").values,
            "days": runs["days"].astype(int).values,
        }
    )


def _fixed_sections(t, ctx: Context, on) -> pd.DataFrame:
    rows = on(t, ctx) & yes(t, "fixed_section") & ~blank(t, "section")
    period = _period(t, ctx, t.data["published_at"])
    if period is None or not rows.any():
        return no_rows()
    start, end = period
    # Months judged: from the period's first month to the last month that has ended.
    last_full = ctx.as_of.normalize().to_period("M") - 1
    months = pd.period_range(start.to_period("M"), min(end.to_period("M"), last_full), freq="M")
    if months.empty:
        return no_rows()
    sections = pd.DataFrame(
        {
            "platform": folded(t, "platform"),
            "section": folded(t, "section"),
            "month": t.data["published_at"].dt.to_period("M"),
            "shown_platform": t.data["platform"],
            "shown_section": t.data["section"],
        }
    )
    fixed = sections[rows].drop_duplicates(["platform", "section"])[
        ["platform", "section", "shown_platform", "shown_section"]
    ]
    have = (
        sections[on(t, ctx)]
        .dropna(subset=["month"])[["platform", "section", "month"]]
        .drop_duplicates()
    )
    # Every fixed section × every judged month, less those with a post: a join, no loop.
    wanted = fixed.merge(pd.DataFrame({"month": months}), how="cross")
    wanted = wanted.merge(have.assign(posted=True), on=["platform", "section", "month"], how="left")
    absent = wanted[wanted["posted"].isna()]
    if absent.empty:
        return no_rows()
    return pd.DataFrame(
        {
            "rows": row_lists(pd.Series(np.nan, index=absent.index, dtype=object)),
            "key": None,
            "platform": absent["shown_platform"].values,
            "section": absent["shown_section"].values,
            "month": absent["month"].astype(str).values,
        }
    )


def _self_check_rules() -> list:
    checks = [
        (
            "posts.self_check.personal_opinion",
            "posts.self_check.personal_opinion_blank",
            "personal_opinion",
            "R1-6.4",
            "含情緒化的個人觀點",
            "emotional personal opinions",
        ),
        (
            "posts.self_check.undisclosed_info",
            "posts.self_check.undisclosed_info_blank",
            "undisclosed_info",
            "R1-6.5",
            "含尚未對外公開的公司信息",
            "undisclosed company information",
        ),
        (
            "posts.self_check.unverified",
            "posts.self_check.unverified_blank",
            "unverified",
            "R1-6.5",
            "含未經核實的傳言",
            "unverified rumours",
        ),
        (
            "posts.self_check.market_impact",
            "posts.self_check.market_impact_blank",
            "market_impact",
            "R1-6.5",
            "含影響市場部業務運作的信息",
            "information that affects the marketing department's operations",
        ),
    ]
    rules: list[Rule] = []
    for rule_id, blank_id, key, clause, zh, en in checks:
        rules += [
            RowRule(
                id=rule_id,
                clause=clause,
                table="posts",
                title=f"post contains no {en}",
                message=f"自檢欄「{{header}}」為「{{value}}」：稿件不得{zh}",
                message_en=f"self-check says the post contains {en}; it must not",
                target=key,
                fails_if=f"yes({key})",
            ),
            RowRule(
                id=blank_id,
                clause=clause,
                table="posts",
                severity=WARNING,
                title=f"self-check for {en} filled in",
                message="自檢欄「{header}」未填：發布前須自檢並填「否」",
                message_en="self-check column '{header}' is blank: fill in 否 after checking",
                target=key,
                fails_if=f"blank({key})",
            ),
        ]
    return rules


def _account_registered(t, ctx: Context) -> pd.Series:
    accounts = ctx.tables["accounts"]
    registered_pairs = set(
        zip(
            folded(accounts, "platform"),
            folded(accounts, "account"),
        )
    )
    platform = folded(t, "platform")
    if t.has("account"):
        account = folded(t, "account")
        known = pd.Series(
            [(p, a) in registered_pairs for p, a in zip(platform, account)], index=t.data.index
        )
        return known | blank(t, "account")
    return platform.isin({p for p, _ in registered_pairs}) | blank(t, "platform")


def _inquiry_rules() -> list:
    return [
        RowRule(
            id="inquiries.reply_late",
            clause="R1-6.7",
            table="inquiries",
            title=f"user message answered within {REPLY_HOURS} hours",
            message="留言 {received_at} 收到，{replied_at} 才回覆，超過 {inquiry_reply_hours} 小時：須在 {inquiry_reply_hours} 小時內回覆",
            message_en="message received {received_at}, answered {replied_at}: over {inquiry_reply_hours} hours",
            needs=("received_at",),
            target="replied_at",
            fails_if="later_than(replied_at, received_at, {inquiry_reply_hours}, unit=hours)",
        ),
        RowRule(
            id="inquiries.unanswered",
            clause="R1-6.7",
            table="inquiries",
            title=f"no user message left unanswered over {REPLY_HOURS} hours",
            message="留言 {received_at} 收到，至 {as_of} 仍未回覆（超過 {inquiry_reply_hours} 小時）",
            message_en="message received {received_at} still unanswered at {as_of} (over {inquiry_reply_hours} hours)",
            needs=("received_at",),
            target="replied_at",
            fails_if="blank(replied_at) and later_than(as_of, received_at, "
            "{inquiry_reply_hours}, unit=hours)",
            params=lambda t, ctx, rows: pd.DataFrame(
                {"as_of": ctx.as_of.strftime("%Y-%m-%d %H:%M")}, index=rows
            ),
        ),
        RowRule(
            id="inquiries.reply_before_message",
            clause="R1-6.7",
            table="inquiries",
            severity=WARNING,
            title="reply time not before the message",
            message="回覆時間 {replied_at} 早於留言時間 {received_at}，請核對記錄",
            message_en="reply time {replied_at} is before the message time {received_at}",
            needs=("received_at",),
            target="replied_at",
            fails_if="later_than(received_at, replied_at)",
        ),
    ]


RULES = (
    _channel_rules("R1", WEBSITE)
    + _channel_rules("R3", WEBSITE)
    + _channel_rules("R1", NEW_MEDIA)
    + _self_check_rules()
    + [
        RowRule(
            id="posts.account_unregistered",
            clause="R1-6.1",
            table="posts",
            title="post made from a registered company account",
            message="「{platform}」賬號「{value}」不在賬號清單中：公司賬號須由運營部統一管理登記",
            message_en="account '{value}' on {platform} is not in the registered account list",
            needs=("platform",),
            companions=("accounts",),
            target=("account", "platform"),
            fails=lambda t, ctx: ~_account_registered(t, ctx),
            why_python="the (platform, account) pair is looked up in the account list, and a "
            "sheet without an account column falls back to the platform alone",
        ),
    ]
    + _inquiry_rules()
)

# Every channel rule's id by (profile, channel) and requirement, from the declarations.
CHANNEL_RULE_IDS = {
    key: {r.id.removeprefix(prefix + "."): r.id for r in RULES if r.id.startswith(prefix + ".")}
    for key, prefix in ID_PREFIX.items()
}

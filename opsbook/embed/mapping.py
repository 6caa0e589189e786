"""The row rules still written in Python (``why_python=`` in their declarations), compiled
by a builder each; every rule declared in the vocabulary is compiled from its expression
tree instead (opsbook.embed.vocab).  Each builder is written from the rule's ``fails`` in
opsbook/catalog/ with the fragments of opsbook.embed.formulas, and proven row by row against
the engine (tests/test_embed_differential.py, tests/test_embed_generated.py).

A rule that a formula cannot (or should not) express is in NOT_EMBEDDED with the reason the
說明 sheet shows.
"""

from __future__ import annotations

from collections.abc import Callable

from . import formulas as f

# Defined names over the companion sheets (opsbook.embed.plan makes them).
ACCOUNT_PLATFORM, ACCOUNT_NAME = "_opsbook_account_platform", "_opsbook_account_name"

Builder = Callable[[f.Columns, dict], str]

ROSTER_NAME, ROSTER_ROLE = "_opsbook_roster_name", "_opsbook_roster_role"  # the DV's lookups
RETURNED = ["退回", "已退回", "returned"]


# posts ------------------------------------------------------------------------------------


def _web(c: f.Columns, s: dict) -> str:
    return f.one_of(c.ref("platform"), s["posts"]["website_platforms"])


def _channel(channel: str) -> Callable[[f.Columns, dict], str]:
    def on(c, s):
        web = _web(c, s)
        return web if channel == "website" else f.all_of(f.negate(web), f.filled(c.ref("platform")))

    return on


def _news(c, s):
    return f.one_of(c.ref("category"), s["posts"]["news_categories"])


def _news_late(c, s, covered_through: int):
    end, published = c.ref("event_end"), c.ref("published_at")
    deadline = f.working_days_after(end, s["posts"]["news_working_days"])
    return f.all_of(
        _news(c, s),
        f.when_numbers(
            (end, published),
            f.all_of(
                f"YEAR({end})<={covered_through}",
                f"YEAR({end})>=1990",
                f"IFERROR(INT({published})>{deadline},FALSE)",
            ),
        ),
    )


def _news_late_on(on, covered_through: int) -> Builder:
    return lambda c, s: f.all_of(on(c, s), _news_late(c, s, covered_through))


def _account_unregistered(c, s):
    platform = f.squeezed(c.ref("platform"))
    if c.has("account"):
        account = c.ref("account")
        pairs = (
            f"SUMPRODUCT(({f.squeezed(ACCOUNT_PLATFORM)}={platform})"
            f"*({f.squeezed(ACCOUNT_NAME)}={f.squeezed(account)}))=0"
        )
        return f.all_of(f.filled(account), pairs)
    return f.all_of(
        f.filled(c.ref("platform")),
        f"SUMPRODUCT(({f.squeezed(ACCOUNT_PLATFORM)}={platform})*1)=0",
    )


# design costs ---------------------------------------------------------------------------


def _returned(c) -> str:
    return f.one_of(c.ref("status"), RETURNED) if c.has("status") else "FALSE"


def _ordered(c) -> str:
    return f.all_of(f.number(c.ref("ordered_on")), f.negate(_returned(c)))


def _settled_late(c, s):
    ordered, settled = c.ref("ordered_on"), c.ref("settled_on")
    month_end = f"DATE(YEAR({ordered}),MONTH({ordered})+1,1)-1"
    deadline = f.working_days_after(month_end, s["design_costs"]["settlement_working_day"])
    return f.all_of(
        _ordered(c), f.when_numbers((ordered, settled), f"IFERROR(INT({settled})>{deadline},FALSE)")
    )


_AS_OF = (
    "judged against the moment of the run (as-of); a live formula would use NOW()/TODAY() "
    "and change by itself while the workbook is open — left to 驗證 / opsbook validate",
    "以檢查時刻（as-of）判定；工作簿內公式須用 NOW()/TODAY()，開啟期間會自行變化，留給「驗證」",
)
_DUE = (
    "the due date comes from the 設計週期 companion table by item type, counted in working "
    "days, with extension requests: not compiled to a formula yet",
    "到期日取自設計週期表（按物料類型、工作日計）並考慮延期申請，尚未編譯為公式",
)
NOT_EMBEDDED: dict[str, tuple[str, str]] = {
    "inquiries.unanswered": _AS_OF,
    "design_costs.unsettled": _AS_OF,
    "design_costs.overdue": _AS_OF,
    "design_costs.delivered_late": _DUE,
}
AGGREGATE = (
    "looks across rows (a week, a platform-day, a customer's year …): a conditional format "
    "judges one row",
    "跨列彙總（每週、每平台每日、每戶全年…），條件格式只能逐列判斷",
)


def builders(covered_through: int) -> dict[str, Builder]:
    table: dict[str, Builder] = {}
    for prefix, channel in (
        ("posts.website", "website"),
        ("posts.website_r3", "website"),
        ("posts.new_media", "new_media"),
    ):
        table[f"{prefix}.news_late"] = _news_late_on(_channel(channel), covered_through)
    table["posts.account_unregistered"] = _account_unregistered
    table["design_costs.settled_late"] = _settled_late
    return table

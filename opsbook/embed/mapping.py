"""Which row rule becomes which formula: a mapping table of opsbook embed's own.

ISOLATED ON PURPOSE.  Issue 22 turns the row rules into declarations in a small vocabulary
(``when=`` / ``fails_if=`` / ``target=``); when that lands, the compiler walks those
expression trees (each predicate → the fragment of the same name in opsbook.embed.formulas)
and this table goes.  Until then each rule id (or id pattern) maps to a builder written
from the rule's ``fails`` in opsbook/catalog/, with the same predicates by name, and every
builder is proven row by row against the engine (tests/test_embed_differential.py).

A rule that a formula cannot (or should not) express is in NOT_EMBEDDED with the reason
the 說明 sheet shows.
"""

from __future__ import annotations

from collections.abc import Callable

from . import formulas as f

# Defined names over the companion sheets (opsbook.embed.plan makes them).
ROSTER_NAME, ROSTER_ROLE = "_opsbook_roster_name", "_opsbook_roster_role"
ACCOUNT_PLATFORM, ACCOUNT_NAME = "_opsbook_account_platform", "_opsbook_account_name"

Builder = Callable[[f.Columns, dict], str]

PASSED = ["合格", "通過", "pass", "passed"]
RETURNED = ["退回", "已退回", "returned"]
SEAL_MISSING = ["缺失", "無", "沒有", "missing"]
SEAL_DAMAGED = ["損壞", "破損", "damaged"]


# posts ------------------------------------------------------------------------------------


def _web(c: f.Columns, s: dict) -> str:
    return f.one_of(c.ref("platform"), s["posts"]["website_platforms"])


def _channel(channel: str) -> Callable[[f.Columns, dict], str]:
    def on(c, s):
        web = _web(c, s)
        return web if channel == "website" else f.all_of(f.negate(web), f.filled(c.ref("platform")))

    return on


def _needs_gm(channel: str, r3: bool):
    on = _channel(channel)

    def needs(c, s):
        return on(c, s) if r3 else f.all_of(on(c, s), f.yes(c.ref("company_project")))

    return needs


def _not_on_roster(key: str, roles_key: str):
    def build(c, s):
        ref = c.ref(key)
        return f.all_of(
            f.filled(ref),
            f.negate(f.in_roster(ref, ROSTER_NAME, ROSTER_ROLE, s["posts"][roles_key])),
        )

    return build


def _news(c, s):
    return f.one_of(c.ref("category"), s["posts"]["news_categories"])


def _promo(c, s):
    return f.one_of(c.ref("category"), s["posts"]["promo_categories"])


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


def _promo_late(c, s):
    start, published = c.ref("promo_start"), c.ref("published_at")
    n = int(s["posts"]["promo_days_ahead"])
    return f.all_of(
        _promo(c, s), f.when_numbers((start, published), f"INT({published})>INT({start})-{n}")
    )


def _channel_rules(prefix: str, channel: str, r3: bool, covered_through: int) -> dict:
    on = _channel(channel)
    gm = _needs_gm(channel, r3)

    def owner(c, s):
        return f.blank(c.ref("owner" if c.has("owner") else "author"))

    return {
        f"{prefix}.owner_missing": lambda c, s: f.all_of(on(c, s), owner(c, s)),
        f"{prefix}.review_missing": lambda c, s: f.all_of(on(c, s), f.blank(c.ref("reviewer"))),
        f"{prefix}.reviewer_not_manager": lambda c, s: f.all_of(
            on(c, s), _not_on_roster("reviewer", "manager_roles")(c, s)
        ),
        f"{prefix}.reviewed_after_publication": lambda c, s: f.all_of(
            on(c, s), f.later_than(c.ref("reviewed_at"), c.ref("published_at"))
        ),
        f"{prefix}.gm_missing": lambda c, s: f.all_of(gm(c, s), f.blank(c.ref("gm_confirmed_by"))),
        f"{prefix}.gm_before_review": lambda c, s: f.all_of(
            gm(c, s), f.later_than(c.ref("reviewed_at"), c.ref("gm_confirmed_at"))
        ),
        f"{prefix}.gm_after_publication": lambda c, s: f.all_of(
            gm(c, s), f.later_than(c.ref("gm_confirmed_at"), c.ref("published_at"))
        ),
        f"{prefix}.gm_not_gm": lambda c, s: f.all_of(
            gm(c, s), _not_on_roster("gm_confirmed_by", "gm_roles")(c, s)
        ),
        f"{prefix}.news_late": lambda c, s: f.all_of(on(c, s), _news_late(c, s, covered_through)),
        f"{prefix}.news_event_end_missing": lambda c, s: f.all_of(
            on(c, s), _news(c, s), f.blank(c.ref("event_end"))
        ),
        f"{prefix}.news_without_images": lambda c, s: f.all_of(
            on(c, s), _news(c, s), f.negate(f.yes(c.ref("has_images")))
        ),
        f"{prefix}.promo_late": lambda c, s: f.all_of(on(c, s), _promo_late(c, s)),
        f"{prefix}.promo_start_missing": lambda c, s: f.all_of(
            on(c, s), _promo(c, s), f.blank(c.ref("promo_start"))
        ),
    }


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


def _reply_late(c, s):
    got, replied = c.ref("received_at"), c.ref("replied_at")
    seconds = int(s["posts"]["inquiry_reply_hours"]) * 3600
    # Whole seconds: a serial date's binary fraction would put "exactly 24 h" either side.
    return f.when_numbers((got, replied), f"ROUND(({replied}-{got})*86400,0)>{seconds}")


# inspections ----------------------------------------------------------------------------


def _any_yes(c, keys) -> str:
    return f.any_of(*(f.yes(c.ref(k)) for k in keys if c.has(k)))


def _passed(c) -> str:
    return f.one_of(c.ref("result"), PASSED)


HAZARDS = {
    "pipe_altered": ("pipe_altered",),
    "pipe_hazard": ("pipe_as_earth", "corrosion", "load_hung", "hose_overlength", "hose_damaged"),
    "appliance": ("appliance_noncompliant",),
    "private_heater": ("private_heater",),
    "occupation": ("occupation",),
}


def _hazard_rules() -> dict:
    rules = {}
    for name, keys in HAZARDS.items():

        def remedy(c, name=name):
            ok = f.filled(c.ref("rectification"))
            if name == "private_heater" and c.has("reported"):
                ok = f.any_of(ok, f.yes(c.ref("reported")))
            return ok

        rules[f"inspections.{name}.no_rectification"] = lambda c, s, keys=keys, remedy=remedy: (
            f.all_of(_any_yes(c, keys), f.negate(remedy(c)))
        )
        rules[f"inspections.{name}.passed"] = lambda c, s, keys=keys: f.all_of(
            _any_yes(c, keys), _passed(c)
        )
    return rules


def _recorded(key):
    return lambda c, s: f.all_of(f.yes(c.ref("entered")), f.blank(c.ref(key)))


INSPECTIONS = {
    "inspections.uniform": lambda c, s: f.negate(f.yes(c.ref("uniform"))),
    "inspections.badge": lambda c, s: f.negate(f.yes(c.ref("badge"))),
    "inspections.not_entered_reason": lambda c, s: f.all_of(
        f.no(c.ref("entered")), f.blank(c.ref("not_entered_reason"))
    ),
    "inspections.leak_recorded": _recorded("leak"),
    "inspections.stove_pressure_ok_recorded": _recorded("stove_pressure_ok"),
    "inspections.meter_ok_recorded": _recorded("meter_ok"),
    "inspections.leak_passed": lambda c, s: f.all_of(f.yes(c.ref("leak")), _passed(c)),
    "inspections.signature": lambda c, s: f.all_of(_passed(c), f.blank(c.ref("signature"))),
    "inspections.seal_fitted": lambda c, s: f.all_of(
        f.one_of(c.ref("seal"), SEAL_MISSING), f.negate(f.yes(c.ref("seal_fitted")))
    ),
    "inspections.seal_damaged_reported": lambda c, s: f.all_of(
        f.one_of(c.ref("seal"), SEAL_DAMAGED), f.negate(f.yes(c.ref("reported")))
    ),
    "inspections.equipment_damage_reported": lambda c, s: f.all_of(
        f.yes(c.ref("equipment_damaged")), f.negate(f.yes(c.ref("reported")))
    ),
    "inspections.theft_supply_stopped": lambda c, s: f.all_of(
        f.yes(c.ref("theft_found")), f.negate(f.yes(c.ref("supply_stopped")))
    ),
    "inspections.certificate": lambda c, s: f.all_of(
        f.yes(c.ref("entered")), f.negate(f.yes(c.ref("certificate_filled")))
    ),
    "inspections.fee_charged": lambda c, s: f.all_of(
        f.number(c.ref("fee_charged")), f"{c.ref('fee_charged')}<>0"
    ),
    "inspections.unapproved_work": lambda c, s: f.yes(c.ref("unapproved_work")),
    **_hazard_rules(),
}


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


def _paid_before_approval(c, s):
    paid = c.ref("paid_on")
    why = [f.blank(c.ref("settlement_gm_approved"))]
    if c.has("settled_on"):
        settled = c.ref("settled_on")
        why += [f.later_than(settled, paid), f.negate(f.number(settled))]
    return f.all_of(f.number(paid), f.any_of(*why))


DESIGN_COSTS = {
    "design_costs.head_signature": lambda c, s: f.blank(c.ref("head_signed")),
    "design_costs.incomplete_not_returned": lambda c, s: f.all_of(
        f.no(c.ref("form_complete")), f.negate(_returned(c))
    ),
    "design_costs.returned_but_worked_on": lambda c, s: f.all_of(
        _returned(c), f.filled(c.ref("designer"))
    ),
    "design_costs.designer_missing": lambda c, s: f.all_of(
        f.negate(_returned(c)),
        f.blank(c.ref("designer")),
        f.negate(f.no(c.ref("form_complete"))) if c.has("form_complete") else "TRUE",
    ),
    "design_costs.design_before_request": lambda c, s: f.later_than(
        c.ref("requested_on"), c.ref("design_started_on")
    ),
    "design_costs.design_without_signature": lambda c, s: f.all_of(
        f.number(c.ref("design_started_on")), f.blank(c.ref("head_signed"))
    ),
    "design_costs.budget_missing": lambda c, s: f.all_of(_ordered(c), f.blank(c.ref("budget"))),
    "design_costs.budget_unsigned": lambda c, s: f.all_of(
        f.negate(_returned(c)), f.filled(c.ref("budget")), f.blank(c.ref("budget_signed"))
    ),
    "design_costs.over_budget": lambda c, s: f.all_of(
        f.number(c.ref("actual_cost")),
        f.number(c.ref("budget")),
        f"{c.ref('actual_cost')}>{c.ref('budget')}",
    ),
    "design_costs.gm_without_head_approval": lambda c, s: f.all_of(
        f.number(c.ref("gm_confirmed_on")), f.blank(c.ref("design_approved_by"))
    ),
    "design_costs.gm_before_design_done": lambda c, s: f.later_than(
        c.ref("delivered_on"), c.ref("gm_confirmed_on")
    ),
    "design_costs.ordered_without_gm": lambda c, s: f.all_of(
        _ordered(c),
        f.any_of(
            f.negate(f.number(c.ref("gm_confirmed_on"))),
            f.later_than(c.ref("gm_confirmed_on"), c.ref("ordered_on")),
        ),
    ),
    "design_costs.received_before_order": lambda c, s: f.later_than(
        c.ref("ordered_on"), c.ref("received_on")
    ),
    "design_costs.not_warehoused": lambda c, s: f.all_of(
        f.number(c.ref("received_on")), f.blank(c.ref("warehoused_on"))
    ),
    "design_costs.settled_late": _settled_late,
    "design_costs.settlement_head_unsigned": lambda c, s: f.all_of(
        f.number(c.ref("settled_on")), f.blank(c.ref("settlement_head_signed"))
    ),
    "design_costs.settlement_gm_unapproved": lambda c, s: f.all_of(
        f.number(c.ref("settled_on")), f.blank(c.ref("settlement_gm_approved"))
    ),
    "design_costs.paid_before_approval": _paid_before_approval,
}


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
    table.update(_channel_rules("posts.website", "website", False, covered_through))
    table.update(_channel_rules("posts.website_r3", "website", True, covered_through))
    table.update(_channel_rules("posts.new_media", "new_media", False, covered_through))
    for key in ("personal_opinion", "undisclosed_info", "unverified"):
        table[f"posts.self_check.{key}"] = lambda c, s, k=key: f.yes(c.ref(k))
        table[f"posts.self_check.{key}_blank"] = lambda c, s, k=key: f.blank(c.ref(k))
    table["posts.account_unregistered"] = _account_unregistered
    table["inquiries.reply_late"] = _reply_late
    table["inquiries.reply_before_message"] = lambda c, s: f.later_than(
        c.ref("received_at"), c.ref("replied_at")
    )
    table.update(INSPECTIONS)
    table.update(DESIGN_COSTS)
    return table

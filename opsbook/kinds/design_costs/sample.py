"""A sample design request and cost ledger (運營規章制度3 §三): requests of Aug–Oct 2026, the
design-cycle table, yearly budgets and a 合計 row, with seeded violations."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from ...workcalendar import calendar_for
from ..samplekit import Seed, write_table

SHEET = "平面設計費用"
HEADERS = [
    "申請單號",
    "需求部門",
    "設計項目",
    "物料類型",
    "申請日期",
    "部門負責人簽字",
    "填寫完整",
    "狀態",
    "設計人員",
    "開始設計日期",
    "計劃完成日期",
    "實際完成日期",
    "延期申請日期",
    "打樣製作預算",
    "預算簽字",
    "部門負責人審核",
    "總經理確認日期",
    "下單日期",
    "供應商",
    "實際費用",
    "到貨日期",
    "入庫日期",
    "結算日期",
    "結算部門負責人簽字",
    "總經理審核",
    "付款日期",
    "備註",
]
KEYS = [
    "request_id",
    "department",
    "item",
    "item_type",
    "requested_on",
    "head_signed",
    "form_complete",
    "status",
    "designer",
    "design_started_on",
    "due_on",
    "delivered_on",
    "extension_requested_on",
    "budget",
    "budget_signed",
    "design_approved_by",
    "gm_confirmed_on",
    "ordered_on",
    "vendor",
    "actual_cost",
    "received_on",
    "warehoused_on",
    "settled_on",
    "settlement_head_signed",
    "settlement_gm_approved",
    "paid_on",
    "note",
]
CYCLE = {"海報": 3, "易拉寶": 2, "宣傳冊": 7, "展板": 4}
DEPARTMENTS = {"市場部": "周主任", "教學部": "吳主任", "招生部": "鄭主任", "行政部": "馮主任"}
VENDORS = ["廣州印務", "美嘉廣告", "新圖製作"]
ITEMS = {
    "海報": ["招生海報", "活動海報"],
    "易拉寶": ["展會易拉寶"],
    "宣傳冊": ["課程宣傳冊"],
    "展板": ["園所展板"],
}
GM = "王總"


def _workday(day: dt.date, n: int) -> dt.date:
    cal = calendar_for("CN")
    return cal.add_working_days(pd.Series([pd.Timestamp(day)]), n).iloc[0].date()


def _nth_workday(month_start: dt.date, n: int) -> dt.date:
    return _workday(month_start - dt.timedelta(days=1), n)


def _request(i: int, requested: dt.date, rng: random.Random) -> dict:
    dept = list(DEPARTMENTS)[i % 4]
    kind = list(CYCLE)[i % 4]
    start = _workday(requested, 1)
    delivered = _workday(start, CYCLE[kind] - 1) if CYCLE[kind] > 1 else start
    confirmed = delivered + dt.timedelta(days=1)
    ordered = confirmed
    budget = rng.choice([800, 1200, 1500, 2000, 3000])
    received = ordered + dt.timedelta(days=5)
    month_after = (ordered.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    settled = _nth_workday(month_after, 3)
    return {
        "request_id": f"SJ2026{i:03d}",
        "department": dept,
        "item": rng.choice(ITEMS[kind]),
        "item_type": kind,
        "requested_on": requested,
        "head_signed": DEPARTMENTS[dept],
        "form_complete": "是",
        "status": "完成",
        "designer": rng.choice(["小美", "阿傑"]),
        "design_started_on": start,
        "delivered_on": delivered,
        "budget": budget,
        "budget_signed": DEPARTMENTS[dept],
        "design_approved_by": DEPARTMENTS[dept],
        "gm_confirmed_on": confirmed,
        "ordered_on": ordered,
        "vendor": rng.choice(VENDORS),
        "actual_cost": budget - rng.choice([0, 50, 100, 200]),
        "received_on": received,
        "warehoused_on": received,
        "settled_on": settled,
        "settlement_head_signed": DEPARTMENTS[dept],
        "settlement_gm_approved": GM,
        "paid_on": settled + dt.timedelta(days=2),
    }


def build_design_costs(path: Path, seed: int = 5) -> list[Seed]:
    rng = random.Random(seed)
    requests = []
    day = dt.date(2026, 8, 3)
    i = 1
    while day <= dt.date(2026, 10, 20):
        requests.append(_request(i, day, rng))
        i += 1
        day += dt.timedelta(days=2)
    seeds: list[tuple[dict, str, str]] = []
    by_id = {r["request_id"]: r for r in requests}

    def plant(n: int, clause: str, rule: str, **changes) -> dict:
        r = by_id[f"SJ2026{n:03d}"]
        r.update(changes)
        seeds.append((r, clause, rule))
        return r

    undone = dict.fromkeys(
        [
            "design_started_on",
            "delivered_on",
            "gm_confirmed_on",
            "ordered_on",
            "vendor",
            "actual_cost",
            "received_on",
            "warehoused_on",
            "settled_on",
            "settlement_head_signed",
            "settlement_gm_approved",
            "paid_on",
            "design_approved_by",
            "budget",
            "budget_signed",
        ]
    )
    plant(2, "R3-3.1", "design_costs.head_signature", head_signed=None)
    # The designer started on that unsigned form: a second violation, on 開始設計日期.
    seeds.append((by_id["SJ2026002"], "R3-3.4", "design_costs.design_without_signature"))
    plant(
        3,
        "R3-3.2",
        "design_costs.incomplete_not_returned",
        form_complete="否",
        status="進行中",
        designer=None,
        **undone,
    )
    plant(
        4,
        "R3-3.2",
        "design_costs.returned_but_worked_on",
        form_complete="否",
        status="退回",
        **undone,
    )
    plant(5, "R3-3.2", "design_costs.designer_missing", status="進行中", designer=None, **undone)
    r = by_id["SJ2026006"]
    plant(
        6,
        "R3-3.4",
        "design_costs.design_before_request",
        design_started_on=r["requested_on"] - dt.timedelta(days=2),
        due_on=r["delivered_on"],
    )
    plant(7, "R3-3.5", "design_costs.budget_missing", budget=None, budget_signed=None)
    plant(8, "R3-3.5", "design_costs.budget_unsigned", budget_signed=None)
    plant(9, "R3-3.5", "design_costs.over_budget", budget="1,200", actual_cost=1480)
    r = by_id["SJ2026010"]
    late = _workday(r["design_started_on"], CYCLE[r["item_type"]] + 2)
    plant(
        10,
        "R3-3.6",
        "design_costs.delivered_late",
        delivered_on=late,
        gm_confirmed_on=late,
        ordered_on=late,
        received_on=late + dt.timedelta(days=3),
        warehoused_on=late + dt.timedelta(days=3),
    )
    r = by_id["SJ2026011"]  # late too, but the extension was asked before the due date: clean
    late = _workday(r["design_started_on"], CYCLE[r["item_type"]] + 2)
    r.update(
        delivered_on=late,
        gm_confirmed_on=late,
        ordered_on=late,
        received_on=late + dt.timedelta(days=3),
        warehoused_on=late + dt.timedelta(days=3),
        extension_requested_on=r["design_started_on"],
    )
    plant(12, "R3-3.7", "design_costs.gm_without_head_approval", design_approved_by=None)
    r = by_id["SJ2026013"]
    plant(
        13,
        "R3-3.7",
        "design_costs.gm_before_design_done",
        gm_confirmed_on=r["delivered_on"] - dt.timedelta(days=1),
    )
    r = by_id["SJ2026014"]
    plant(
        14,
        "R3-3.8",
        "design_costs.ordered_without_gm",
        ordered_on=r["gm_confirmed_on"] - dt.timedelta(days=1),
    )
    r = by_id["SJ2026015"]
    plant(
        15,
        "R3-3.9",
        "design_costs.received_before_order",
        received_on=r["ordered_on"] - dt.timedelta(days=1),
        warehoused_on=r["ordered_on"],
    )
    plant(16, "R3-3.10", "design_costs.not_warehoused", warehoused_on=None)
    plant(
        17,
        "R3-3.12",
        "design_costs.unsettled",
        settled_on=None,
        settlement_head_signed=None,
        settlement_gm_approved=None,
        paid_on=None,
    )
    plant(18, "R3-3.12", "design_costs.settlement_head_unsigned", settlement_head_signed=None)
    plant(
        19,
        "R3-3.12",
        "design_costs.settlement_gm_unapproved",
        settlement_gm_approved=None,
        paid_on=None,
    )
    r = by_id["SJ2026020"]
    plant(
        20,
        "R3-3.12",
        "design_costs.paid_before_approval",
        paid_on=r["settled_on"] - dt.timedelta(days=1),
    )
    plant(21, "R3-3.5", "read.unreadable_number", actual_cost="三百")
    # September items: the 5th working day of October 2026 is 10-13 (10-01..10-07 off, 10-10 worked).
    september = [
        r
        for r in requests
        if r["ordered_on"] and r["ordered_on"].month == 9 and id(r) not in {id(s[0]) for s in seeds}
    ]
    september[0].update(
        settled_on=dt.date(2026, 10, 13), paid_on=dt.date(2026, 10, 15)
    )  # on time: clean
    late_one = september[1]
    late_one.update(settled_on=dt.date(2026, 10, 14), paid_on=dt.date(2026, 10, 16))
    seeds.append((late_one, "R3-3.12", "design_costs.settled_late"))
    september[2].update(
        settled_on=dt.date(2026, 10, 3), paid_on=dt.date(2026, 10, 9)
    )  # during the holiday: fine
    # Numbers typed as text and text dates, as teams type them.
    for k, r in enumerate(requests):
        if k % 5 == 1 and isinstance(r["budget"], int):
            r["budget"] = f"¥{r['budget']:,}"
        if k % 4 == 2 and isinstance(r["requested_on"], dt.date):
            r["requested_on"] = f"{r['requested_on']:%Y/%-m/%-d}"

    costs = [r["actual_cost"] for r in requests if isinstance(r.get("actual_cost"), (int, float))]
    totals = ["合計"] + [None] * (len(KEYS) - 1)
    totals[KEYS.index("actual_cost")] = sum(costs)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    positions = write_table(
        ws,
        "2026年8-10月 平面設計申請及費用台賬",
        HEADERS,
        [[r.get(k) for k in KEYS] for r in requests],
        totals=totals,
    )
    row_of = {id(r): p for r, p in zip(requests, positions)}
    result = [Seed(SHEET, row_of[id(r)], clause, rule) for r, clause, rule in seeds]
    write_table(
        wb.create_sheet("設計工作週期表"),
        None,
        ["物料類型", "設計天數"],
        [[k, v] for k, v in CYCLE.items()],
    )
    spend = {d: 0 for d in DEPARTMENTS}
    crossing = {}
    budgets = {"市場部": 60000, "教學部": 60000, "招生部": 0, "行政部": 0}
    ordered = sorted(
        (
            r
            for r in requests
            if r.get("ordered_on")
            and isinstance(r.get("actual_cost"), (int, float))
            and r.get("status") != "退回"
        ),
        key=lambda r: r["ordered_on"],
    )
    total = {d: sum(r["actual_cost"] for r in ordered if r["department"] == d) for d in DEPARTMENTS}
    budgets["行政部"] = int(
        total["行政部"] * 0.8
    )  # over budget: error where the spend crosses 100%
    budgets["招生部"] = int(total["招生部"] / 0.93)  # at 93%: a warning where it crosses 90%
    for r in ordered:
        spend[r["department"]] += r["actual_cost"]
        d = r["department"]
        limit = budgets[d] if d == "行政部" else budgets[d] * 0.9
        if (
            d in ("行政部", "招生部")
            and d not in crossing
            and (spend[d] > limit if d == "行政部" else spend[d] >= limit)
        ):
            crossing[d] = row_of[id(r)]
    result += [
        Seed(
            SHEET,
            crossing["行政部"],
            "R3-2.3.1",
            "design_costs.yearly_budget",
            "行政部 over budget",
        ),
        Seed(SHEET, crossing["招生部"], "R3-2.3.1", "design_costs.yearly_budget", "招生部 at 93%"),
    ]
    write_table(
        wb.create_sheet("年度預算"),
        None,
        ["部門", "年度", "預算"],
        [[d, 2026, b] for d, b in budgets.items()],
    )
    wb.save(path)
    return result

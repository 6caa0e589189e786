"""A sample household gas-inspection workbook (運營規章制度2): a year and a half of visits,
a customers roster and a purchase log, with seeded violations of each kind.  ``customers``
scales it up for the benchmark (each extra block of customers is clean)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from openpyxl import Workbook

from ..samplekit import Seed, write_table

SHEET = "入户安检记录"
# Simplified headers, as a utility's template might have them.
HEADERS = [
    "用户编号",
    "户名",
    "地址",
    "用户类型",
    "检查日期",
    "安检员",
    "统一着装",
    "佩戴工作牌",
    "是否入户",
    "未入户原因",
    "燃气泄漏",
    "灶前压力正常",
    "气表正常",
    "设备损坏",
    "私改管道",
    "管道作接地线",
    "锈蚀",
    "重物搭挂",
    "胶管超长",
    "胶管破损",
    "设备不符合要求",
    "私接热水器",
    "违章占压",
    "防盗封",
    "加装防盗封",
    "发现盗气",
    "停止供气",
    "整改意见",
    "已上报",
    "检查结果",
    "用户签字",
    "已填写用户使用证",
    "收取费用",
    "私自安装改装",
    "备注",
]
KEYS = [
    "customer_id",
    "customer_name",
    "address",
    "customer_type",
    "inspected_on",
    "inspector",
    "uniform",
    "badge",
    "entered",
    "not_entered_reason",
    "leak",
    "stove_pressure_ok",
    "meter_ok",
    "equipment_damaged",
    "pipe_altered",
    "pipe_as_earth",
    "corrosion",
    "load_hung",
    "hose_overlength",
    "hose_damaged",
    "appliance_noncompliant",
    "private_heater",
    "occupation",
    "seal",
    "seal_fitted",
    "theft_found",
    "supply_stopped",
    "rectification",
    "reported",
    "result",
    "signature",
    "certificate_filled",
    "fee_charged",
    "unapproved_work",
    "note",
]
INSPECTORS = ["劉安", "趙檢", "孫工"]
SURNAMES = "王李張劉陳楊黃趙吳周徐孫馬朱胡郭何高林羅"
YES = ["是", "是", "是", "Y", "✓"]
NO = ["否", "否", "否", "N"]


def _visit(cid: str, name: str, kind: str, day: dt.date, rng: random.Random) -> dict:
    return {
        "customer_id": cid,
        "customer_name": name,
        "address": f"幸福路{cid[1:]}號",
        "customer_type": kind,
        "inspected_on": day,
        "inspector": rng.choice(INSPECTORS),
        "uniform": rng.choice(YES),
        "badge": rng.choice(YES),
        "entered": "是",
        "leak": rng.choice(["無", "无", "N"]),
        "stove_pressure_ok": "是",
        "meter_ok": "是",
        "equipment_damaged": "否",
        "seal": "完好",
        "result": "合格",
        "signature": name,
        "certificate_filled": rng.choice(YES),
        "fee_charged": 0,
        "unapproved_work": "否",
        "_day": day,
    }


def _customers(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    out = []
    for i in range(1, n + 1):
        kind = "公服" if i % 20 == 18 else "工業" if i % 20 == 19 else "民用"
        out.append((f"C{i:05d}", rng.choice(SURNAMES) + rng.choice("明華強芳軍麗偉敏"), kind))
    return out


# The benchmark's "reference" shape: the 18-column sheet with no companion sheets.
REFERENCE_HEADERS = [
    "用户编号",
    "户名",
    "地址",
    "用户类型",
    "检查日期",
    "安检员",
    "统一着装",
    "佩戴工作牌",
    "是否入户",
    "未入户原因",
    "燃气泄漏",
    "灶前压力正常",
    "气表正常",
    "胶管破损",
    "检查结果",
    "用户签字",
    "已填写用户使用证",
    "收取费用",
]


def build_inspections(
    path: Path,
    customers: int = 40,
    seed: int = 11,
    text_dates: bool = True,
    headers: list[str] | None = None,
) -> list[Seed]:
    """``headers`` (big workbooks only) writes just those columns and no companion sheets;
    the seeds then name rows whose planted cell may be absent."""
    rng = random.Random(seed)
    people = _customers(customers, rng)
    visits: list[dict] = []
    schedule = [
        dt.date(2025, 7, 8),
        dt.date(2025, 11, 12),
        dt.date(2026, 3, 10),
        dt.date(2026, 9, 15),
    ]
    by: dict[tuple[str, int, int], dict] = {}  # (customer, year, month of the round) → visit
    for i, (cid, name, kind) in enumerate(people):
        for base in schedule:
            day = base + dt.timedelta(days=i % 25)
            visits.append(_visit(cid, name, kind, day, rng))
            by[(cid, base.year, base.month)] = visits[-1]
    seeds: list[tuple[dict, str, str]] = []

    def plant(cid_no: int, year: int, month: int, clause: str, rule: str, **changes) -> dict:
        v = by[(f"C{cid_no:05d}", year, month)]
        v.update(changes)
        seeds.append((v, clause, rule))
        return v

    plant(1, 2025, 7, "R2-2.1", "inspections.uniform", uniform="否")
    plant(2, 2025, 7, "R2-3.2", "inspections.badge", badge="N")
    # C00003 was not home in Nov 2025 and nobody wrote why; a revisit a week later entered.
    v = plant(
        3,
        2025,
        11,
        "R2-2.7",
        "inspections.not_entered_reason",
        entered="否",
        leak=None,
        stove_pressure_ok=None,
        meter_ok=None,
        result=None,
        signature=None,
        certificate_filled=None,
    )
    revisit = dict(
        v,
        entered="是",
        leak="無",
        stove_pressure_ok="是",
        meter_ok="是",
        result="合格",
        signature=v["customer_name"],
        certificate_filled="是",
        inspected_on=v["inspected_on"] + dt.timedelta(days=7),
        _day=v["_day"] + dt.timedelta(days=7),
    )
    visits.append(revisit)
    plant(4, 2026, 3, "R2-2.5", "inspections.meter_ok_recorded", meter_ok=None)
    plant(7, 2026, 3, "R2-2.7", "inspections.signature", signature=None)
    plant(
        8,
        2026,
        9,
        "R2-2.3",
        "inspections.pipe_hazard.no_rectification",
        corrosion="是",
        result="不合格",
        reported="否",
    )
    plant(
        9,
        2026,
        9,
        "R2-2.3",
        "inspections.pipe_hazard.passed",
        hose_damaged="✓",
        rectification="更換膠管",
    )
    plant(12, 2026, 3, "R2-1.4", "inspections.seal_fitted", seal="缺失", seal_fitted="否")
    plant(
        13,
        2026,
        3,
        "R2-1.4.1",
        "inspections.seal_damaged_reported",
        seal="損壞",
        reported="否",
        result="不合格",
        rectification="更換表封",
    )
    plant(14, 2026, 9, "R2-2.2", "inspections.equipment_damage_reported", equipment_damaged="是")
    plant(
        15,
        2025,
        11,
        "R2-1.3",
        "inspections.theft_supply_stopped",
        theft_found="是",
        supply_stopped="否",
        result="不合格",
        rectification="責令終止盜氣",
    )
    plant(16, 2025, 7, "R2-2.8", "inspections.certificate", certificate_filled="否")
    plant(17, 2026, 9, "R2-3.6", "inspections.fee_charged", fee_charged="50")
    plant(21, 2026, 3, "R2-3.8", "inspections.unapproved_work", unapproved_work="是")
    plant(
        22,
        2026,
        9,
        "R2-1.4.3",
        "inspections.private_heater.no_rectification",
        private_heater="是",
        result="不合格",
        reported="否",
    )
    plant(
        23,
        2025,
        11,
        "R2-1.5",
        "inspections.occupation.no_rectification",
        occupation="是",
        result="不合格",
    )
    plant(
        24,
        2026,
        3,
        "R2-1.4.2",
        "inspections.pipe_altered.passed",
        pipe_altered="是",
        rectification="恢復原管道",
    )
    plant(
        25,
        2026,
        3,
        "R2-2.4",
        "inspections.appliance.no_rectification",
        appliance_noncompliant="是",
        result="不合格",
    )
    plant(26, 2026, 9, "R2-2.1", "read.unreadable_date", inspected_on="2026/9/31")
    # Twice a year: C00005 was seen once in 2025 (a completed year: error); C00006 once so far
    # in 2026 (the year of --as-of: warning); C00026's September date is unreadable, so 2026
    # has one readable visit too.
    visits.remove(by[("C00005", 2025, 11)])
    visits.remove(by[("C00006", 2026, 9)])

    # Customers that only the roster knows: never visited at all.
    ghost = (f"C{customers + 1:05d}", "錢空", "民用")
    visits.sort(key=lambda v: (v["_day"], v["customer_id"]))
    if text_dates:
        for i, v in enumerate(visits):
            d = v["inspected_on"]
            if isinstance(d, dt.date) and i % 6 == 2:
                v["inspected_on"] = f"{d.year}年{d.month}月{d.day}日"
            elif isinstance(d, dt.date) and i % 6 == 4:
                v["inspected_on"] = f"{d:%Y/%-m/%-d}"

    wb = Workbook(write_only=customers > 2000)
    if headers is not None and customers <= 2000:
        raise ValueError("a column subset is for big (benchmark) workbooks only")
    if customers > 2000:
        _write_fast(wb, visits, headers or HEADERS)
        positions = list(range(4, 4 + len(visits)))
    else:
        ws = wb.active
        ws.title = SHEET
        positions = write_table(
            ws,
            "2025-2026年度 入户安检记录",
            HEADERS,
            [[v.get(k) for k in KEYS] for v in visits],
            blank_after=60,
            totals=True,
        )
    row_of = {id(v): r for v, r in zip(visits, positions)}
    result = [Seed(SHEET, row_of[id(v)], clause, rule) for v, clause, rule in seeds]

    def rows_of(cid: str, year: int) -> list[int]:
        return sorted(row_of[id(v)] for v in visits if v["customer_id"] == cid and _year(v) == year)

    result += [
        Seed(
            SHEET,
            rows_of("C00005", 2025)[0],
            "R2-2.1",
            "inspections.twice_a_year",
            "C00005 2025: 1 visit",
        ),
        Seed(
            SHEET,
            rows_of("C00006", 2026)[0],
            "R2-2.1",
            "inspections.twice_a_year",
            "C00006 2026: 1 so far",
        ),
        Seed(
            SHEET,
            rows_of("C00026", 2026)[0],
            "R2-2.1",
            "inspections.twice_a_year",
            "C00026 2026: 1 readable",
        ),
        Seed(SHEET, None, "R2-2.1", "inspections.twice_a_year", f"{ghost[0]} 2025: never visited"),
        Seed(SHEET, None, "R2-2.1", "inspections.twice_a_year", f"{ghost[0]} 2026: never visited"),
    ]
    if headers is None:
        result += _purchases(wb, people, visits, row_of, rng, customers > 2000)
        _roster(wb, people + [ghost], customers > 2000)
    wb.save(path)
    return result


def _year(v: dict) -> int:
    return v["_day"].year


def _write_fast(wb, visits, headers: list[str]) -> None:
    ws = wb.create_sheet(SHEET)
    ws.append(["2025-2026年度 入户安检记录"])
    ws.append([])
    ws.append(headers)
    keys = [KEYS[HEADERS.index(h)] for h in headers]
    for v in visits:
        ws.append([v.get(k) for k in keys])


def _purchases(wb, people, visits, row_of, rng, fast: bool) -> list[Seed]:
    """Monthly purchases; C00010 stops after 2026-07-31 (blacklisted 2026-10-31, last
    visited 2026-09-24: never followed up); C00011 stops after 2026-06-10 (blacklisted
    2026-09-10) and is visited on 2026-09-25 (followed up)."""
    rows = []
    for cid, _, _ in people:
        last = {"C00010": dt.date(2026, 7, 10), "C00011": dt.date(2026, 6, 10)}.get(
            cid, dt.date(2026, 11, 10)
        )
        day = dt.date(2025, 6, 10)
        while day <= last:
            rows.append([cid, day, rng.randint(50, 300), rng.randint(10, 60)])
            day = day.replace(month=day.month % 12 + 1, year=day.year + (day.month == 12))
        if cid == "C00010":
            rows.append([cid, "2026年7月31日", 120, 20])
    _sheet(wb, "购气记录", ["用户编号", "购气日期", "金额", "气量"], rows, fast)
    c10 = sorted(row_of[id(v)] for v in visits if v["customer_id"] == "C00010")
    return [
        Seed(SHEET, c10[0], "R2-1.2", "inspections.blacklist_follow_up", "C00010 listed 2026-08-31")
    ]


def _roster(wb, people, fast: bool) -> None:
    rows = [[cid, name, kind, f"幸福路{cid[1:]}號"] for cid, name, kind in people]
    _sheet(wb, "用户清单", ["用户编号", "户名", "用户类型", "地址"], rows, fast)


def _sheet(wb, name: str, headers: list[str], rows: list[list], fast: bool) -> None:
    """A companion sheet: streamed as is for big workbooks, laid out as teams do otherwise."""
    if fast:
        ws = wb.create_sheet(name)
        ws.append(headers)
        for r in rows:
            ws.append(r)
    else:
        write_table(wb.create_sheet(name), None, headers, rows)

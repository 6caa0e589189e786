"""The benchmark's workbooks, generated once into bench/out/.

Inspections come from the sample builder scaled up (``customers``), in two shapes: the
issue's 18-column reference sheet, and the full contract with its purchase log and roster.
Post logs and design-cost ledgers are the bundled samples' main tables repeated to the size
asked for (companion sheets as they are): their seeded violations repeat with them, so a big
ledger also has thousands of cells to mark and note."""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).parent / "out"
SHAPES = ("reference", "full", "posts", "design_costs")
KIND = {
    "reference": "inspections",
    "full": "inspections",
    "posts": "posts",
    "design_costs": "design_costs",
}
TOTAL_WORDS = {"合計", "總計", "小計", "合计", "总计", "小计"}


def workbook(rows: int, shape: str) -> tuple[Path, int]:
    """The workbook of ``rows`` data rows in ``shape`` and the row its header is on."""
    OUT.mkdir(exist_ok=True)
    names = {"full": f"inspections-{rows}.xlsx", "reference": f"inspections-reference-{rows}.xlsx"}
    path = OUT / names.get(shape, f"{shape}-{rows}.xlsx")
    if shape in ("reference", "full"):
        if not path.exists():
            from opsbook.kinds.inspections.sample import REFERENCE_HEADERS, build_inspections

            print(f"generating {path} …", flush=True)
            build_inspections(
                path,
                customers=max(rows // 4, 2001),
                headers=REFERENCE_HEADERS if shape == "reference" else None,
            )
        return path, 3
    return path, _tiled(path, rows, shape)


def _tiled(path: Path, rows: int, kind: str) -> int:
    from openpyxl import Workbook, load_workbook

    from opsbook.config import load_config
    from opsbook.engine import as_of_moment
    from opsbook.pipeline import check_file
    from opsbook.samples.bundled import BUILDERS

    sample = OUT / f"sample-{kind}.xlsx"
    if not sample.exists():
        builder = {"posts": "發布日誌.xlsx", "design_costs": "平面設計費用.xlsx"}[kind]
        BUILDERS[builder](sample)
    main = next(
        t
        for t in check_file(sample, load_config(), as_of_moment("2026-11-26"))
        .report.files[0]
        .tables
        if t.table == kind
    )
    if path.exists():
        return main.header_row
    print(f"generating {path} …", flush=True)
    book = load_workbook(sample)
    values = list(book[main.sheet].iter_rows(values_only=True))
    head, body = values[: main.header_row], values[main.header_row :]
    body = [
        r
        for r in body
        if any(v is not None for v in r) and not TOTAL_WORDS & {str(v) for v in r[:3]}
    ]
    out = Workbook(write_only=True)
    sheet = out.create_sheet(main.sheet)
    for row in head:
        sheet.append(row)
    for i in range(rows):
        sheet.append(body[i % len(body)])
    for ws in book.worksheets:
        if ws.title != main.sheet:
            copy = out.create_sheet(ws.title)
            for row in ws.iter_rows(values_only=True):
                copy.append(row)
    out.save(path)
    return main.header_row


# Violation-heavy inspection logs (issue 15) -------------------------------------------------
#
# One year (2023) of household visits in the sample's layout (title row, blank row, Simplified
# headers on row 3, a sixth of the dates written as text), checked with --from/--to 2023 so only
# the log's own year is judged.  Three mixes of the same log:
#   realistic — fees charged on 3 rows in 7, missing badges and signatures, hazards left without
#               a rectification note (or passed anyway), visits that did not enter with no
#               reason, and 40% of customers seen once (twice-a-year shortfalls);
#   dense     — every row breaks at least two rules (a fee and a missing badge on every row);
#   few       — the same log with about a thousand violations;
#   clean     — the same log without a violation (issue 27's floor comparison).
LOG_HEADERS = [
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
    "锈蚀",
    "胶管破损",
    "整改意见",
    "检查结果",
    "用户签字",
    "已填写用户使用证",
    "收取费用",
]
LOG_YEAR = 2023
LOG_PERIOD = ("--from", f"{LOG_YEAR}-01-01", "--to", f"{LOG_YEAR}-12-31")
# Rates per row (fee is "k rows in 7"); once: share of customers seen only once in the year.
MIXES = {
    "realistic": dict(
        fee=3,
        badge=0.12,
        uniform=0.03,
        signature=0.10,
        corrosion=0.05,
        hose=0.03,
        not_entered=0.04,
        no_reason=0.5,
        once=0.40,
    ),
    "dense": dict(
        fee=7,
        badge=1.0,
        uniform=0.10,
        signature=0.25,
        corrosion=0.10,
        hose=0.05,
        not_entered=0.04,
        no_reason=0.5,
        once=0.40,
    ),
    "few": dict(
        fee=0,
        badge=0.0015,
        uniform=0.0005,
        signature=0.0015,
        corrosion=0.0005,
        hose=0.0005,
        not_entered=0.001,
        no_reason=0.5,
        once=0.002,
    ),
    "clean": dict(
        fee=0,
        badge=0.0,
        uniform=0.0,
        signature=0.0,
        corrosion=0.0,
        hose=0.0,
        not_entered=0.0,
        no_reason=0.0,
        once=0.0,
    ),
}


def violation_log(rows: int, mix: str) -> tuple[Path, int]:
    """The ``rows``-row inspection log of ``mix`` (generated once) and its header row."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"inspection-log-{mix}-{rows}.xlsx"
    if not path.exists():
        print(f"generating {path} …", flush=True)
        _write_log(path, rows, MIXES[mix])
    return path, 3


def _write_log(path: Path, rows: int, mix: dict) -> None:
    import datetime as dt
    import random

    from openpyxl import Workbook

    rng = random.Random(15)
    # Customers seen once take `once` of the customers; the rest are seen twice.
    twice = round(rows * (1 - mix["once"]) / (1 + mix["once"]) / 2)
    once = rows - 2 * twice
    plan = [(c, 0) for c in range(once)] + [(once + c, k) for c in range(twice) for k in (0, 1)]
    start = dt.date(LOG_YEAR, 1, 2)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("入户安检记录")
    sheet.append([f"{LOG_YEAR}年度 入户安检记录"])
    sheet.append([])
    sheet.append(LOG_HEADERS)
    visits = []
    for c, k in plan:
        # A customer's two visits fall in the first and the second half of the year.
        day = start + dt.timedelta(days=(c * 7) % 170 + 180 * k)
        visits.append((day, c))
    visits.sort()
    for i, (day, c) in enumerate(visits):
        cid = f"K{c:06d}"
        name = "王李張劉陳楊黃趙吳周"[c % 10] + "明華強芳軍麗偉敏"[c % 8]
        entered = rng.random() >= mix["not_entered"]
        corrosion = entered and rng.random() < mix["corrosion"]
        hose = entered and rng.random() < mix["hose"]
        result = (
            ("合格" if rng.random() < 0.5 else "不合格")
            if corrosion or hose
            else "合格"
            if entered
            else None
        )
        fee = rng.choice([20, 30, 50]) if i % 7 < mix["fee"] else 0
        text_day = (
            f"{day.year}年{day.month}月{day.day}日"
            if i % 6 == 2
            else f"{day:%Y/%-m/%-d}"
            if i % 6 == 4
            else day
        )
        sheet.append(
            [
                cid,
                name,
                f"幸福路{c}號",
                "民用",
                text_day,
                ["劉安", "趙檢", "孫工"][i % 3],
                "否" if rng.random() < mix["uniform"] else "是",
                "否" if rng.random() < mix["badge"] else "是",
                "是" if entered else "否",
                None if entered or rng.random() < mix["no_reason"] else "用戶不在家",
                "無" if entered else None,
                "是" if entered else None,
                "是" if entered else None,
                "是" if corrosion else None,
                "是" if hose else None,
                "更換膠管" if (corrosion or hose) and rng.random() < 0.3 else None,
                result,
                None if result is None or rng.random() < mix["signature"] else name,
                "是" if entered else None,
                fee,
            ]
        )
    book.save(path)

"""Python time of the worksheet formulas (issue 13), as Excel would call them: one call per
formula cell, each with its own arguments.

    python bench/udfs.py            # 10,000 OPS_CHECK_ROW rows, a 100k-row purchase log
    python bench/udfs.py --rows 2000 --purchases 20000

OPS_CHECK_ROW is called once per row with the row and the header row as ranges, as xlwings
passes them under ``@xw.arg(..., xw.Range)``, and its calling cell as ``caller``; every call
it makes back into Excel is counted (the stand-in counts them) and the report adds
calls x 0.3 ms to the Python time, the estimate of the time in Excel; the ranges are those of the Excel stand-in the tests use
(tests/excel_standin.py), whose own cost (reading a row's cells) is measured separately and
reported.  OPS_BLACKLISTED is called with a handle from OPS_PURCHASES (the documented way)
and, for comparison, with the two columns passed by value.  Not part of the test suite;
results go in bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from excel_standin import Book  # noqa: E402

from opsbook.excel import rowcache, serial, udfs  # noqa: E402

CALL_MS = 0.3  # a typical cross-process COM call into Excel (issue 25: 0.1-1 ms)

HEADERS = [
    "用戶編號",
    "戶名",
    "地址",
    "用戶類型",
    "檢查日期",
    "檢查員",
    "統一著裝",
    "佩戴工作牌",
    "是否入戶",
    "未入戶原因",
    "燃氣洩漏",
    "灶前壓力正常",
    "氣表正常",
    "防盜封",
    "加裝防盜封",
    "檢查結果",
    "用戶簽字",
    "整改意見",
    "已上報",
    "收取費用",
]


def inspection_rows(n: int, rng: random.Random) -> list[list]:
    rows = []
    for i in range(n):
        day = dt.datetime(2026, 1, 5) + dt.timedelta(days=rng.randrange(300))
        entered = rng.random() > 0.05
        rows.append(
            [
                f"C{rng.randrange(n // 2):06d}",
                f"用戶{i}",
                f"幸福路{i}號",
                rng.choice(["民用", "民用", "公服"]),
                day,
                rng.choice(["劉", "王", "張"]),
                rng.choice(["是"] * 9 + ["否"]),
                rng.choice(["是"] * 9 + ["否"]),
                "是" if entered else "否",
                None if entered else rng.choice(["無人", None]),
                rng.choice(["否"] * 30 + ["是"]),
                "是",
                "是",
                rng.choice(["完好"] * 8 + ["缺失", "損壞"]),
                rng.choice(["否", "是"]),
                rng.choice(["合格"] * 9 + ["不合格"]),
                rng.choice(["王", "李", None]),
                rng.choice([None, None, "更換膠管"]),
                rng.choice(["是", "否"]),
                rng.choice([0, 0, 0, 20]),
            ]
        )
    return rows


def check_row_column(rows: int, rng: random.Random) -> dict:
    book = Book("bench.xlsx")
    sheet = book._new_sheet("入戶安檢記錄")
    for c, h in enumerate(HEADERS, start=1):
        sheet.cells[(1, c)] = h
    data = inspection_rows(rows, rng)
    for r, row in enumerate(data, start=2):
        for c, v in enumerate(row, start=1):
            if v is not None:
                sheet.cells[(r, c)] = v
    width = len(HEADERS)
    cells = [sheet.range((r, 1), (r, width)) for r in range(2, rows + 2)]
    as_of = dt.datetime(2026, 11, 26)
    start = time.perf_counter()
    header = sheet.range((1, 1), (1, width))
    for (
        cell
    ) in cells:  # the stand-in's own cost: reading each row and the header, as the formula does
        _ = cell.options(ndim=2).value, header.options(ndim=2).value
    standin = time.perf_counter() - start
    rowcache.ANSWERS.tables.clear()
    callers = [sheet.range((r, width + 2)) for r in range(2, rows + 2)]
    calls_before = book.excel.calls
    start = time.perf_counter()
    answers = [
        udfs.OPS_CHECK_ROW(cell, header, as_of, caller=caller)
        for cell, caller in zip(cells, callers)
    ]
    total = time.perf_counter() - start
    calls = book.excel.calls - calls_before  # every call back into Excel the formulas made
    # The engine once per call, as before issue 13: a sample of calls.
    sample = 20
    start = time.perf_counter()
    for row in data[:sample]:
        rowcache.check_rows(HEADERS, [row], serial.as_of_value(as_of), rowcache.settings_near())
    per_call_before = (time.perf_counter() - start) / sample
    flagged = sum(a != "✓" for a in answers)
    return {
        "rows": rows,
        "total_s": total,
        "excel_calls": calls,
        # in Excel each call crosses processes (0.1-1 ms): Python time + calls x 0.3 ms
        "estimated_excel_s": total + calls * CALL_MS / 1000,
        "standin_read_s": standin,
        "flagged": flagged,
        "engine_per_call_ms": per_call_before * 1000,
        "engine_column_s": per_call_before * rows,
    }


def blacklisted(purchases: int, calls: int, rng: random.Random) -> dict:
    customers = max(purchases // 5, 1)
    ids = [f"C{rng.randrange(customers):06d}" for _ in range(purchases)]
    dates = [
        dt.datetime(2025, 6, 1) + dt.timedelta(days=rng.randrange(540)) for _ in range(purchases)
    ]
    as_of = dt.datetime(2026, 11, 26)
    start = time.perf_counter()
    handle = udfs.OPS_PURCHASES(ids, dates)
    read_once = time.perf_counter() - start
    start = time.perf_counter()
    udfs.OPS_BLACKLISTED(
        "C000001", handle, None, as_of
    )  # first call for this as-of: the catalog runs
    first = time.perf_counter() - start
    asked = [f"C{rng.randrange(customers):06d}" for _ in range(calls)]
    times = []
    listed = 0
    for customer in asked:
        t = time.perf_counter()
        answer = udfs.OPS_BLACKLISTED(customer, handle, None, as_of)
        times.append(time.perf_counter() - t)
        listed += answer != "否"
    by_value = []
    for customer in asked[:3]:
        t = time.perf_counter()
        udfs.OPS_BLACKLISTED(customer, ids, dates, as_of)
        by_value.append(time.perf_counter() - t)
    return {
        "purchases": purchases,
        "calls": calls,
        "read_once_s": read_once,
        "first_call_s": first,
        "per_call_ms_median": statistics.median(times) * 1000,
        "per_call_ms_p99": sorted(times)[int(len(times) * 0.99)] * 1000,
        "per_call_ms_max": max(times) * 1000,
        "listed": listed,
        "by_value_ms": statistics.median(by_value) * 1000,
    }


def calendar_calls(calls: int) -> dict:
    """A column of dates: a few hundred distinct days, each asked many times."""
    day = dt.datetime(2026, 9, 30)
    start = time.perf_counter()
    for i in range(calls):
        udfs.OPS_IS_WORKDAY(day + dt.timedelta(days=i % 60))
    workday = (time.perf_counter() - start) / calls
    start = time.perf_counter()
    for i in range(calls):
        udfs.OPS_WORKDAYS_AFTER(46295.0 + i % 60, 3)
    after = (time.perf_counter() - start) / calls
    return {"is_workday_ms": workday * 1000, "workdays_after_ms": after * 1000}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--purchases", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(13)
    print("OPS_CHECK_ROW", check_row_column(args.rows, rng))
    print("OPS_BLACKLISTED", blacklisted(args.purchases, args.calls, rng))
    print("calendar", calendar_calls(1000))


if __name__ == "__main__":
    main()

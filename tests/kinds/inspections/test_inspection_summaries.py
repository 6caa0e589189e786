"""月度彙總 and 黑名單: real numbers that match a hand count, a total row, a chart."""

import datetime as dt
import zipfile

from helpers import check, settings, write_xlsx
from openpyxl import load_workbook

from opsbook.config import load_config
from opsbook.engine import as_of_moment
from opsbook.pipeline import check_file
from opsbook.writers.annotate import write_annotated

H = [
    "用戶編號",
    "檢查日期",
    "檢查員",
    "是否入戶",
    "未入戶原因",
    "檢查結果",
    "銹蝕",
    "整改意見",
    "加裝防盜封",
    "已上報",
    "收取費用",
]
ROWS = [
    ["C1", dt.date(2026, 1, 5), "劉", "是", None, "合格", "否", None, "否", "否", 0],
    ["C2", dt.date(2026, 1, 6), "劉", "否", "無人", None, None, None, None, None, None],
    ["C2", dt.date(2026, 1, 9), "趙", "是", None, "不合格", "是", "除銹", "是", "是", 20],
    ["C1", "2026年2月3日", "趙", "是", None, "合格", None, None, None, None, None],
]


def summary(name, checked):
    return next(s for s in checked.summaries if s.name == name)


def test_monthly_totals_match_a_hand_count():
    checked = check({"入戶安檢記錄": [H, *ROWS]}, as_of="2026-03-01")
    block = summary("月度彙總", checked).blocks[0].frame.set_index(["月份", "檢查員"])
    assert block.loc[("2026-01", "劉"), "檢查次數"] == 2
    assert (
        block.loc[("2026-01", "劉"), "未入戶"] == 1
        and block.loc[("2026-01", "劉"), "未入戶：無人"] == 1
    )
    assert (
        block.loc[("2026-01", "趙"), "不合格"] == 1
        and block.loc[("2026-01", "趙"), "隱患：銹蝕"] == 1
    )
    assert (
        block.loc[("2026-01", "趙"), "開具整改"] == 1
        and block.loc[("2026-01", "趙"), "加裝防盜封"] == 1
    )
    assert block.loc[("2026-01", "趙"), "收取費用（應為0）"] == 20
    assert block.loc[("2026-02", "趙"), "合格"] == 1
    assert int(block["檢查次數"].sum()) == 4
    short = summary("月度彙總", checked).blocks[1].frame.set_index("月份")
    # By the end of January C1 and C2 have one entered visit each; by February C1 has two.
    assert short.loc["2026-01", "未達兩次"] == 2 and short.loc["2026-02", "未達兩次"] == 1


def test_summary_sheet_in_the_annotated_copy(tmp_path):
    src = write_xlsx(
        tmp_path / "visits.xlsx",
        {
            "入戶安檢記錄": [H, *ROWS],
            "購氣記錄": [
                ["用戶編號", "購氣日期"],
                ["C1", dt.date(2025, 10, 1)],
                ["C2", dt.date(2026, 2, 20)],
            ],
        },
    )
    dst = tmp_path / "out.xlsx"
    checked = check_file(src, load_config(), as_of_moment("2026-03-01"))
    write_annotated(src, dst, checked, load_config())
    wb = load_workbook(dst)
    ws = wb["月度彙總"]
    header = [c.value for c in ws[2]]
    total = next(r for r in ws.iter_rows(values_only=True) if r[0] == "合計")
    assert total[header.index("檢查次數")] == 4 and isinstance(total[header.index("檢查次數")], int)
    with zipfile.ZipFile(dst) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert charts and b"'\xe6\x9c\x88\xe5\xba\xa6\xe5\xbd\x99\xe7\xb8\xbd'!$B$" in zf.read(
            charts[0]
        )
    assert len(ws._charts) == 1
    black = [r for r in wb["黑名單"].iter_rows(min_row=3, values_only=True) if r[0]]
    # C1 last bought 2025-10-01: listed 2026-01-01, visited 2026-01-05 (followed up).
    assert black[0][:2] == ("C1", dt.datetime(2025, 10, 1)) and black[0][4] == "已跟進"
    assert wb["黑名單"]["C3"].number_format == "yyyy-mm-dd"


def test_summaries_in_the_json_report():
    checked = check({"入戶安檢記錄": [H, *ROWS]}, as_of="2026-03-01", cfg=settings())
    sheets = checked.report.summaries["sheets"]
    assert sheets[0]["sheet"] == "月度彙總" and sheets[0]["blocks"][0]["total"]["檢查次數"] == 4

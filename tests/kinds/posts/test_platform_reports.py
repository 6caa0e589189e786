"""週報/月報 (R1-6.8, R1-6.9): roll-ups, ISO week 53, zero and missing previous periods,
weekly and monthly rows as given, the default period, the chart in the written file."""

import datetime as dt
import zipfile

import pandas as pd
from click.testing import CliRunner
from helpers import check, write_xlsx

from opsbook.cli import cli
from opsbook.kinds.posts.summaries import default_period, platform_report

M = ["日期", "平台", "粉絲數", "新增粉絲", "閱讀量"]


def days(start, n, platform="公眾號", reads=10, followers0=100):
    first = dt.date.fromisoformat(start)
    return [[first + dt.timedelta(days=i), platform, followers0 + i, 1, reads] for i in range(n)]


def report(rows, grain, start=None, as_of="2027-02-01", posts=None):
    sheets = {"平台數據": [M, *rows]}
    if posts:
        sheets["發布日誌"] = [["平台", "標題", "發布日期"], *posts]
    checked = check(sheets, as_of=as_of)
    period = pd.Timestamp(start) if start else None
    return platform_report(checked.tables, checked.context, grain, period)


def line(summary, platform, metric):
    frame = summary.blocks[0].frame
    return frame[(frame["平台"] == platform) & (frame["指標"] == metric)].iloc[0]


def test_iso_week_53_and_the_year_end():
    rows = days("2026-12-21", 21)  # 2026-W52, 2026-W53 (12-28..01-03), 2027-W01
    summary = report(rows, "week", "2026-12-28")
    reads = line(summary, "公眾號", "閱讀量")
    assert "2026-W53" in summary.blocks[0].title and "2026-W52" in summary.blocks[0].title
    assert (reads["本週"], reads["上週"], reads["變化"]) == (70, 70, 0)
    assert (
        line(summary, "公眾號", "粉絲數")["本週"] == 100 + 13
    )  # followers: the last day's value (01-03)
    assert "2027-W01" in report(rows, "week", "2027-01-04").blocks[0].title


def test_months_across_the_year_end():
    rows = days("2026-11-20", 60)  # to 2027-01-18
    summary = report(rows, "month", "2027-01-01")
    reads = line(summary, "公眾號", "閱讀量")
    assert (reads["本月"], reads["上月"]) == (180, 310)  # 18 days of January, all 31 of December
    assert "只到 2027-01-18" in summary.blocks[0].note


def test_zero_previous_period_has_no_percentage():
    rows = days("2026-10-05", 7, reads=0) + days("2026-10-12", 7, reads=5)
    reads = line(report(rows, "week", "2026-10-12"), "公眾號", "閱讀量")
    assert reads["上週"] == 0 and pd.isna(reads["變化率"]) and "無法計算" in reads["提示"]


def test_platform_missing_in_one_period_says_so():
    rows = days("2026-10-05", 14) + days("2026-10-12", 7, platform="小程序")
    summary = report(rows, "week", "2026-10-12")
    reads = line(summary, "小程序", "閱讀量")
    assert reads["本週"] == 70 and pd.isna(reads["上週"]) and reads["提示"] == "上週無資料"


def test_drop_is_flagged_and_marked():
    rows = days("2026-10-05", 7, reads=100) + days("2026-10-12", 7, reads=70)
    summary = report(rows, "week", "2026-10-12")
    reads = line(summary, "公眾號", "閱讀量")
    assert reads["變化率"] == -0.3 and reads["提示"].startswith("下降 30%")
    flagged = summary.blocks[0].frame.index[summary.blocks[0].frame["提示"].str.startswith("下降")]
    assert {r for b, r in summary.alerts if b == 0} == set(flagged)


def test_weekly_and_monthly_rows_are_used_as_given():
    rows = [
        ["2026-W42", "官網", 50, 5, 300],
        ["2026年第43週", "官網", 60, 10, 240],
        ["2026-09", "官網", 40, 8, 900],
        ["2026年10月", "官網", 60, 20, 1000],
    ]
    weekly = line(report(rows, "week", "2026-10-19"), "官網", "閱讀量")
    assert (weekly["本週"], weekly["上週"]) == (240, 300)
    monthly = line(report(rows, "month", "2026-10-01"), "官網", "閱讀量")
    assert (monthly["本月"], monthly["上月"]) == (1000, 900)


def test_post_counts_from_the_post_log():
    rows = days("2026-10-05", 14)
    posts = [
        ["公眾號", "a", dt.date(2026, 10, 6)],
        ["公眾號", "b", dt.date(2026, 10, 13)],
        ["公眾號", "c", dt.date(2026, 10, 14)],
    ]
    counts = line(report(rows, "week", "2026-10-12", posts=posts), "公眾號", "發文數")
    assert (counts["本週"], counts["上週"]) == (2, 1)


def test_default_period_is_the_meeting_period():
    monday = pd.Timestamp("2026-11-23 09:00")
    assert default_period(monday, "week") == pd.Timestamp("2026-11-16")
    assert default_period(pd.Timestamp("2026-11-01 08:00"), "month") == pd.Timestamp("2026-10-01")


def test_report_command_writes_the_sheet_with_a_chart(tmp_path):
    path = write_xlsx(tmp_path / "metrics.xlsx", {"平台數據": [M, *days("2026-09-01", 70)]})
    out = tmp_path / "weekly.xlsx"
    result = CliRunner().invoke(
        cli, ["report", "weekly", str(path), "--week", "2026-W43", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2026-W43" in result.output
    with zipfile.ZipFile(out) as zf:
        chart = next(n for n in zf.namelist() if n.startswith("xl/charts/"))
        assert b"<c:lineChart>" in zf.read(chart)
    bad = CliRunner().invoke(cli, ["report", "weekly", str(path), "--week", "43"])
    assert bad.exit_code == 2 and "2026-W43" in bad.output


def test_annotated_copy_of_a_post_log_has_both_reports(tmp_path):
    from opsbook.kinds.posts.sample import build_post_log

    path = tmp_path / "log.xlsx"
    build_post_log(path)
    out = tmp_path / "out.xlsx"
    CliRunner().invoke(cli, ["validate", str(path), "--as-of", "2026-11-02", "--output", str(out)])
    from openpyxl import load_workbook

    names = load_workbook(out).sheetnames
    assert "週報" in names and "月報" in names

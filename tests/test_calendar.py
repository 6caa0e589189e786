"""The mainland-China working-day calendar, with make-up workdays."""

import pandas as pd

from opsbook.workcalendar import calendar_for


def days(*values):
    return pd.Series(pd.to_datetime(list(values)))


def test_national_day_2026():
    cal = calendar_for("CN")
    # 10-01..10-07 off; 10-10 (Saturday) is a make-up workday; 09-20 (Sunday) too.
    assert cal.add_working_days(days("2026-09-30"), 3).iloc[0] == pd.Timestamp("2026-10-10")
    assert cal.add_working_days(days("2026-09-30"), 2).iloc[0] == pd.Timestamp("2026-10-09")
    assert cal.is_working_day(
        days("2026-10-10", "2026-09-20", "2026-10-05", "2026-10-11")
    ).tolist() == [True, True, False, False]


def test_spring_festival_2026():
    cal = calendar_for("CN")
    # 2026-02-14 (Sat) is a make-up workday, 02-15..02-23 off.
    assert cal.add_working_days(days("2026-02-13"), 1).iloc[0] == pd.Timestamp("2026-02-14")
    assert cal.add_working_days(days("2026-02-14"), 1).iloc[0] == pd.Timestamp("2026-02-24")


def test_coverage_is_what_the_package_knows():
    cal = calendar_for("CN")
    assert cal.covered_through >= 2026
    assert cal.covers(days("2026-05-01")).iloc[0]
    assert not cal.covers(days(f"{cal.covered_through + 1}-05-01")).iloc[0]


def test_nth_working_day_of_october_2026():
    cal = calendar_for("CN")
    got = cal.nth_working_day_of_month(days("2026-10-20"), 5).iloc[0]
    assert got == pd.Timestamp("2026-10-13")  # 10-08, 10-09, 10-10 (Sat), 10-12, 10-13

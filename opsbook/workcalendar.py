"""The mainland-China working-day calendar (public holidays and make-up workdays).

Built on the ``holidays`` package's ``China`` calendar, which carries each year's State
Council schedule (调休): e.g. 2026-10-10, a Saturday, is a working day.  The package only
knows a year's make-up days once the schedule is published; ``covered_through`` is the last
year whose schedule it carries, and a rule that counts working days in a later year says so
instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd
from holidays.countries.china import ChinaStaticHolidays


class WorkCalendar:
    """Working days of one region, as a sorted array, for vectorised offsets."""

    def __init__(self, region: str = "CN", first_year: int = 2000, last_year: int | None = None):
        if region.upper() not in {"CN", "CHINA"}:
            raise ValueError(f"unsupported calendar region {region!r}; only CN is built in")
        self.covered_through = max(ChinaStaticHolidays.special_public_holidays)
        last_year = last_year or self.covered_through + 2
        self.first_year, self.last_year = first_year, last_year
        calendar = holidays.China(years=range(first_year, last_year + 1))
        days = pd.date_range(f"{first_year}-01-01", f"{last_year}-12-31", freq="D")
        off = pd.DatetimeIndex(sorted(calendar.keys()))
        makeup = pd.DatetimeIndex(sorted(calendar.weekend_workdays))
        working = (days.day_of_week < 5) & ~days.isin(off) | days.isin(makeup)
        self._working_days = days[working].values.astype("datetime64[D]")

    def covers(self, dates: pd.Series) -> pd.Series:
        """True where a date's year has a published holiday schedule in the calendar."""
        return dates.dt.year.le(self.covered_through) & dates.dt.year.ge(self.first_year)

    def is_working_day(self, dates: pd.Series) -> pd.Series:
        days = dates.dt.normalize().values.astype("datetime64[D]")
        pos = np.searchsorted(self._working_days, days)
        pos = np.clip(pos, 0, len(self._working_days) - 1)
        return pd.Series(self._working_days[pos] == days, index=dates.index)

    def add_working_days(self, dates: pd.Series, n: int) -> pd.Series:
        """The n-th working day after each date (n ≥ 1); the date itself never counts.
        NaT stays NaT."""
        days = dates.dt.normalize().values.astype("datetime64[D]")
        pos = np.searchsorted(self._working_days, days, side="right") + (n - 1)
        ok = ~pd.isna(dates.values) & (pos < len(self._working_days))
        result = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[D]")
        result[ok] = self._working_days[pos[ok]]
        return pd.Series(pd.to_datetime(result), index=dates.index)

    def nth_working_day_of_month(self, months: pd.Series, n: int) -> pd.Series:
        """The n-th working day of each month (given as any date in the month)."""
        first = months.dt.to_period("M").dt.start_time
        return self.add_working_days(first - pd.Timedelta(days=1), n)


@lru_cache(maxsize=4)
def calendar_for(region: str = "CN") -> WorkCalendar:
    return WorkCalendar(region)


def today() -> dt.date:
    return dt.date.today()

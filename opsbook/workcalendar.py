"""The mainland-China working-day calendar (public holidays and make-up workdays).

Built on the ``holidays`` package's ``China`` calendar, which carries each year's State
Council schedule (调休): e.g. 2026-10-10, a Saturday, is a working day.  The package only
knows a year's make-up days once the schedule is published; ``covered_through`` is the last
year whose schedule it carries, and a rule that counts working days in a later year says so
instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd


class WorkCalendar:
    """Working days of one region, as a sorted array, for vectorised offsets.  Years are
    built when a date needs them (building all of them costs a second at every start)."""

    def __init__(self, region: str = "CN"):
        if region.upper() not in {"CN", "CHINA"}:
            raise ValueError(f"unsupported calendar region {region!r}; only CN is built in")
        self.first_year = 1990
        self._years: set[int] = set()
        self._working_days = np.array([], dtype="datetime64[D]")

    @cached_property
    def covered_through(self) -> int:
        """The last year whose holiday schedule (with make-up days) the package carries."""
        # holidays is imported when a rule needs working days, not at every start (~0.15 s).
        from holidays.countries.china import ChinaStaticHolidays

        return max(ChinaStaticHolidays.special_public_holidays)

    def _ensure(self, dates: pd.Series, spill: int = 1) -> None:
        """Build the years of ``dates`` (and ``spill`` years after: an offset may cross)."""
        years = dates.dropna().dt.year
        if years.empty:
            return
        wanted = (
            set(range(max(int(years.min()), self.first_year), int(years.max()) + spill + 1))
            - self._years
        )
        if not wanted:
            return
        self._years |= wanted
        first, last = min(self._years), max(self._years)
        import holidays

        calendar = holidays.China(years=sorted(self._years))
        days = pd.date_range(f"{first}-01-01", f"{last}-12-31", freq="D")
        off = pd.DatetimeIndex(sorted(calendar.keys()))
        makeup = pd.DatetimeIndex(sorted(calendar.weekend_workdays))
        working = (days.day_of_week < 5) & ~days.isin(off) | days.isin(makeup)
        self._working_days = days[working].values.astype("datetime64[D]")

    def covers(self, dates: pd.Series) -> pd.Series:
        """True where a date's year has a published holiday schedule in the calendar."""
        return dates.dt.year.le(self.covered_through) & dates.dt.year.ge(self.first_year)

    def is_working_day(self, dates: pd.Series) -> pd.Series:
        self._ensure(dates, spill=0)
        days = dates.dt.normalize().values.astype("datetime64[D]")
        pos = np.searchsorted(self._working_days, days)
        pos = np.clip(pos, 0, max(len(self._working_days) - 1, 0))
        if not len(self._working_days):
            return pd.Series(False, index=dates.index)
        return pd.Series(self._working_days[pos] == days, index=dates.index)

    def add_working_days(self, dates: pd.Series, n: int) -> pd.Series:
        """The n-th working day after each date (n ≥ 1); the date itself never counts.
        NaT stays NaT."""
        self._ensure(dates, spill=1 + n // 200)
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

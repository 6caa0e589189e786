"""``[schedule]`` in opsbook.toml: when `opsbook watch` produces which report, in the
regulations' own terms and the mainland working calendar.

Four jobs by default, one per clause that runs on a clock:

- 週報 (R1-6.8): the weekly platform report, before the Monday 14:30 meeting;
- 月報 (R1-6.9): the monthly platform report, before the 14:30 meeting on the 1st;
- 月度結算 (R3-3.12): last month's design-cost settlement, on the 5th working day;
- 入戶安檢半年檢查 (R2-2.1): the inspections checked on the 1st working day of January and
  July (every household twice a year: the half-year just ended shows who is behind).

A meeting that falls on a day off (a weekend, a statutory holiday) moves to the next working
day of the mainland calendar, make-up Saturdays included, at the same time (``holiday =
"next"``); ``holiday = "skip"`` drops it instead.  The report is produced ``lead_minutes``
before the meeting.  Times are China Standard Time (UTC+8, no daylight saving).

Everything here is a pure function of its ``now``: the tests drive it with an injected clock.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from .errors import ConfigError
from .text import localize
from .workcalendar import calendar_for

CST = dt.timezone(dt.timedelta(hours=8), "CST")  # the mainland has no daylight saving
TASKS = ("weekly", "monthly", "settlement", "inspections")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# "weekly mon 14:30" | "monthly 1 14:30" | "workday 5 09:00" | "halfyear 1 09:00"
_AT = re.compile(r"^\s*(weekly|monthly|workday|halfyear)\s+(\w+)\s+(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Job:
    name: str
    task: str  # weekly | monthly | settlement | inspections
    clause: str
    at: str  # see _AT
    lead_minutes: int = 0  # produced this long before the meeting
    holiday: str = "next"  # a meeting on a day off: the next working day, or skip it
    notify: tuple[str, ...] = ()  # targets; empty: every target that takes reports


DEFAULT_JOBS = (
    Job("週報", "weekly", "R1-6.8", "weekly mon 14:30", lead_minutes=120),
    Job("月報", "monthly", "R1-6.9", "monthly 1 14:30", lead_minutes=120),
    Job("月度結算", "settlement", "R3-3.12", "workday 5 09:00"),
    Job("入戶安檢半年檢查", "inspections", "R2-2.1", "halfyear 1 09:00"),
)


@dataclass(frozen=True)
class Run:
    """One occurrence of a job: when it runs, the meeting it is for, the period reported."""

    job: Job
    run_at: dt.datetime  # aware, CST
    meeting: dt.datetime
    period: str  # 2026-W40 | 2026-09 | 2026-H1
    moved_from: dt.date | None = None  # the meeting's nominal day, when a day off moved it
    estimated: bool = False  # the year's holiday schedule is not published yet
    key: str = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "key", f"{self.job.name}@{self.period}")


def load_schedule(raw: dict | None) -> list[Job]:
    """Jobs from the ``[schedule]`` table: the defaults, each overridable by a
    ``[schedule.NAME]`` table (keys: task, clause, at, lead_minutes, holiday, notify,
    enabled); ``enabled = false`` at the top turns every job off."""
    raw = dict(raw or {})
    if raw.pop("enabled", True) is False:
        return []
    defaults = {job.name: job for job in DEFAULT_JOBS}
    jobs = dict(defaults)
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise ConfigError(f"[schedule] {name} = …: expected a table [schedule.{name}]")
        unknown = (
            set(table)
            - {"task", "clause", "at", "lead_minutes", "holiday"}
            - {
                "notify",
                "enabled",
            }
        )
        if unknown:
            raise ConfigError(f"[schedule.{name}]: unknown setting {sorted(unknown)[0]}")
        if table.get("enabled", True) is False:
            jobs.pop(name, None)
            continue
        base = defaults.get(name)
        values = dict(base.__dict__) if base else {"name": name, "clause": ""}
        values.update({k: v for k, v in table.items() if k != "enabled"})
        values["notify"] = tuple(values.get("notify") or ())
        job = Job(**values)
        _check(job)
        jobs[name] = job
    return list(jobs.values())


def _check(job: Job) -> None:
    where = f"[schedule.{job.name}]"
    if job.task not in TASKS:
        raise ConfigError(f"{where}: task must be one of {', '.join(TASKS)}, got {job.task!r}")
    match = _AT.match(job.at)
    if not match:
        raise ConfigError(
            f"{where}: at = {job.at!r}; use e.g. 'weekly mon 14:30', 'monthly 1 14:30', "
            "'workday 5 09:00' or 'halfyear 1 09:00'"
        )
    kind, day = match.group(1), match.group(2)
    if kind == "weekly" and day.lower() not in _DAYS:
        raise ConfigError(f"{where}: at = {job.at!r}: the day is one of {', '.join(_DAYS)}")
    if kind != "weekly" and not (day.isdigit() and 1 <= int(day) <= 28):
        raise ConfigError(f"{where}: at = {job.at!r}: the day is a number from 1 to 28")
    if job.holiday not in ("next", "skip"):
        raise ConfigError(f"{where}: holiday must be 'next' or 'skip'")
    if not isinstance(job.lead_minutes, int) or job.lead_minutes < 0:
        raise ConfigError(f"{where}: lead_minutes must be a whole number ≥ 0")


def runs_between(job: Job, start: dt.datetime, end: dt.datetime, region: str = "CN") -> list[Run]:
    """The job's runs with ``start < run_at <= end`` (aware datetimes), in order."""
    # whole months around the span, cached: the watch asks every half second
    first = (start.astimezone(CST) - dt.timedelta(days=40)).date().replace(day=1)
    last = (end.astimezone(CST) + dt.timedelta(days=40)).date().replace(day=1)
    return [r for r in _runs_in_months(job, first, last, region) if start < r.run_at <= end]


@lru_cache(maxsize=256)
def _runs_in_months(job: Job, first: dt.date, last: dt.date, region: str) -> tuple[Run, ...]:
    cal = calendar_for(region)
    match = _AT.match(job.at)
    assert match, job.at  # Job.at was validated when the schedule was read
    kind, day, hh, mm = match.groups()
    months = pd.Series(pd.period_range(first, last, freq="M").to_timestamp())
    if kind == "weekly":
        offset = _DAYS.index(day.lower())
        weeks = pd.date_range(first - dt.timedelta(days=first.weekday()), last, freq="7D")
        nominal = pd.Series(weeks + pd.Timedelta(days=offset))
        periods = (nominal - pd.Timedelta(days=7 + offset)).dt.strftime("%G-W%V")
    elif kind == "monthly":
        nominal = months + pd.Timedelta(days=int(day) - 1)
        periods = (months - pd.Timedelta(days=1)).dt.strftime("%Y-%m")
    elif kind == "workday":
        nominal = cal.nth_working_day_of_month(months, int(day))
        periods = (months - pd.Timedelta(days=1)).dt.strftime("%Y-%m")
    else:  # halfyear: January reports the second half of last year, July the first
        months = months[months.dt.month.isin([1, 7])].reset_index(drop=True)
        nominal = cal.nth_working_day_of_month(months, int(day))
        periods = pd.Series(
            [f"{m.year - 1}-H2" if m.month == 1 else f"{m.year}-H1" for m in months]
        )
    nominal = nominal.reset_index(drop=True)
    periods = periods.reset_index(drop=True)
    working = cal.is_working_day(nominal)
    if job.holiday == "next":
        # the first working day on or after the nominal day (add_working_days never counts
        # the day itself, so start from the day before)
        actual = cal.add_working_days(nominal - pd.Timedelta(days=1), 1)
    else:
        actual = nominal.where(working)
    covered = cal.covers(actual.fillna(nominal))
    out = []
    for nom, act, period, ok in zip(nominal, actual, periods, covered):
        if pd.isna(act):
            continue
        meeting = dt.datetime.combine(act.date(), dt.time(int(hh), int(mm)), CST)
        run_at = meeting - dt.timedelta(minutes=job.lead_minutes)
        moved = nom.date() if act.date() != nom.date() else None
        out.append(Run(job, run_at, meeting, period, moved, estimated=not ok))
    return tuple(sorted(out, key=lambda r: r.run_at))


def next_runs(jobs: list[Job], now: dt.datetime, count: int = 20, region: str = "CN") -> list[Run]:
    """The next ``count`` runs of all jobs after ``now``, in time order."""
    if not jobs:
        return []
    found: list[Run] = []
    span = dt.timedelta(days=120)
    end = now
    while len(found) < count and end - now < dt.timedelta(days=3 * 366):
        start, end = end, end + span
        for job in jobs:
            found += runs_between(job, start, end, region)
    return sorted(found, key=lambda r: (r.run_at, r.job.name))[:count]


def due_runs(
    jobs: list[Job], last_check: dt.datetime, now: dt.datetime, done: set[str], region: str = "CN"
) -> list[Run]:
    """Runs to carry out at ``now``: those whose time came since ``last_check`` (the watch's
    previous tick), and, when the watch starts (``last_check`` = now), those it missed while
    stopped whose meeting is still ahead (started at 13:00 on Monday, it still makes that
    day's 週報) or, for a run without a meeting, whose day is today; never one ``done``."""
    runs = [
        r
        for job in jobs
        for r in runs_between(job, now - dt.timedelta(days=2), now, region)
        if r.key not in done
        and (
            r.run_at > last_check
            or r.meeting > now
            or (not r.job.lead_minutes and r.run_at.date() == now.date())
        )
    ]
    return sorted(runs, key=lambda r: (r.run_at, r.job.name))


def show_lines(runs: list[Run], lang: str = "zh-Hant") -> list[str]:
    """`opsbook schedule --show`: one line per run."""
    lines = []
    for r in runs:
        when = r.run_at.strftime("%Y-%m-%d %a %H:%M")
        meeting = r.meeting.strftime("%m-%d %H:%M")
        zh = en = f"{when}  {r.job.name:<8} {r.job.clause:<8} {r.period:<9}"
        if r.job.lead_minutes:
            zh, en = zh + f"（會議 {meeting}）", en + f" (meeting {meeting})"
        if r.moved_from:
            zh, en = (
                zh + f" 由 {r.moved_from}（休息日）順延",
                en + f" moved from {r.moved_from} (day off)",
            )
        if r.estimated:
            zh, en = (
                zh + " 〔該年調休安排未公佈：估計〕",
                en + " [holiday schedule not yet published: estimate]",
            )
        lines.append(localize(zh, en, lang))
    return lines

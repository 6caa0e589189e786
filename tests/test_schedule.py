"""The schedule with an injected clock: a week, a month end, the National Day holiday and a
make-up Saturday (2026: 10-01…10-07 off, Saturday 10-10 a working day), what a restarted
watch catches up, the settings, `schedule --show` and the service entries it writes."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from opsbook.errors import ConfigError
from opsbook.schedule import CST, DEFAULT_JOBS, due_runs, load_schedule, next_runs, runs_between


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


def job(name):
    return next(j for j in DEFAULT_JOBS if j.name == name)


def plan(name, start, end):
    return [(r.run_at, r.period, r.moved_from) for r in runs_between(job(name), start, end)]


def test_a_plain_week_makes_the_weekly_report_before_monday_1430():
    runs = runs_between(job("週報"), at(2026, 11, 14), at(2026, 11, 24))
    assert [(r.run_at, r.meeting, r.period) for r in runs] == [
        (at(2026, 11, 16, 12, 30), at(2026, 11, 16, 14, 30), "2026-W46"),
        (at(2026, 11, 23, 12, 30), at(2026, 11, 23, 14, 30), "2026-W47"),
    ]


def test_national_day_moves_the_meetings_to_the_next_working_day():
    # Monday 10-05 is a holiday: that week's meeting is on Thursday 10-08, for W40
    assert plan("週報", at(2026, 9, 29), at(2026, 10, 13)) == [
        (at(2026, 10, 8, 12, 30), "2026-W40", dt.date(2026, 10, 5)),
        (at(2026, 10, 12, 12, 30), "2026-W41", None),
    ]
    # the 1st is National Day: the monthly meeting for September also moves to 10-08
    assert plan("月報", at(2026, 9, 2), at(2026, 10, 31)) == [
        (at(2026, 10, 8, 12, 30), "2026-09", dt.date(2026, 10, 1))
    ]


def test_the_make_up_saturday_counts_for_the_fifth_working_day():
    # October 2026: 8 (Thu), 9 (Fri), 10 (the make-up Saturday), 12, 13 → the 13th;
    # without the make-up day it would be the 14th
    assert plan("月度結算", at(2026, 10, 1), at(2026, 10, 31)) == [
        (at(2026, 10, 13, 9, 0), "2026-09", None)
    ]
    # and a month without holidays: November 2026's 5th working day is Friday the 6th
    assert plan("月度結算", at(2026, 11, 1), at(2026, 11, 30)) == [
        (at(2026, 11, 6, 9, 0), "2026-10", None)
    ]


def test_a_month_end_and_the_half_year():
    # 2026-11-30 (Mon) is a week's meeting, 12-01 (Tue) the month's: both on their own day
    assert [
        (r.job.name, r.run_at, r.period) for r in next_runs(list(DEFAULT_JOBS), at(2026, 11, 29), 3)
    ] == [
        ("週報", at(2026, 11, 30, 12, 30), "2026-W48"),
        ("月報", at(2026, 12, 1, 12, 30), "2026-11"),
        ("月度結算", at(2026, 12, 7, 9, 0), "2026-11"),
    ]
    # July 2026: the 1st (Wed) is a working day; the half-year check reports 2026-H1
    assert plan("入戶安檢半年檢查", at(2026, 6, 1), at(2026, 7, 31)) == [
        (at(2026, 7, 1, 9, 0), "2026-H1", None)
    ]


def test_next_twenty_runs_are_in_order_and_flag_unpublished_years():
    runs = next_runs(list(DEFAULT_JOBS), at(2026, 12, 1), 20)
    assert len(runs) == 20
    assert [r.run_at for r in runs] == sorted(r.run_at for r in runs)
    assert all(r.run_at > at(2026, 12, 1) for r in runs)
    assert {r.estimated for r in runs if r.run_at.year == 2027} == {True}
    assert {r.estimated for r in runs if r.run_at.year == 2026} == {False}


def test_due_runs_with_an_injected_clock_across_a_week():
    jobs = list(DEFAULT_JOBS)
    done: set[str] = set()
    fired = []
    clock = at(2026, 11, 14)
    while clock < at(2026, 11, 24):  # a tick every 10 minutes, as the watch would
        step = clock + dt.timedelta(minutes=10)
        for run in due_runs(jobs, clock, step, done):
            fired.append((step, run.key))
            done.add(run.key)
        clock = step
    assert fired == [
        (at(2026, 11, 16, 12, 30), "週報@2026-W46"),
        (at(2026, 11, 23, 12, 30), "週報@2026-W47"),
    ]


def test_a_late_start_still_makes_the_report_before_the_meeting_but_never_twice():
    jobs = [job("週報"), job("月度結算")]
    # a watch started at 13:00 (its first tick: last check = now): the 14:30 meeting is ahead
    start = at(2026, 11, 16, 13, 0)
    assert [r.key for r in due_runs(jobs, start, start, set())] == ["週報@2026-W46"]
    assert due_runs(jobs, start, start, {"週報@2026-W46"}) == []
    # started after the meeting: too late for it
    assert due_runs(jobs, at(2026, 11, 16, 15), at(2026, 11, 16, 15), set()) == []
    # the 月度結算 has no meeting: made late on its own day, not the day after
    assert [r.key for r in due_runs(jobs, at(2026, 11, 6, 17), at(2026, 11, 6, 17), set())] == [
        "月度結算@2026-10"
    ]
    assert due_runs(jobs, at(2026, 11, 7, 9), at(2026, 11, 7, 9), set()) == []


def test_settings_override_add_and_turn_off():
    jobs = load_schedule(
        {
            "週報": {"at": "weekly fri 16:00", "lead_minutes": 60, "notify": ["經理"]},
            "月報": {"enabled": False},
            "安檢月查": {"task": "inspections", "clause": "R2-2.1", "at": "workday 1 09:00"},
        }
    )
    names = [j.name for j in jobs]
    assert "月報" not in names and "安檢月查" in names
    weekly = next(j for j in jobs if j.name == "週報")
    assert weekly.at == "weekly fri 16:00" and weekly.notify == ("經理",)
    assert load_schedule({"enabled": False}) == []
    with pytest.raises(ConfigError, match="at = 'weekly monday 14:30'"):
        load_schedule({"週報": {"at": "weekly monday 14:30"}})
    with pytest.raises(ConfigError, match="task must be one of"):
        load_schedule({"x": {"task": "daily", "at": "workday 1 09:00"}})
    with pytest.raises(ConfigError, match="unknown setting colour"):
        load_schedule({"週報": {"colour": "red"}})
    skip = load_schedule({"週報": {"holiday": "skip"}})
    skipped = runs_between(
        next(j for j in skip if j.name == "週報"), at(2026, 10, 1), at(2026, 10, 9)
    )
    assert skipped == []  # the National Day Monday's meeting is dropped


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "opsbook", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_schedule_show_prints_twenty_runs(tmp_path):
    (tmp_path / "opsbook.toml").write_text('[schedule."月報"]\nenabled = false\n', encoding="utf-8")
    done = run_cli("schedule", "--show", "--now", "2026-09-30T00:00", "--lang", "en", str(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 20 and "月報" not in done.stdout
    assert lines[0].startswith("2026-10-08 Thu 12:30  週報")
    assert "moved from 2026-10-05 (day off)" in lines[0]
    assert any(line.startswith("2026-10-13 Tue 09:00  月度結算") for line in lines)


def test_install_task_writes_task_scheduler_xml_and_the_schtasks_line(tmp_path):
    import xml.etree.ElementTree as ET

    xml = tmp_path / "task.xml"
    folder = tmp_path / "收件 箱"
    done = run_cli(
        "schedule",
        "--install-task",
        "--task-file",
        str(xml),
        str(folder),
        "--poll",
        "30",
        "--history",
    )
    assert done.returncode == 0, done.stderr
    raw = xml.read_bytes()
    assert raw[:2] == b"\xff\xfe"  # UTF-16 with its byte order mark, as Task Scheduler reads
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    root = ET.fromstring(raw.decode("utf-16").split("?>", 1)[1])
    assert root.find("t:Triggers/t:LogonTrigger/t:Enabled", ns).text == "true"
    assert root.find("t:Settings/t:ExecutionTimeLimit", ns).text == "PT0S"
    assert root.find("t:Settings/t:RestartOnFailure/t:Count", ns) is not None
    assert root.find("t:Actions/t:Exec/t:Command", ns).text == sys.executable
    arguments = root.find("t:Actions/t:Exec/t:Arguments", ns).text
    assert arguments == f'-m opsbook watch "{folder.absolute()}" --poll 30 --history'
    assert f'schtasks /Create /TN "opsbook watch" /XML "{xml.absolute()}" /F' in done.stdout
    assert "/SC ONLOGON" in done.stdout


def test_install_task_systemd_unit(tmp_path):
    unit = tmp_path / "opsbook-watch.service"
    done = run_cli(
        "schedule",
        "--install-task",
        "--systemd",
        "--task-file",
        str(unit),
        "/srv/運營/收件",
        "--history",
    )
    assert done.returncode == 0, done.stderr
    text = unit.read_text(encoding="utf-8")
    # systemd takes shell-style quoting: the non-ASCII path is quoted
    assert f"ExecStart={sys.executable} -m opsbook watch '/srv/運營/收件' --history" in text
    assert "KillSignal=SIGTERM" in text and "Restart=on-failure" in text
    assert "EnvironmentFile=%h/.config/opsbook/secrets.env" in text


def test_the_rules_settings_leave_schedule_and_notify_to_the_watch(tmp_path):
    from opsbook.config import load_config

    path = tmp_path / "opsbook.toml"
    path.write_text(
        '[general]\nlanguage = "en"\n[schedule."週報"]\nlead_minutes = 30\n'
        '[notify.x]\ntype = "webhook"\nurl = "http://127.0.0.1:9/"\n',
        encoding="utf-8",
    )
    settings = load_config(path)
    assert settings["general"]["language"] == "en" and "schedule" not in settings
    path.write_text("[schedul]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown section"):
        load_config(path)

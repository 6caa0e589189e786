"""`opsbook watch FOLDER`: check each workbook as it lands, run the schedule, tell people.

One loop in the main thread, one workbook at a time: change events (watchfiles, the Rust
``notify`` crate's events) or, on a network share where no events arrive, a scan every
``poll_s`` seconds, feed the Tracker; a ready workbook is checked through the pipeline, its
annotated copy written, the history and the overview updated, and its message delivered.
Then the scheduled runs whose time came.  SIGINT/SIGTERM only set a flag: the workbook in
hand is finished (copy, history, messages), then the loop ends.  What was checked and which
runs were made are kept in a small state file, so a restarted watch does not check or send
anything twice.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..report import Report
from ..schedule import CST, Job, due_runs
from .ready import Signature, Tracker, is_workbook, scan, signature
from .state import StateFile


@dataclass
class Options:
    folder: Path
    output: Path | None = None  # annotated copies (default FOLDER/opsbook-checked)
    write: bool = False
    history: str | None = None  # "" → the default file in FOLDER
    overview: Path | None = None
    notify: list[str] = field(default_factory=list)  # target names; empty: every target
    lang: str | None = None
    config_path: Path | None = None
    poll_s: float | None = None  # scan every poll_s seconds instead of waiting for events
    settle_s: float = 2.0
    max_wait_s: float = 600.0
    tick_s: float = 0.5


# a scheduled report waits this long at most for workbooks still settling, copying or open
REPORT_WAIT = dt.timedelta(minutes=10)


class Clock:
    """Now, in China Standard Time; ``start`` shifts it (tests drive the schedule with it)."""

    def __init__(self, start: dt.datetime | None = None):
        self.offset = (start - dt.datetime.now(CST)) if start else dt.timedelta(0)

    def now(self) -> dt.datetime:
        return dt.datetime.now(CST) + self.offset


class Watch:
    def __init__(
        self,
        options: Options,
        settings: dict,
        targets: dict,
        jobs: list[Job],
        say: Callable[[str], None] = print,
        clock: Clock | None = None,
    ):
        # one spelling of every path: the events' (real, absolute) and the scans' must match,
        # or a workbook would be two workbooks and checked twice
        options.folder = Path(os.path.realpath(options.folder))
        self.o = options
        self.settings = settings
        self.lang = options.lang or settings["general"]["language"]
        self.targets = {
            n: t for n, t in targets.items() if not options.notify or n in options.notify
        }
        self.jobs = jobs
        self.say = say
        self.clock = clock or Clock()
        self.stop = threading.Event()
        self.output = None if options.write and not options.output else options.output
        self.state_dir = self.output or options.folder
        self.reports_dir = (self.output or options.folder / "opsbook-reports") / "reports"
        self.state = StateFile(self.state_dir)
        self.tracker = Tracker(options.settle_s, options.max_wait_s)
        self.reports: dict[Path, Report] = {}
        self.kinds: dict[str, str] = {}
        self.done_runs: set[str] = set()
        self.last_check = self.clock.now()
        self.history = None
        self.overview_due, self.overview_at = False, 0.0
        self._load_state()

    # --- state ------------------------------------------------------------------------
    def _load_state(self) -> None:
        state = self.state.load()
        for rel, sig in state.get("checked", {}).items():
            self.tracker.done[self.o.folder / rel] = tuple(sig)
        self.kinds = state.get("kinds", {})
        self.done_runs = set(state.get("runs", []))

    def _save_state(self) -> None:
        self.state.save(
            {
                "checked": {self._rel(p): list(s) for p, s in self.tracker.done.items()},
                "kinds": self.kinds,
                "runs": sorted(self.done_runs),
            }
        )

    def _wanted(self, path: Path) -> bool:
        """An event's path is a workbook of the watched folder, not one opsbook wrote."""
        if not is_workbook(path):
            return False
        rel = Path(os.path.relpath(path, self.o.folder))
        if rel.parts and (rel.parts[0] == ".." or any(p.startswith(".") for p in rel.parts[:-1])):
            return False
        resolved = path.resolve()
        return not any(resolved.is_relative_to(s) for s in self.skip)

    def _rel(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.o.folder)).as_posix()

    # --- the loop -----------------------------------------------------------------------
    def run(self) -> int:
        self._signals()
        skip = [p for p in (self.output, self.o.overview, self.reports_dir) if p is not None]
        self.skip = [Path(p).resolve() for p in skip]
        if self.o.history is not None:
            from ..history import History, resolve_target

            self.history = History(resolve_target(self.o.history or None, [self.o.folder]))
        events: queue.Queue = queue.Queue()
        watcher = None
        if self.o.poll_s is None:
            try:
                import watchfiles  # noqa: F401 - the optional extra opsbook[watch]
            except ImportError:
                self.o.poll_s = 2.0
                self.say("watchfiles is not installed (pip install opsbook[watch]): polling")
        if self.o.poll_s is None:
            watcher = threading.Thread(target=self._events, args=(events,), daemon=True)
            watcher.start()
        mode = f"polling every {self.o.poll_s:g} s" if self.o.poll_s else "change events"
        self.say(f"watching {self.o.folder} ({mode}); Ctrl-C to stop")
        known: dict[Path, Signature] = {}
        next_scan = 0.0
        try:
            while not self.stop.is_set():
                now = time.monotonic()
                changed: set[Path] = set()
                if now >= next_scan:  # at start, and in polling mode on each poll
                    current = scan(self.o.folder, skip)
                    changed |= {p for p, s in current.items() if known.get(p) != s}
                    changed |= set(known) - set(current)
                    known = current
                    next_scan = now + (self.o.poll_s or 300.0)  # events: a rescan now and then
                changed |= {_real(p) for p in _drain(events) if self._wanted(p)}
                for path in changed:
                    if not self.tracker.touch(path, now) and path in self.reports:
                        self.reports.pop(path)  # a workbook removed leaves the overview
                ready, said = self.tracker.ready(time.monotonic())
                for line in said:
                    self.say(line)
                checked = []
                for path in ready:
                    if self.stop.is_set():
                        break
                    checked.append(path)
                    self.say(f"checking {path}")
                    try:
                        self._check(path)
                    except Exception as exc:  # noqa: BLE001 - one workbook never stops the watch
                        self.tracker.checked(path)
                        self.say(f"✗ {path}: opsbook failed on it ({type(exc).__name__}: {exc})")
                self.overview_due |= bool(checked)
                # a burst of arrivals: one overview once the folder is quiet (or each minute)
                quiet = not self.tracker.pending or time.monotonic() - self.overview_at > 60
                if self.overview_due and (quiet or self.stop.is_set()):
                    self.overview_due, self.overview_at = False, time.monotonic()
                    try:
                        self._overview()
                    except Exception as exc:  # noqa: BLE001 - the watch goes on
                        self.say(f"opsbook: overview not written ({type(exc).__name__}: {exc})")
                self._schedule()
                self._save_state()
                self.stop.wait(self.o.tick_s)
        finally:
            if self.history is not None:
                self.history.close()
            self._save_state()
        self.say("stopped")
        return 0

    def _signals(self) -> None:
        def stop(signum, frame):
            self.stop.set()

        for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), stop)

    def _events(self, events: queue.Queue) -> None:
        from watchfiles import watch

        # raise_interrupt off: the main thread's handler decides what a Ctrl-C does
        for changes in watch(
            self.o.folder, stop_event=self.stop, raise_interrupt=False, debounce=300
        ):
            for _, name in changes:
                events.put(Path(name))

    # --- one workbook -------------------------------------------------------------------
    def _check(self, path: Path) -> None:
        from ..engine import as_of_moment
        from ..pipeline import check_files

        before = signature(path)
        if before is None:  # gone since it was ready
            self.tracker.touch(path, time.monotonic())
            return
        started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
        moment = as_of_moment(self.clock.now().replace(tzinfo=None).isoformat(timespec="seconds"))
        out = None
        if self.output is not None:
            out = self.output / Path(self._rel(path)).parent
        report = check_files(
            [path],
            moment,
            output=None if self.o.write else out,
            write=self.o.write,
            lang=self.lang,
            config_path=self.o.config_path,
            fingerprints=True,
        )
        result = report.files[0]
        # --write changed the file itself: that content is the one checked, not a new arrival
        self.tracker.checked(path, signature(path) if self.o.write else before)
        if signature(path) != before and not self.o.write:
            self.tracker.touch(path, time.monotonic())  # it changed while being checked
        if result.kind:
            self.kinds[self._rel(path)] = result.kind
        self.reports[path] = report
        self.say(_summary_line(result, report))
        changes = self._record(report, path, started)
        self._notify_workbook(report, changes)

    def _record(self, report, path, started: str) -> dict | None:
        if self.history is None:
            return None
        from ..errors import OpsbookError

        team = self._team(report.files[0].file)
        try:
            run = self.history.record(
                report,
                paths=[path],
                started_at=started,
                options={"source": "watch"},
                teams={report.files[0].file: team},
            )
            diff = self.history.diff(b=run)
        except OpsbookError as exc:
            self.say(f"opsbook: {exc}")
            return None
        self.last_run = run
        if not diff.files:
            return {"first": True, "new": 0, "fixed": 0}
        return {"first": False, "new": diff.new, "fixed": diff.fixed}

    def _team(self, label: str) -> str:
        from ..overview.model import team_of

        rel = self._rel(Path(label))
        return team_of(rel, self.settings["overview"]["team_pattern"])

    def _overview(self) -> None:
        if self.o.overview is None or not self.reports:
            return
        from ..errors import OpsbookError
        from ..overview import write_overview

        combined = Report(as_of=max(r.as_of for r in self.reports.values()))
        for path in sorted(self.reports):
            combined.add(self.reports[path])
        try:
            xlsx, _ = write_overview(
                combined,
                self.o.overview,
                self.settings,
                history=self.history,
                run=getattr(self, "last_run", None) if self.history is not None else None,
            )
            self.say(f"→ {xlsx}")
        except (OpsbookError, OSError) as exc:
            self.say(f"opsbook: overview not written: {exc}")

    # --- messages -----------------------------------------------------------------------
    def _notify_workbook(self, report, changes) -> None:
        from ..notify import workbook_message

        result = report.files[0]
        frame = (
            report.frame[report.frame["file"] == result.file] if len(report.frame) else report.frame
        )
        team = self._team(result.file)
        self._send(workbook_message(result, frame, changes, self.lang, team))

    def _send(self, message, only: tuple[str, ...] = ()) -> None:
        """Deliver to every target that takes the message's event and team (``only``: of
        these names), in order; a failure is said and recorded, never raised."""
        from ..notify import deliver

        for name, target in self.targets.items():
            if (only and name not in only) or not target.takes(message.event, message.team):
                continue
            delivery = deliver(target, message)
            self.state.log(delivery, self.clock.now())
            if not delivery.ok:
                self.say(delivery.line())

    # --- the schedule -------------------------------------------------------------------
    def _schedule(self) -> None:
        now = self.clock.now()
        for run in due_runs(self.jobs, self.last_check, now, self.done_runs):
            if self.stop.is_set():
                return
            if self.tracker.pending and now - run.run_at < REPORT_WAIT:
                continue  # workbooks still landing go into the report (waited for, not for ever)
            self._carry_out(run)
            self.done_runs.add(run.key)
        self.last_check = now

    def _carry_out(self, run) -> None:
        from .reports import KIND, run_report

        wanted = KIND[run.job.task]
        books = sorted(self.o.folder / rel for rel, kind in self.kinds.items() if kind == wanted)
        books = [b for b in books if b.exists()]
        self.say(f"{run.job.name} {run.period}: {len(books)} workbook(s)")
        for book in books:
            team = self._team(str(book))
            message = run_report(run, book, self.reports_dir, self.o.config_path, self.lang, team)
            self._send(message, run.job.notify)


def _real(path: Path) -> Path:
    """The file's path through its real folder (a file itself may be a link, kept as named)."""
    return Path(os.path.realpath(path.parent)) / path.name


def _drain(events: queue.Queue) -> set[Path]:
    out = set()
    while True:
        try:
            out.add(events.get_nowait())
        except queue.Empty:
            return out


def _summary_line(result, report) -> str:
    if result.error:
        return f"✗ {result.error}"
    errors, warnings = report.errors, report.warnings
    where = f" → {result.output}" if result.output else ""
    extra = f"; {result.write_error}" if result.write_error else ""
    return f"✓ {result.file}: {errors} errors, {warnings} warnings{where}{extra}"

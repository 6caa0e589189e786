"""The run of a workbook — read, check, summarise, write, report — in one place.

The CLI, the Excel buttons and the batch runner all come through here, so a file checked
from the command line and a workbook checked by its button go the same way.  Nothing here
prints or exits: a file that cannot be read or written becomes a line in its FileResult.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from .config import load_config
from .engine import check_sheets
from .errors import OpsbookError, UnreadableWorkbook, naming
from .kinds import build_summaries
from .messages import render, skipped_record
from .report import Checked, FileResult, Report, Skip, SkippedSheet
from .workbook.reader import WORKBOOK_SUFFIXES, FileReader, SheetRefused, SheetValues

MAX_ROWS = 1_048_576  # Excel's last row: a sheet read up to it is still read (a sheet past
# it cannot exist: a reference past the grid refuses the sheet, see workbook.survey)


def workbook_files(
    paths: list[Path], recursive: bool = True, skip: Iterable[Path | None] = ()
) -> list[Path]:
    """Files to check: those named, plus the workbooks inside named folders and (unless
    ``recursive=False``) their subfolders: an office keeps each team's workbooks in a folder
    of its own.  Skipped: hidden files and folders, Excel's ~$ lock files, opsbook's own
    backups and the folders in ``skip`` (the run's --output and --overview folders, where
    an earlier run's annotated copies would otherwise be checked again)."""
    skipped = {p.resolve() for p in skip if p is not None}
    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found = path.rglob("*") if recursive else path.iterdir()
        files += sorted(
            p
            for p in found
            if p.suffix.lower() in WORKBOOK_SUFFIXES
            and not p.name.startswith(("~$", "."))
            and ".opsbook-backup" not in p.name
            and not _hidden_or_skipped(p.relative_to(path).parent, path, skipped)
            and p.is_file()
        )
    return files


def _hidden_or_skipped(relative: Path, root: Path, skipped: set[Path]) -> bool:
    """A file under a hidden folder (.git, .Trash) or under one of the ``skipped`` folders."""
    if any(part.startswith(".") for part in relative.parts):
        return True
    if not skipped:
        return False
    folder = (root / relative).resolve()
    return any(folder == s or s in folder.parents for s in skipped)


def check_book(
    sheets: Iterable[SheetValues],
    file: str,
    settings: dict,
    as_of: pd.Timestamp,
    kind: str | None = None,
    period=(None, None),
    summaries: bool = True,
) -> Checked:
    """Check a workbook's sheets (from a file or a live book): the report's messages in the
    settings' language, and its summaries unless ``summaries=False`` (a single-row check)."""
    checked = render(
        check_sheets(sheets, file, settings, as_of, kind, period), settings["general"]["language"]
    )
    # Rendered: the engine's table goes, so 300,000 violations are not held twice while
    # the workbook is written (report.frame has every field of it).
    checked.violations = checked.violations.iloc[:0]
    if summaries:
        checked.summaries = build_summaries(checked)
    if checked.report.summaries.get("waived"):  # 例外: the waived violations, their own sheet
        from .rulebook.waivers import waived_sheet

        checked.summaries.append(waived_sheet(checked.report.summaries["waived"]))
    return checked


def check_file(
    path: Path,
    settings: dict,
    as_of: pd.Timestamp,
    kind: str | None = None,
    period=(None, None),
    max_rows: int = MAX_ROWS,
    summaries: bool = True,
) -> Checked:
    """Check one workbook file (with its summaries unless ``summaries=False``: a command
    that prints one summary builds only that one).  A file that cannot be read gives a
    report whose FileResult carries the one-line reason; nothing is raised."""
    label = str(path)
    try:
        reader = FileReader(path, max_part_mb=settings["general"].get("max_part_mb"))
    except UnreadableWorkbook as exc:
        return Checked(
            report=Report(as_of=as_of, files=[FileResult(file=label, error=naming(exc, path))])
        )
    skipped: list[SkippedSheet] = []
    ours = _own_sheets(path, reader.sheet_names())
    with_values: set[str] = set()  # sheets read that hold values

    def sheets():
        for name in reader.sheet_names():
            if name in ours:
                continue  # opsbook's own sheets from an earlier run are not data
            height, _ = reader.dimensions(name)
            if height > max_rows:
                skipped.append(SkippedSheet(name, Skip.TOO_LARGE, (height, max_rows)))
                continue
            try:
                values = reader.read(name)
            except SheetRefused as exc:
                skipped.append(SkippedSheet(name, Skip.PAST_GRID, (exc.reference,)))
                continue
            if not len(values) and (held := reader.values_in_xml(name)):
                # Values in the XML, none read: say so, never "no table" as if it were empty.
                skipped.append(SkippedSheet(name, Skip.VALUES_UNREAD, (held,)))
                continue
            if len(values):
                with_values.add(name)
            handed = [values]
            del values  # the engine frees each grid before the next read: none is held here
            yield handed.pop()

    try:
        checked = check_book(sheets(), label, settings, as_of, kind, period, summaries)
    except UnreadableWorkbook as exc:
        return Checked(
            report=Report(as_of=as_of, files=[FileResult(file=label, error=naming(exc, path))])
        )
    finally:
        reader.close()
    language = settings["general"]["language"]
    checked.report.files[0].skipped_sheets += [skipped_record(s, language) for s in skipped]
    checked.report.files[0].warnings += reader.notes
    checked.report.files[0].sheets_not_checked = len(skipped) + sum(
        1 for s in checked.skipped if with_values & set(s.sheet.split("、"))
    )
    checked.source_identity = reader.identity
    return checked


def read_sheets(path: Path) -> list[SheetValues]:
    """Every sheet of a workbook file, as values."""
    reader = FileReader(path)
    try:
        return [reader.read(n) for n in reader.sheet_names()]
    finally:
        reader.close()


def _own_sheets(path: Path, names: list[str]) -> set[str]:
    """Sheets an earlier opsbook run wrote (listed in its _opsbook state sheet), read by the
    same parser that clearing uses."""
    from .ooxml.state import STATE_SHEET, read_state

    if STATE_SHEET not in names:
        return set()
    state = read_state(Path(path))
    return {STATE_SHEET, *(state.sheets if state else [])}


def check_and_write(
    path: Path,
    moment,
    kind=None,
    period=(None, None),
    config_path=None,
    lang=None,
    output=None,
    write=False,
    rules=None,
    no_backup=False,
    several=False,
    fingerprints=True,
) -> Report:
    """One workbook of a batch: check it, write the annotated copy or the file itself.
    Runs in a worker process for folders; returns the (picklable) report.  A write that
    fails — refused on purpose or a writer fault — is the file's ``write_error``.
    ``fingerprints``: give each violation its record month and fingerprint (the history
    and the overview read them; the CLI asks only when it writes one of those)."""
    from .writers.annotate import annotated_path, write_annotated

    settings = load_config(config_path, near=path)
    if rules:  # --rules: a rulebook instead of the built-in rules (opsbook.rulebook)
        settings["general"]["rules"] = str(rules)
    if lang:
        settings["general"]["language"] = lang
    checked = check_file(path, settings, moment, kind, period)
    report, result = checked.report, checked.report.files[0]
    if fingerprints:
        from .history.records import enrich

        enrich(checked)  # each violation's record month and fingerprint (overview, history)
    # Summaries and fingerprints are made: the tables read go before the write, which then
    # peaks from a lower floor (a 100k-row log's tables are ~100 MB).
    checked.tables, checked.context = {}, None
    if (output or write) and not result.error:
        target = path if write else annotated_path(path, output, several=several)
        try:
            write_annotated(path, target, checked, settings, backup=False if no_backup else None)
            result.output = str(target)
        except OpsbookError as exc:
            result.write_error = naming(exc, path, target)
        except Exception as exc:  # noqa: BLE001 - a writer fault must not cost the batch
            # The splicer and zip copier raise ValueError/RuntimeError on a package they
            # cannot patch; the check itself stands, the file is left as it was.
            # A program error, not a refusal: said so, the trace under --debug.
            result.write_error = (
                f"{target}: not written: opsbook failed on this file ({_one_line(exc)}); "
                "the file is untouched"
            )
            report.debug.append(_trace(path))
    return report


def check_files(
    files: list[Path],
    moment: pd.Timestamp,
    jobs: int = 1,
    progress: bool = False,
    cluster: str | None = None,
    **options,
) -> Report:
    """Check (and with ``output``/``write``, annotate) every file; one report in the order
    of the files.  ``options`` are check_and_write's.  A file that fails in any way is one
    line in its FileResult; the others are still checked.  ``cluster``: run the files on a
    Dask cluster instead (opsbook.cluster)."""
    report = Report(as_of=moment)
    tasks = [(path, dict(moment=moment, several=len(files) > 1, **options)) for path in files]
    if cluster:
        from .cluster import run_tasks as run_on_cluster

        done_all = run_on_cluster(_safe, tasks, cluster, on_error=_task_failed)
    else:
        done_all = run_tasks(tasks, min(jobs, len(tasks)) or 1, progress)
    for done in done_all:
        report.add(done)
    return report


def _task_failed(path, kwargs, exc) -> Report:
    """A cluster task that failed on every try (its worker died each time, or a bug)."""
    return _failed(path, kwargs["moment"], f"opsbook failed on this file ({_one_line(exc)})")


def run_tasks(tasks, jobs: int, progress: bool = False) -> Iterator[Report]:
    """Reports in the order of the files; parallel processes when jobs > 1, each handling one
    workbook at a time (memory grows with the largest file, not the number of files); a
    progress bar on stderr when asked (the CLI asks on a terminal)."""
    bar_owner = None
    if progress and len(tasks) > 1:
        from rich.progress import Progress

        bar_owner = Progress(transient=True, console=_stderr_console())
        bar_owner.start()
        bar = bar_owner.add_task("opsbook", total=len(tasks))
    try:
        done = (_safe(p, k) for p, k in tasks) if jobs <= 1 else _in_processes(tasks, jobs)
        for report in done:
            yield report
            if bar_owner:
                bar_owner.advance(bar)
    finally:
        if bar_owner:
            bar_owner.stop()


def _in_processes(tasks, jobs: int) -> Iterator[Report]:
    """Run tasks in a process pool.  A worker that dies (killed, out of memory) breaks the
    whole pool: the first unfinished file is then retried alone, so the file that kills a
    worker is the one reported, and the rest go on in a fresh pool."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pending = list(tasks)
    while pending:
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(pending)), initializer=_ignore_sigint)
        try:
            futures = [pool.submit(_safe, path, kwargs) for path, kwargs in pending]
            for index, future in enumerate(futures):
                try:
                    report = future.result()
                except BrokenProcessPool:
                    yield _alone(*pending[index])
                    pending = pending[index + 1 :]
                    break
                yield report
            else:
                pending = []
        except BaseException:
            _stop(pool)  # Ctrl-C: workers are ended, not waited for
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)


def _alone(path, kwargs) -> Report:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(max_workers=1, initializer=_ignore_sigint) as pool:
        try:
            return pool.submit(_safe, path, kwargs).result()
        except BrokenProcessPool:
            return _failed(
                path, kwargs["moment"], "the process checking it stopped (out of memory, or killed)"
            )


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the main process (which ends them): one line, no traceback
    from each worker."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(pool) -> None:
    for process in list(getattr(pool, "_processes", {}).values()):  # no public terminate()
        process.terminate()


def _stderr_console():
    from rich.console import Console

    return Console(file=sys.stderr)


def _safe(path, kwargs) -> Report:
    """check_and_write that never raises: any failure is one line for this file."""
    try:
        return check_and_write(path, **kwargs)
    except OpsbookError as exc:
        return _failed(path, kwargs["moment"], naming(exc, path), prefixed=True)
    except Exception as exc:  # noqa: BLE001 - one broken file must not end the batch
        report = _failed(path, kwargs["moment"], f"opsbook failed on this file ({_one_line(exc)})")
        report.debug.append(_trace(path))
        return report


def _failed(path, moment, message: str, prefixed: bool = False) -> Report:
    text = message if prefixed else f"{path}: {message}"
    return Report(as_of=moment, files=[FileResult(file=str(path), error=text)])


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _trace(path) -> str:
    import traceback

    return f"{path}:\n{traceback.format_exc()}"

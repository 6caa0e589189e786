"""The file writer: a checked report becomes marks, notes and opsbook's sheets in a workbook.

Every part the marks do not need is copied unchanged; see WRITEBACK.md for why the package
is patched rather than loaded and saved through an object model.  A workbook opsbook wrote
into before is first cleared of that run (from the state kept in its ``_opsbook`` sheet), so
running again replaces the marks and sheets instead of stacking them.
"""

from __future__ import annotations

import contextlib
import itertools
import operator
import os
import stat
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from ..errors import RefusedToPatch, WorkbookChanged, WorkbookLocked
from ..layout import (
    LINK_COLUMN,
    VIOLATION_FIELDS,
    VIOLATION_WIDTHS,
    VIOLATIONS_SHEET,
    cell_marks,
    free_sheet_name,
    severity_names,
    violation_headers,
    violation_rows,
)
from ..ooxml.package import MAX_PART_MB, Package, PartSpool, SpooledPart
from ..ooxml.rowstream import rewrite_sheet
from ..ooxml.state import HEADER as STATE_HEADER
from ..ooxml.state import STATE_SHEET, RunState, read_state
from ..ooxml.zipcopy import written_by_opsbook
from ..report import Checked
from ..text import python_values
from ..workbook.cells import column_index
from .clear import clear_package
from .columnsheet import render_columns, spool_columns
from .legacydrawing import find_legacy_drawing
from .newsheet import SheetContent, add_sheet
from .notes import add_notes
from .save import save_package, write_failed, write_lock
from .sheetxml import SheetSplicer
from .styles import Styles
from .summary_sheet import write_summary

MAX_NOTES_PER_SHEET = 10_000  # past this the violations sheet carries the rest (fills stay)


def annotated_path(source: Path, output: Path, several: bool) -> Path:
    """Where the annotated copy of ``source`` goes: ``output`` itself when it names a
    workbook, else a file of the same name inside the folder ``output``."""
    if several or output.is_dir() or output.suffix.lower() not in (".xlsx", ".xlsm"):
        output.mkdir(parents=True, exist_ok=True)
        return output / source.name
    return output


def backup_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.opsbook-backup{path.suffix}")


def check_writable(path: Path) -> None:
    """Refuse to write a workbook Excel holds open (its ~$ lock file) or that is read-only."""
    for lock in {path.with_name("~$" + path.name), path.with_name("~$" + path.name[2:])}:
        if lock.exists():
            raise WorkbookLocked(
                f"{path}: the workbook is open in Excel ({lock.name} exists); close it and run again"
            )
    # The mode bits too: root may write anything, but a file marked read-only stays so.
    if path.exists() and (not os.access(path, os.W_OK) or not path.stat().st_mode & stat.S_IWUSR):
        raise WorkbookLocked(f"{path}: the file is read-only; nothing was written")


def violations_content(
    frame: pd.DataFrame, styles: Styles, language: str = "zh-Hant"
) -> SheetContent:
    rows, links = violation_rows(frame, language)  # the layout both writers share (opsbook.layout)
    return SheetContent(
        rows=rows,
        links={(i, LINK_COLUMN): where for i, where in links.items()},
        row_styles={0: styles.bold()},
        widths=dict(VIOLATION_WIDTHS),
    )


def violations_part(
    frame: pd.DataFrame, styles: Styles, rel_ns: str, language: str = "zh-Hant"
) -> SpooledPart:
    """The 違規清單 sheet rendered from the frame's columns into a deflating spool: the same
    bytes as ``render(violations_content(...))`` without a Python value per cell."""
    return _render_violations(violation_columns(frame, language), styles.bold(), rel_ns, language)


def violation_columns(frame: pd.DataFrame, language: str) -> list[pd.Series]:
    """The 違規清單's columns (the layout both writers share, opsbook.layout), severities in
    ``language``."""
    columns = [frame[c] for c in VIOLATION_FIELDS]
    at = VIOLATION_FIELDS.index("severity")
    codes, uniques = pd.factorize(columns[at], use_na_sentinel=True)
    names = severity_names(language)
    shown = np.array([names.get(s, s) for s in python_values(uniques)] + [None], dtype=object)
    columns[at] = pd.Series(
        shown.take(np.where(codes >= 0, codes, len(uniques))), index=frame.index
    )
    return columns


def _render_violations(
    columns: list[pd.Series], header_style: int, rel_ns: str, language: str
) -> SpooledPart:
    spool = PartSpool(len(columns[0]) * 400)
    try:
        for piece in render_columns(
            violation_headers(language),
            columns,
            rel_ns,
            header_style=header_style,
            widths=dict(VIOLATION_WIDTHS),
            link=(LINK_COLUMN, VIOLATION_FIELDS.index("sheet")),
        ):
            spool.write(piece)
    except BaseException:
        spool.file.close()
        raise
    return spool.close()


# Violations from which the 違規清單 renders in a thread while the cells are marked (below
# that, the thread costs about what it saves).
MEANWHILE_FROM = 5_000


class _Meanwhile:
    """The 違規清單 rendered in a worker thread while the main thread marks the cells: the
    render is Arrow and deflate work, which runs outside the GIL, so a sheet full of
    violations uses the machine's second core.  The worker gets its own column Series and
    the header style decided beforehand; it touches neither the package nor the styles."""

    def __init__(self, frame: pd.DataFrame, language: str, header_style: int, rel_ns: str):
        from concurrent.futures import ThreadPoolExecutor

        self.frame, self.language = frame, language
        pool = ThreadPoolExecutor(1, thread_name_prefix="opsbook-violations")
        self.future = pool.submit(
            _render_violations, violation_columns(frame, language), header_style, rel_ns, language
        )
        pool.shutdown(wait=False)

    def result(self, frame: pd.DataFrame, language: str) -> SpooledPart | None:
        """The part, when it was rendered for this frame and language (else None)."""
        if frame is not self.frame or language != self.language:
            self.discard()
            return None
        return self.future.result()

    def discard(self) -> None:
        """Wait for the worker and drop what it made (its spool's temporary file closed)."""
        try:
            part = self.future.result()
        except Exception:  # noqa: BLE001 - nothing to keep; the main thread's own error stands
            return
        part.file.close()


def _open_cleared(
    source: Path, max_part_mb: float = MAX_PART_MB, kept: RunState | None = None
) -> tuple[Package, bool]:
    """The package with any earlier opsbook run undone (in memory), and whether there was
    one.  A state sheet whose content cannot be read still goes (with nothing else), so a
    new run never finds a second one."""
    pkg = Package(source, max_part_mb)
    try:
        if not any(s.name == STATE_SHEET for s in pkg.sheets):
            return pkg, False
        try:
            state = read_state(source) or RunState()
        except (ValueError, TypeError):  # an _opsbook sheet edited by hand: only it goes
            state = RunState()
        if kept is not None:  # opsbook embed's checks stay, listed in the new state
            kept.embedded, kept.styles = list(state.embedded), dict(state.styles)
        clear_package(pkg, state, keep_embedded=kept is not None)
    except BaseException:
        pkg.close()
        raise
    return pkg, True


def _in_place(source: Path, target: Path) -> bool:
    return os.path.realpath(target) == os.path.realpath(source)


def _save(pkg: Package, source: Path, target: Path, backup: bool) -> Path:
    """Save ``pkg`` to ``target`` (through a symbolic link to the file it points to); in
    place, only while the file is still the one read, after a backup of it.  Returns the
    file written."""
    real = Path(os.path.realpath(target))
    if _in_place(source, target):
        check_writable(real)
        return save_package(pkg, real, backup_path(real) if backup else None)
    return save_package(pkg, real)


class FileBook:
    """The workbook-file side of opsbook.bookio.BookIO: opened with any earlier opsbook run
    undone (in memory), edited through the package patcher, saved atomically."""

    def __init__(self, source: Path, max_part_mb: float = MAX_PART_MB, language: str | None = None):
        self.source = Path(source)
        earlier = RunState()
        self.pkg, _ = _open_cleared(self.source, max_part_mb, kept=earlier)
        self.styles = Styles(self.pkg)
        self.run = RunState(styles=dict(self.styles.original_counts))
        if earlier.embedded:  # issue 24: the embedded checks outlive a validate run
            self.run.embedded, self.run.styles = earlier.embedded, earlier.styles or self.run.styles
        # Known before the marks: then the 違規清單 renders in a thread while cells are marked.
        self.language = language
        self._meanwhile: _Meanwhile | None = None

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.pkg.sheets]

    def mark(self, frame: pd.DataFrame) -> None:
        # The 違規清單's header style first, whether or not it renders meanwhile: the
        # workbook's styles come out numbered the same either way.
        header = self.styles.bold()
        if self.language is not None and len(frame) >= MEANWHILE_FROM:
            self._meanwhile = _Meanwhile(frame, self.language, header, self.pkg.rel_ns)
        _mark(self.pkg, self.styles, frame, self.run)

    def write_violations(self, frame: pd.DataFrame, language: str = "zh-Hant") -> None:
        name = _free_sheet_name(self.pkg, VIOLATIONS_SHEET)
        meanwhile, self._meanwhile = self._meanwhile, None
        part = meanwhile.result(frame, language) if meanwhile is not None else None
        if part is None:
            part = violations_part(frame, self.styles, self.pkg.rel_ns, language)
        add_sheet(self.pkg, name, part)
        self.run.sheets.append(name)

    def write_summary(self, summary) -> None:
        name = _free_sheet_name(self.pkg, summary.name)
        write_summary(self.pkg, self.styles, summary, name)
        self.run.sheets.append(name)

    def save(self, target: Path | None = None, backup: bool = True) -> Path:
        fills: dict[int, str] = {}  # per distinct style: 137k marks share a handful
        pairs = set(map(operator.itemgetter(2, 4), self.run.marks))  # (before, base), in C
        for style in {base if before is None else before for before, base in pairs}:
            fills[style] = fill_before(self.styles, style)
        columns = self.run.columns(fills, blank=None)  # None: the same empty cell as "", faster
        add_sheet(
            self.pkg,
            STATE_SHEET,
            spool_columns(
                STATE_HEADER,
                columns,
                self.pkg.rel_ns,
                len(columns[0]) * 120,
                freeze_header=False,
                autofilter=False,
            ),
            state="veryHidden",
        )
        self.styles.save()
        return _save(self.pkg, self.source, Path(target or self.source), backup)

    def close(self) -> None:
        if self._meanwhile is not None:  # the marks failed: the worker's part is not used
            self._meanwhile.discard()
            self._meanwhile = None
        self.pkg.close()


def fill_before(styles: Styles, index: int, _cache: dict | None = None) -> str:
    """The fill of cell style ``index`` as the live writer can give it back through Excel
    (state.py's ``mark`` rows): "none", "#RRGGBB" for a plain solid colour, "?" otherwise."""
    xfs = [c for c in styles.cell_xfs if isinstance(c.tag, str)]
    if not 0 <= index < len(xfs):
        return "none"
    fills = styles.root.find(styles._q("fills"))
    entries = [] if fills is None else [f for f in fills if isinstance(f.tag, str)]
    fill_id = int(xfs[index].get("fillId") or 0)
    if fill_id >= len(entries):
        return "none"
    pattern = entries[fill_id].find(styles._q("patternFill"))
    kind = (
        None
        if pattern is None
        else pattern.get(
            "patternType", "none" if pattern.find(styles._q("fgColor")) is None else "solid"
        )
    )
    if pattern is None or kind == "none":
        return "none"
    colour = pattern.find(styles._q("fgColor"))
    rgb = None if colour is None else colour.get("rgb")
    return f"#{rgb[-6:].upper()}" if kind == "solid" and rgb and len(rgb) in (6, 8) else "?"


def write_annotated(
    source: Path,
    target: Path,
    checked: Checked,
    settings: dict,
    marks: bool = True,
    backup: bool | None = None,
) -> None:
    """Write ``source`` with the report's marks, notes, violations sheet and summaries to
    ``target`` (which may be ``source`` itself: then it is replaced atomically, after a
    backup copy when ``general.backup`` is on)."""
    from ..bookio import annotate

    backup = settings["general"].get("backup", True) if backup is None else backup
    limit = settings["general"].get("max_patch_mb", 300)
    size_mb = Path(source).stat().st_size / 1024 / 1024
    if size_mb > limit:
        raise RefusedToPatch(
            f"{source}: {size_mb:.0f} MB is over the {limit} MB limit for writing into a workbook "
            "(general.max_patch_mb); use --report for the results"
        )
    release_memory()  # what the check freed, before the write's own peak
    in_place = _in_place(source, target)
    try:
        with write_lock(Path(source)) if in_place else _no_lock():
            book = FileBook(
                source,
                max_part_mb=settings["general"].get("max_part_mb", MAX_PART_MB),
                language=checked.language,
            )
            try:
                _check_as_read(book.pkg, checked)
                if book.pkg.shared_with_revisions:
                    checked.report.files[0].warnings.append(
                        "共用工作簿帶有修訂記錄：opsbook 的標記不會記入修訂記錄 (shared workbook with a revision log)"
                    )
                annotate(book, checked, marks=marks)
                written = book.save(target, backup)
            finally:
                book.close()
    except OSError as exc:  # a spooled part's temporary file, say: one line, nothing written
        raise write_failed(exc, Path(target)) from exc
    if Path(target).is_symlink():
        checked.report.files[0].warnings.append(
            f"{target} 是捷徑連結：已寫入它指向的檔案 {written} (a symbolic link: written through to its target)"
        )


def _check_as_read(pkg: Package, checked: Checked) -> None:
    """The workbook about to be written is the one that was checked: a save that landed
    while it was being checked would get marks made for other content (and, in place, the
    save would be the file opsbook replaces).  Another opsbook run's own output (runs on
    one file wait for each other) is the same content plus its marks, so that passes."""
    expect = getattr(checked, "source_identity", None)
    if expect is None or (pkg.identity, pkg.fingerprint) == expect:
        return
    pkg._fh.seek(0)
    if written_by_opsbook(pkg._fh):
        return
    raise WorkbookChanged(
        f"{pkg.path}: the file was saved by someone else while opsbook was checking it; "
        "nothing was written (the file is as they saved it), run again"
    )


@contextlib.contextmanager
def _no_lock():
    yield


def _mark(pkg: Package, styles: Styles, frame: pd.DataFrame, run: RunState) -> None:
    sheets = []
    for sheet_name, sheet_marks in cell_marks(frame, MAX_NOTES_PER_SHEET).groupby(
        "sheet", sort=False
    ):
        sheet_name = cast(str, sheet_name)  # pandas-stubs type a group's key as any scalar
        try:
            entry = pkg.sheet(sheet_name)
        except KeyError:
            raise RefusedToPatch(
                f"{pkg.path}: sheet {sheet_name!r} was read but is not in the workbook package; "
                "not patched"
            ) from None
        by_row: dict[int, dict[int, str]] = {}
        codes, letters = pd.factorize(sheet_marks["letters"])
        columns = np.array([column_index(x) for x in python_values(letters)], dtype=np.int64)[codes]
        for row, col, severity in zip(
            sheet_marks["row"].tolist(), columns.tolist(), python_values(sheet_marks["severity"])
        ):
            by_row.setdefault(row, {})[col] = severity
        head = sheet_marks.head(MAX_NOTES_PER_SHEET)
        sheets.append(
            (
                sheet_name,
                entry.part,
                by_row,
                dict(zip(python_values(head["ref"]), python_values(head["note"]))),
            )
        )
    if sheets:
        del sheet_marks, head  # the marks table is gone before the sheets stream through
        release_memory()
    for sheet_name, part, by_row, notes in sheets:
        _mark_sheet(pkg, styles, part, sheet_name, by_row, notes, run)


def release_memory() -> None:
    """Collect and hand freed memory back to the system (glibc keeps it otherwise), so the
    write of a workbook with 100,000s of violations peaks from a lower floor."""
    import gc

    import pyarrow as pa

    from ..workbook.reader import _release_freed_memory

    gc.collect()
    _release_freed_memory()
    pa.default_memory_pool().release_unused()  # Arrow's own allocator (pandas' text columns) keeps it too


def _mark_sheet(
    pkg: Package, styles: Styles, part: str, sheet_name: str, by_row, notes, run: RunState
) -> None:
    """Restyle the marked cells and add the notes of one sheet.  The sheet part streams from
    the package through the splicer into a deflating spool: a sheet of hundreds of
    thousands of rows is never whole in memory (issue 8: memory bounded by the chunk)."""
    splicer = SheetSplicer(by_row, styles.marked)

    def add_notes_to(skeleton: bytes) -> bytes:  # the part without its rows
        # mypy cannot pick tuple.__add__'s overload for map; the tuples are (sheet, *change)
        run.marks += map(tuple.__add__, itertools.repeat((sheet_name,)), splicer.changes)  # type: ignore[arg-type]
        splicer.changes.clear()  # remembered in run.marks: not twice in memory
        had_legacy = find_legacy_drawing(skeleton) is not None
        existing = _existing_notes(pkg, part)
        created: list[str] = []
        skeleton = add_notes(pkg, part, skeleton, notes, created)
        run.parts += created
        run.notes += [(sheet_name, ref, "appended" if ref in existing else "new") for ref in notes]
        if not had_legacy and (legacy := find_legacy_drawing(skeleton)) is not None:
            run.legacy.append((sheet_name, legacy.decode()))
        return skeleton

    rewrite_sheet(pkg, part, splicer, add_notes_to)


def _existing_notes(pkg: Package, sheet_part: str) -> set[str]:
    from ..ooxml.package import parse_xml

    rel = next(
        (r for r in pkg.relationships(sheet_part).values() if r.type.endswith("/comments")), None
    )
    if rel is None or not pkg.has(rel.target):
        return set()
    root = parse_xml(pkg.read(rel.target), rel.target)
    return {ref for el in root.iter() if (ref := el.get("ref"))}


def write_summaries_only(source: Path, target: Path, checked: Checked) -> None:
    """Add only ``checked.summaries`` as sheets (no marks, no violations sheet)."""
    write_annotated(source, target, checked, {"general": {"backup": True}}, marks=False)


def clear_file(path: Path, target: Path | None = None, backup: bool = True) -> bool:
    """Undo opsbook's last run in ``path`` (into ``target``, default in place).  False when
    opsbook never wrote into it."""
    try:
        with write_lock(Path(path)) if _in_place(path, target or path) else _no_lock():
            pkg, had_run = _open_cleared(path)
            try:
                if had_run:
                    _save(pkg, path, target or path, backup)
                return had_run
            finally:
                pkg.close()
    except OSError as exc:
        raise write_failed(exc, Path(target or path)) from exc


def _free_sheet_name(pkg: Package, name: str) -> str:
    return free_sheet_name(name, (s.name for s in pkg.sheets))

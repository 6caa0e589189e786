"""When a workbook that appeared or changed may be checked: once its size and modification
time have stayed the same for ``settle_s`` seconds, no Excel/WPS lock file sits beside it,
and it reads as a whole zip package (a file still being copied has no central directory at
its end yet, and on Windows cannot even be opened).  Until then it waits, and is looked at
again on each tick.  A file that never becomes whole is checked after ``max_wait_s`` anyway,
so the watch says once that it cannot be read instead of waiting for ever.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..workbook.reader import WORKBOOK_SUFFIXES

Signature = tuple[int, int]  # size, mtime in ns


def signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def is_workbook(path: Path) -> bool:
    name = path.name
    return (
        path.suffix.lower() in WORKBOOK_SUFFIXES
        and not name.startswith(("~$", ".", ".~"))
        and ".opsbook-backup" not in name
    )


def lock_of(path: Path) -> Path | None:
    """The lock file of an open workbook: Excel's ``~$NAME`` (``~$`` over the first two
    characters of a long name), WPS's ``.~NAME`` or ``~$NAME``."""
    for lock in (
        path.with_name("~$" + path.name),
        path.with_name("~$" + path.name[2:]),
        path.with_name(".~" + path.name),
    ):
        if lock.exists():
            return lock
    return None


def is_whole(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return zipfile.is_zipfile(handle)
    except OSError:  # Windows: a file being copied cannot be opened
        return False


def scan(folder: Path, skip: Iterable[Path] = ()) -> dict[Path, Signature]:
    """Every workbook under ``folder`` (its subfolders too, the teams' own), except under
    ``skip`` (opsbook's output folders) and hidden folders."""
    skip = {Path(p).resolve() for p in skip}
    found: dict[Path, Signature] = {}
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = [d for d in dirs if not d.startswith(".") and (here / d).resolve() not in skip]
        for name in files:
            path = here / name
            if is_workbook(path):
                sig = signature(path)
                if sig is not None:
                    found[path] = sig
    return found


@dataclass
class _Pending:
    sig: Signature
    since: float  # when this signature was first seen
    first: float  # when the file was first seen changing
    told: str = ""  # the last reason to wait that was said (said once, not every tick)


class Tracker:
    """Workbooks that changed, until each is ready; ``done`` remembers what was checked so an
    event for the same content (a read, a rename back) does not check it twice."""

    def __init__(self, settle_s: float = 2.0, max_wait_s: float = 600.0):
        self.settle_s = settle_s
        self.max_wait_s = max_wait_s
        self.pending: dict[Path, _Pending] = {}
        self.done: dict[Path, Signature] = {}

    def touch(self, path: Path, now: float) -> bool:
        """A change seen at ``path``; returns False when the file is gone."""
        sig = signature(path)
        if sig is None:
            self.pending.pop(path, None)
            self.done.pop(path, None)
            return False
        if self.done.get(path) == sig:
            self.pending.pop(path, None)
            return True
        held = self.pending.get(path)
        if held is None:
            self.pending[path] = _Pending(sig, now, now)
        elif held.sig != sig:
            held.sig, held.since = sig, now
        return True

    def ready(self, now: float) -> tuple[list[Path], list[str]]:
        """The workbooks to check now, and what is said about those still waiting."""
        out, said = [], []
        for path, held in sorted(self.pending.items()):
            sig = signature(path)
            if sig is None:
                del self.pending[path]
                continue
            if sig != held.sig:  # still being written: no events needed to notice
                held.sig, held.since = sig, now
                continue
            if now - held.since < self.settle_s:
                continue
            lock = lock_of(path)
            reason = ""
            if lock is not None:
                reason = f"{path}: open in Excel/WPS ({lock.name}); checked once it is closed"
            elif not is_whole(path) and now - held.first < self.max_wait_s:
                reason = f"{path}: not a whole workbook yet (still being copied?); waiting"
            if reason:
                if held.told != reason:
                    said.append(reason)
                    held.told = reason
                continue
            out.append(path)
        return out, said

    def checked(self, path: Path, sig: Signature | None = None) -> None:
        """``path`` was checked as it is now (or as ``sig``)."""
        self.pending.pop(path, None)
        sig = sig or signature(path)
        if sig is not None:
            self.done[path] = sig

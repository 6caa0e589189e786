"""Saving a patched package safely: a temporary file in the same folder, verified, then an
atomic replace.  The original is never half-written, even on Ctrl-C or a kill.

Every XML part about to be written is checked well-formed first (ooxml.wellformed): a
part that was already damaged refuses the file, nothing written.

Writing a workbook in place also makes sure:

- a save by someone else that landed while opsbook worked is never overwritten: the file
  is replaced only while it is still the one read (device, inode, size, modification time
  and its zip directory), else nothing is written (WorkbookChanged);
- the backup is the file as read (copied from the handle held open since), written
  atomically, and never opsbook's own earlier output: a file opsbook wrote and nobody saved
  since (see zipcopy.written_by_opsbook) leaves the backup as it is, so the backup keeps
  the user's last save however many runs follow or run at once;
- a failure to write (disk full, read-only folder, no permission) is one line naming the
  cause (WriteFailed), with no temporary file or half backup left behind;
- temporary files of opsbook runs that were killed are removed by the next save there.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from ..errors import OpsbookError, WorkbookChanged, WorkbookLocked, WriteFailed
from ..ooxml.package import Package, SpooledPart, file_crc, path_identity
from ..ooxml.wellformed import check_written_parts
from ..ooxml.zipcopy import RawZipWriter, member_chunks, written_by_opsbook

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the identity check alone guards the file
    fcntl = None

TEMP_PREFIX = ".~opsbook-"
_TEMP = re.compile(r"^\.~opsbook-(\d+)-.+")
LOCK_WAIT = 120.0  # seconds a run waits for another opsbook run writing the same workbook
STALE_AFTER = 24 * 3600.0  # Windows: a temporary file this old is a killed run's


def save_package(pkg: Package, target: Path, backup: Path | None = None) -> Path:
    """Write ``pkg`` to ``target``; returns the file written.  A symbolic link is written
    through (its target is replaced, the link stays).  When ``target`` is the file ``pkg``
    was read from it is replaced only while unchanged since, after copying it to ``backup``
    (if given)."""
    check_written_parts(pkg)  # a damaged part is refused before anything is written
    target = Path(os.path.realpath(target))
    # In place by path: a file that vanished or was replaced meanwhile fails the check below.
    in_place = os.path.realpath(pkg.path) == str(target) or _same_file(pkg.path, target)
    folder = target.parent
    remove_stale_temps(folder)
    tmp = folder / f"{TEMP_PREFIX}{os.getpid()}-{target.name}"
    try:
        try:
            with open(tmp, "wb") as fh:
                _write_package(pkg, fh)
            _verify(tmp, _expected(pkg))
            if in_place:
                _check_unchanged(pkg, target)
                if backup is not None and not _own_output(pkg):
                    _write_backup(pkg, backup)
                _check_unchanged(pkg, target)
            if target.exists():
                # Keep the target's permissions: a workbook shared read-write stays so.
                os.chmod(tmp, target.stat().st_mode & 0o7777)
            os.replace(tmp, target)
            return target
        except OSError as exc:
            raise WriteFailed(_io_message(exc, target)) from exc
    except BaseException:
        _remove_quietly(tmp)
        raise


def _write_package(pkg: Package, fh) -> None:
    originals = {i.filename for i in pkg.infos}
    writer = RawZipWriter(fh)
    for info in pkg.infos:
        if info.filename in pkg.edits:
            _write(writer, info.filename, pkg.edits[info.filename], info)
        elif info.filename in pkg.removed:
            continue
        else:
            writer.copy(pkg.zip, info)
    for name, data in pkg.edits.items():
        if name not in originals:
            _write(writer, name, data, None)
    writer.close()
    fh.flush()
    os.fsync(fh.fileno())


def _expected(pkg: Package) -> set[str]:
    originals = {i.filename for i in pkg.infos}
    return (originals - (pkg.removed - set(pkg.edits))) | set(pkg.edits)


def _write(writer: RawZipWriter, name: str, data: bytes | SpooledPart, like) -> None:
    if isinstance(data, SpooledPart):
        writer.write_deflated(
            name, data.file, data.crc, data.compress_size, data.file_size, like=like
        )
    else:
        writer.write(name, data, like=like)


def _verify(path: Path, expected: set[str]) -> None:
    """Read the written package back: its central directory, the members expected, and every
    member inflated with its CRC and size checked."""
    try:
        with open(path, "rb") as fh:
            with zipfile.ZipFile(fh) as zf:
                infos = zf.infolist()
            for info in infos:
                for _ in member_chunks(fh, info):
                    pass
    except zipfile.BadZipFile as exc:
        raise OpsbookError(
            f"{path}: the written workbook did not verify ({exc}); original kept"
        ) from exc
    names = {i.filename for i in infos}
    if names != expected:
        missing = sorted(expected - names)[:3]
        raise OpsbookError(
            f"the written workbook did not verify (missing {missing}); original kept"
        )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _check_unchanged(pkg: Package, target: Path) -> None:
    if path_identity(target) != pkg.identity or _crc_of(target) != pkg.fingerprint:
        raise WorkbookChanged(
            f"{target}: the file was saved by someone else while opsbook was working on it; "
            "nothing was written (the file is as they saved it), run again"
        )


def _crc_of(path: Path) -> int | None:
    try:
        with open(path, "rb") as fh:
            return file_crc(fh)
    except FileNotFoundError:
        return None


def _own_output(pkg: Package) -> bool:
    pkg._fh.seek(0)
    return written_by_opsbook(pkg._fh)


def _write_backup(pkg: Package, backup: Path) -> None:
    """The file as read, copied atomically to ``backup`` (a temporary file beside it first)."""
    tmp = backup.with_name(f"{TEMP_PREFIX}{os.getpid()}-{backup.name}")
    try:
        with open(tmp, "wb") as out:
            pkg.backup_to(out)
            out.flush()
            os.fsync(out.fileno())
        os.utime(tmp, ns=(pkg.identity[3], pkg.identity[3]))  # the saved file's own time
        os.replace(tmp, backup)
    except BaseException:
        _remove_quietly(tmp)
        raise


def _remove_quietly(path: Path) -> None:
    """Remove a temporary file; a failure here must not hide the error that led here."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def write_failed(exc: OSError, target: Path) -> WriteFailed:
    """The one-line error for an OSError met while writing ``target``."""
    return WriteFailed(_io_message(exc, Path(target)))


def _io_message(exc: OSError, target: Path) -> str:
    folder = Path(exc.filename).parent if isinstance(exc.filename, str) else target.parent
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = (
            f"the disk holding {folder} is full"
            if exc.filename
            else f"the disk is full (the temporary folder {tempfile.gettempdir()} or {target.parent})"
        )
    elif exc.errno == errno.EROFS:
        why = f"{folder} is on a read-only file system"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        why = f"no permission to write in {folder}"
    else:
        why = exc.strerror or str(exc)
    return f"{target}: cannot write the workbook: {why}; nothing was written, the original is untouched"


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove opsbook's temporary files in ``folder`` left by runs that were killed (their
    process no longer exists); returns what was removed."""
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = _TEMP.match(name)
        if m is None or _alive(int(m.group(1)), folder / name):
            continue
        path = folder / name
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def _alive(pid: int, path: Path) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process there: go by age
        try:
            return time.time() - path.stat().st_mtime < STALE_AFTER
        except OSError:
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or cannot tell: keep its file
    return True


@contextlib.contextmanager
def write_lock(path: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold off other opsbook runs writing the same workbook in place until this one has
    saved (an advisory lock on the file: Excel does not see it; the identity check covers
    saves by other programs).  A run that waited reads the file the first one wrote."""
    if fcntl is None or not Path(path).exists():
        yield
        return
    deadline = time.monotonic() + wait
    while True:
        fd = os.open(path, os.O_RDONLY)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise WorkbookLocked(
                            f"{path}: another opsbook run is still writing this workbook; "
                            "run again when it is done"
                        ) from None
                    time.sleep(0.05)
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the file was replaced while we waited: lock the new one
    try:
        yield
    finally:
        os.close(fd)

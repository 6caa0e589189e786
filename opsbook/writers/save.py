"""Saving a patched package safely: a temporary file in the same folder, verified, then an
atomic replace.  The original is never half-written, even on Ctrl-C or a kill."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from ..errors import OpsbookError
from ..ooxml.package import Package, SpooledPart
from ..ooxml.zipcopy import RawZipWriter, member_chunks


def save_package(pkg: Package, target: Path) -> None:
    target = Path(target)
    tmp = target.with_name(f".~opsbook-{os.getpid()}-{target.name}")
    originals = {i.filename for i in pkg.infos}
    expected = (originals - (pkg.removed - set(pkg.edits))) | set(pkg.edits)
    try:
        with open(tmp, "wb") as fh:
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
        _verify(tmp, expected)
        if target.exists():
            # Keep the target's permissions: a workbook shared read-write stays so.
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write(writer: RawZipWriter, name: str, data: bytes | SpooledPart, like) -> None:
    if isinstance(data, SpooledPart):
        writer.write_deflated(name, data.file, data.crc, data.compress_size, data.file_size, like=like)
    else:
        writer.write(name, data, like=like)


def _verify(path: Path, expected: set[str]) -> None:
    """Read the written package back: its central directory, the members expected, and every
    member inflated with its CRC and size checked."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
        for info in infos:
            for _ in member_chunks(path, info):
                pass
    except zipfile.BadZipFile as exc:
        raise OpsbookError(f"{path}: the written workbook did not verify ({exc}); original kept") from exc
    names = {i.filename for i in infos}
    if names != expected:
        missing = sorted(expected - names)[:3]
        raise OpsbookError(f"the written workbook did not verify (missing {missing}); original kept")

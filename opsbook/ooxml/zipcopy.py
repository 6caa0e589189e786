"""A zip writer that copies unchanged members byte for byte, still compressed.

Python's zipfile can only write members it compresses itself; recompressing every part of
a big workbook is most of the time a save takes, and changes bytes we promised to keep.  So
unchanged members are copied raw: their compressed data, CRC and sizes go across as they
are; only members we edited are compressed anew.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

from ..errors import RefusedToPatch, UnreadableWorkbook
from .deflate import crc32, deflate, inflate_chunks, raw_chunks

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_LOCAL_SIG, _CENTRAL_SIG, _END_SIG = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"
_UTF8_FLAG = 0x800
_DESCRIPTOR_FLAG = 0x08


class RawZipWriter:
    def __init__(self, out: BinaryIO):
        self._out = out
        self._central: list[bytes] = []
        self._names: set[str] = set()

    def _header(
        self,
        name: str,
        flags: int,
        method: int,
        date_time,
        crc: int,
        csize: int,
        usize: int,
        external_attr: int = 0,
    ) -> None:
        try:
            encoded = name.encode("ascii")
            flags &= ~_UTF8_FLAG
        except UnicodeEncodeError:
            encoded = name.encode("utf-8")
            flags |= _UTF8_FLAG
        flags &= ~_DESCRIPTOR_FLAG  # sizes are known: no data descriptor follows
        if name in self._names:
            raise ValueError(f"duplicate zip member {name}")
        if csize >= 0xFFFFFFFF or usize >= 0xFFFFFFFF or self._out.tell() >= 0xFFFFFFFF:
            raise RefusedToPatch(
                "the workbook would be too large for a plain zip (over 4 GB; zip64 is not "
                "supported): use --report instead of writing into it"
            )
        self._names.add(name)
        dostime = (date_time[3] << 11) | (date_time[4] << 5) | (date_time[5] // 2)
        dosdate = ((max(date_time[0], 1980) - 1980) << 9) | (date_time[1] << 5) | date_time[2]
        offset = self._out.tell()
        self._out.write(
            _LOCAL.pack(
                _LOCAL_SIG,
                20,
                0,
                flags,
                method,
                dostime,
                dosdate,
                crc,
                csize,
                usize,
                len(encoded),
                0,
            )
        )
        self._out.write(encoded)
        self._central.append(
            _CENTRAL.pack(
                _CENTRAL_SIG,
                20,
                0,
                20,
                0,
                flags,
                method,
                dostime,
                dosdate,
                crc,
                csize,
                usize,
                len(encoded),
                0,
                0,
                0,
                0,
                external_attr,
                offset,
            )
            + encoded
        )

    def copy(self, source: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """Copy one member of ``source`` as it is, compressed bytes included."""
        fp = source.fp
        assert fp is not None
        _seek_data(fp, info)
        data = fp.read(info.compress_size)
        self._header(
            info.filename,
            info.flag_bits,
            info.compress_type,
            info.date_time,
            info.CRC,
            info.compress_size,
            info.file_size,
            info.external_attr,
        )
        self._out.write(data)

    def write(self, name: str, data: bytes, like: zipfile.ZipInfo | None = None) -> None:
        """Write a new or edited member, deflated."""
        packed = deflate(data)
        date_time = like.date_time if like else (1980, 1, 1, 0, 0, 0)
        self._header(
            name,
            0,
            zipfile.ZIP_DEFLATED,
            date_time,
            crc32(data) & 0xFFFFFFFF,
            len(packed),
            len(data),
            like.external_attr if like else 0,
        )
        self._out.write(packed)

    def write_deflated(
        self,
        name: str,
        source: BinaryIO,
        crc: int,
        compress_size: int,
        file_size: int,
        like: zipfile.ZipInfo | None = None,
    ) -> None:
        """Write a member whose deflated data is already in ``source`` (copied in chunks)."""
        date_time = like.date_time if like else (1980, 1, 1, 0, 0, 0)
        self._header(
            name,
            0,
            zipfile.ZIP_DEFLATED,
            date_time,
            crc,
            compress_size,
            file_size,
            like.external_attr if like else 0,
        )
        source.seek(0)
        copied = 0
        while chunk := source.read(1 << 20):
            self._out.write(chunk)
            copied += len(chunk)
        if copied != compress_size:
            raise UnreadableWorkbook(f"{name}: {copied} deflated bytes, {compress_size} expected")

    def close(self) -> None:
        """Write the central directory and the end record.  The archive comment is
        ``OWN_MARK`` and a digest of the central directory: a later run can tell a file
        opsbook wrote and nobody saved since (any program that saves the workbook writes a
        new central directory, and drops or invalidates the comment)."""
        start = self._out.tell()
        central = b"".join(self._central)
        self._out.write(central)
        count = len(self._central)
        if count > 0xFFFF:
            raise RefusedToPatch(
                "the workbook would hold over 65,535 parts (zip64 is not supported): use "
                "--report instead of writing into it"
            )
        comment = OWN_MARK + hashlib.sha256(central).hexdigest()[:40].encode()
        self._out.write(
            _END.pack(_END_SIG, 0, 0, count, count, len(central), start, len(comment)) + comment
        )


OWN_MARK = b"opsbook:"


def central_directory(fh: BinaryIO) -> tuple[bytes, bytes]:
    """(central directory bytes, archive comment) of the zip open in ``fh`` (plain zip: a
    zip64 or damaged end record gives empty bytes)."""
    size = fh.seek(0, os.SEEK_END)
    tail_at = max(0, size - (_END.size + 0xFFFF))
    fh.seek(tail_at)
    tail = fh.read()
    at = tail.rfind(_END_SIG)
    if at < 0 or len(tail) - at < _END.size:
        return b"", b""
    fields = _END.unpack(tail[at : at + _END.size])
    cd_size, cd_start, comment_len = fields[5], fields[6], fields[7]
    comment = tail[at + _END.size : at + _END.size + comment_len]
    if cd_start + cd_size > size:
        return b"", comment
    fh.seek(cd_start)
    return fh.read(cd_size), comment


def written_by_opsbook(fh: BinaryIO) -> bool:
    """True when the zip in ``fh`` is exactly as opsbook wrote it (see RawZipWriter.close)."""
    central, comment = central_directory(fh)
    return bool(central) and comment == OWN_MARK + hashlib.sha256(central).hexdigest()[:40].encode()


def member_chunks(
    source: str | Path | BinaryIO, info: zipfile.ZipInfo, chunk: int = 1 << 16
) -> Iterator[bytes]:
    """The uncompressed bytes of one member of the zip at ``source`` (a path, or a file open
    for reading that this uses alone while iterating), in chunks, inflated by ISA-L where it
    can (a stored member is read as it is; other methods go through zipfile).  Never more
    than the member's declared size is inflated (a member that inflates to more raises at
    once, however much more it would give); the CRC and size are checked at the end: a
    damaged member raises zipfile.BadZipFile."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as opened:
            yield from member_chunks(opened, info, chunk)
        return
    fh = source
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
        fh.seek(0)
        with zipfile.ZipFile(fh) as zf, zf.open(info) as member:  # bounded by the declared size
            while data := member.read(chunk):
                yield data
        return
    _seek_data(fh, info)
    if info.compress_type == zipfile.ZIP_STORED:
        pieces = raw_chunks(fh, info.compress_size, chunk)
    else:
        pieces = inflate_chunks(fh, info.compress_size, chunk)
    crc, size = 0, 0
    try:
        for data in pieces:
            crc = crc32(data, crc)
            size += len(data)
            if size > info.file_size:
                raise zipfile.BadZipFile(
                    f"{info.filename} inflates to more than its declared {info.file_size:,} bytes"
                )
            yield data
    except zlib.error as exc:
        raise zipfile.BadZipFile(f"{info.filename}: {exc}") from exc
    if crc & 0xFFFFFFFF != info.CRC or size != info.file_size:
        raise zipfile.BadZipFile(f"bad CRC or size for {info.filename}")


def _seek_data(fh: IO[bytes], info: zipfile.ZipInfo) -> None:
    """Put ``fh`` at the start of the member's compressed data, past its local header."""
    fh.seek(info.header_offset)
    local = fh.read(_LOCAL.size)
    if local[:4] != _LOCAL_SIG:
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<2H", local[26:30])
    fh.seek(info.header_offset + _LOCAL.size + name_len + extra_len)

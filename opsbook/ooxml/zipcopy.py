"""A zip writer that copies unchanged members byte for byte, still compressed.

Python's zipfile can only write members it compresses itself; recompressing every part of
a big workbook is most of the time a save takes, and changes bytes we promised to keep.  So
unchanged members are copied raw: their compressed data, CRC and sizes go across as they
are; only members we edited are compressed anew.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

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

    def _header(self, name: str, flags: int, method: int, date_time, crc: int, csize: int,
                usize: int, external_attr: int = 0) -> None:
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
            raise ValueError("member too large for a plain zip (zip64 not supported)")
        self._names.add(name)
        dostime = (date_time[3] << 11) | (date_time[4] << 5) | (date_time[5] // 2)
        dosdate = ((max(date_time[0], 1980) - 1980) << 9) | (date_time[1] << 5) | date_time[2]
        offset = self._out.tell()
        self._out.write(_LOCAL.pack(_LOCAL_SIG, 20, 0, flags, method, dostime, dosdate, crc,
                                    csize, usize, len(encoded), 0))
        self._out.write(encoded)
        self._central.append(
            _CENTRAL.pack(_CENTRAL_SIG, 20, 0, 20, 0, flags, method, dostime, dosdate, crc,
                          csize, usize, len(encoded), 0, 0, 0, 0, external_attr, offset)
            + encoded
        )

    def copy(self, source: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """Copy one member of ``source`` as it is, compressed bytes included."""
        fp = source.fp
        assert fp is not None
        _seek_data(fp, info)
        data = fp.read(info.compress_size)
        self._header(info.filename, info.flag_bits, info.compress_type, info.date_time,
                     info.CRC, info.compress_size, info.file_size, info.external_attr)
        self._out.write(data)

    def write(self, name: str, data: bytes, like: zipfile.ZipInfo | None = None) -> None:
        """Write a new or edited member, deflated."""
        packed = deflate(data)
        date_time = like.date_time if like else (1980, 1, 1, 0, 0, 0)
        self._header(name, 0, zipfile.ZIP_DEFLATED, date_time, crc32(data) & 0xFFFFFFFF,
                     len(packed), len(data), like.external_attr if like else 0)
        self._out.write(packed)

    def write_deflated(self, name: str, source: BinaryIO, crc: int, compress_size: int, file_size: int,
                       like: zipfile.ZipInfo | None = None) -> None:
        """Write a member whose deflated data is already in ``source`` (copied in chunks)."""
        date_time = like.date_time if like else (1980, 1, 1, 0, 0, 0)
        self._header(name, 0, zipfile.ZIP_DEFLATED, date_time, crc, compress_size, file_size,
                     like.external_attr if like else 0)
        source.seek(0)
        copied = 0
        while chunk := source.read(1 << 20):
            self._out.write(chunk)
            copied += len(chunk)
        if copied != compress_size:
            raise ValueError(f"{name}: {copied} deflated bytes, {compress_size} expected")

    def close(self) -> None:
        start = self._out.tell()
        for entry in self._central:
            self._out.write(entry)
        size = self._out.tell() - start
        count = len(self._central)
        if count > 0xFFFF:
            raise ValueError("too many zip members (zip64 not supported)")
        self._out.write(_END.pack(_END_SIG, 0, 0, count, count, size, start, 0))


def member_chunks(path: str | Path, info: zipfile.ZipInfo, chunk: int = 1 << 16) -> Iterator[bytes]:
    """The uncompressed bytes of one member, in chunks, inflated by ISA-L where it can (a
    stored member is read as it is; other methods go through zipfile).  The CRC and size
    are checked at the end: a damaged member raises zipfile.BadZipFile."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
        with zipfile.ZipFile(path) as zf, zf.open(info) as fh:
            while data := fh.read(chunk):
                yield data
        return
    with open(path, "rb") as fh:
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
                yield data
        except zlib.error as exc:
            raise zipfile.BadZipFile(f"{info.filename}: {exc}") from exc
        if crc & 0xFFFFFFFF != info.CRC or size != info.file_size:
            raise zipfile.BadZipFile(f"bad CRC or size for {info.filename}")


def _seek_data(fh: BinaryIO, info: zipfile.ZipInfo) -> None:
    """Put ``fh`` at the start of the member's compressed data, past its local header."""
    fh.seek(info.header_offset)
    local = fh.read(_LOCAL.size)
    if local[:4] != _LOCAL_SIG:
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<2H", local[26:30])
    fh.seek(info.header_offset + _LOCAL.size + name_len + extra_len)

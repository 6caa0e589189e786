"""Readers for the tests of the add-in builder: a vbaProject.bin taken apart with olefile and
oletools (independent of opsbook's writer), and MS-OVBA's records walked by hand."""

from __future__ import annotations

import contextlib
import importlib
import io
import struct
import sys
import types
import zipfile

import olefile
from oletools.olevba import decompress_stream


def vba_bin(path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/vbaProject.bin")


def decompress(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(data)))


def dir_records(dir_stream: bytes):
    """(id, data) of each dir-stream record (MS-OVBA §2.3.4.2); PROJECTVERSION is fixed-size."""
    i = 0
    while i < len(dir_stream):
        rid, size = struct.unpack_from("<HI", dir_stream, i)
        if rid == 0x0009:
            size = 6
        yield rid, dir_stream[i + 6 : i + 6 + size]
        i += 6 + size


def modules(bin_data: bytes) -> list[dict]:
    """Each MODULE record of the dir stream: name, stream name, text offset, type id, cookie."""
    ole = olefile.OleFileIO(io.BytesIO(bin_data))
    out, cur = [], {}
    for rid, data in dir_records(decompress(ole.openstream("VBA/dir").read())):
        if rid == 0x0019:
            cur = {"name": data.decode("cp1252")}
        elif rid == 0x0047:
            cur["name_unicode"] = data.decode("utf-16-le")
        elif rid == 0x001A:
            cur["stream"] = data.decode("cp1252")
        elif rid == 0x0031:
            cur["offset"] = struct.unpack("<I", data)[0]
        elif rid == 0x002C:
            cur["cookie"] = struct.unpack("<H", data)[0]
        elif rid in (0x0021, 0x0022):
            cur["type"] = rid
        elif rid == 0x002B:
            out.append(cur)
    return out


def sources(bin_data: bytes) -> dict[str, str]:
    """Each module's source as stored: the stream decompressed from its MODULEOFFSET."""
    ole = olefile.OleFileIO(io.BytesIO(bin_data))
    return {
        m["name"]: decompress(ole.openstream("VBA/" + m["stream"]).read()[m["offset"] :]).decode(
            "cp1252"
        )
        for m in modules(bin_data)
    }


def decrypt(hex_text: str) -> tuple[int, bytes]:
    """MS-OVBA §2.4.3.3 data decryption: (ProjKey, Data)."""
    b = bytes.fromhex(hex_text)
    seed, version_enc, key_enc = b[0], b[1], b[2]
    assert seed ^ version_enc == 2  # the only Version
    key = seed ^ key_enc
    unencrypted_1, encrypted_1, encrypted_2 = key, key_enc, version_enc
    plain = []
    for enc in b[3:]:
        byte = enc ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        plain.append(byte)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, enc, byte
    ignored = (seed & 6) // 2
    length = struct.unpack("<I", bytes(plain[ignored : ignored + 4]))[0]
    data = bytes(plain[ignored + 4 :])
    assert len(data) == length
    return key, data


@contextlib.contextmanager
def windows_udfs(monkeypatch):
    """opsbook.excel.udfs decorated as on Windows, and xlwings.udfs importable: it imports the
    Windows COM modules at its top, which its VBA generator does not use, so stand-ins do."""
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    sys.modules["win32com.client"].Dispatch = None
    sys.modules["pythoncom"].CoInitialize = lambda: None
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    import xlwings
    from xlwings import udfs as xludfs

    monkeypatch.setattr(xlwings, "func", xludfs.xlfunc, raising=False)  # the decorators Excel uses
    monkeypatch.setattr(xlwings, "arg", xludfs.xlarg, raising=False)
    monkeypatch.setattr(xlwings, "ret", xludfs.xlret, raising=False)
    import opsbook.excel.udfs

    importlib.reload(opsbook.excel.udfs)
    try:
        yield
    finally:
        monkeypatch.undo()
        sys.modules.pop("xlwings.udfs", None)
        importlib.reload(opsbook.excel.udfs)  # back to the plain functions for the other tests

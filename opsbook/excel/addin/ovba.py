"""An MS-OVBA writer for a *source-only* VBA project: the streams of vbaProject.bin.

References are to [MS-OVBA] "Office VBA File Format Structure" (the current numbering on learn.microsoft.com).

Why source-only, and why it is safe (the two risks issue 12 names):

* MS-OVBA §2.3.4.1: the `_VBA_PROJECT` stream's Version "MUST be 0xFFFF on write" and its
  PerformanceCache "MUST NOT be present on write"; §1.6: caches are used only when this version
  matches the running Office, "To be interoperable, this version number MUST be set to 0xFFFF
  so that performance caches are ignored" (those of _VBA_PROJECT, SRP streams and module
  streams), so Excel compiles from the module source.  Each module stream
  then holds only the compressed source at MODULEOFFSET 0 (§2.3.4.3).
* visi-core's vba_synth.rs reports that real Excel parsed a module's cache prefix and silently
  dropped a module whose prefix did not fit.  Its `_VBA_PROJECT` stream carries Version 0x00DF,
  a real VBA version, so Excel had every reason to trust the caches; that report does not apply
  to a Version 0xFFFF project, which has no caches to parse.
* Proven writers do exactly what this module does: LibreOffice's VBA export
  (oox/source/ole/vbaexport.cxx: exportVBAProjectStream writes 0x61CC, 0xFFFF, 0x00, 0x0000;
  writeMODULEOFFSET writes TextOffset 0; writeMODULECOOKIE/writePROJECTCOOKIE write 0xFFFF),
  and, closest to us, the Excel files shipped inside the pinned xlwings 0.37.8 wheel:
  quickstart_standalone.xlsm, quickstart_addin.xlam and quickstart_addin_ribbon.xlam all have a
  7-byte `_VBA_PROJECT` with Version 0xFFFF and an `xlwings` module stream at TextOffset 0 (no
  cache prefix at all) — every xlwings user opens those in Excel.  test_addin_build.py
  (test_xlwings_own_excel_files_are_source_only_too) re-checks these facts on the installed xlwings.
* The alternative the issue weighs — building on xlwings' Excel-made quickstart_addin_ribbon.xlam
  — gains nothing: its project's Version is 0xFFFF too, so Excel ignores the caches of its other
  modules as well and compiles everything from source; and its one callback,
  ``RibbonMyAddin.RunMain``, ignores the control and runs ``import <add-in name>;
  <add-in name>.main()``, so five buttons with five actions would need a changed module anyway.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from dataclasses import dataclass

CODEPAGE = 1252  # PROJECTCODEPAGE (§2.3.4.2.1.5); the builder refuses non-ASCII source
ENCODING = "cp1252"
STDOLE = (
    "stdole",
    "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
    "C:\\Windows\\System32\\stdole2.tlb#OLE Automation",
)
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"


@dataclass(frozen=True)
class Module:
    """One module: its name, kind ('document', 'module' or 'class') and source text (CRLF)."""

    name: str
    kind: str
    source: str


# --- §2.4.1 compression -------------------------------------------------------------------


def compress(data: bytes) -> bytes:
    """A CompressedContainer (§2.4.1.1.1): signature 0x01, then one chunk per 4096 bytes."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        out += _chunk(data[start : start + 4096])
    return bytes(out)


def _chunk(chunk: bytes) -> bytes:
    """A CompressedChunk (§2.4.1.1.4, algorithm §2.4.1.3.7): token sequences of a flag byte and
    up to eight tokens, each a literal byte or a CopyToken (§2.4.1.1.8) into this chunk."""
    body = bytearray()
    pos, size = 0, len(chunk)
    heads: dict[bytes, list[int]] = {}  # 3-byte prefix -> earlier positions (match finder)
    while pos < size:
        flag_at = len(body)
        body.append(0)
        for bit in range(8):
            if pos >= size:
                break
            length, offset = _match(chunk, pos, heads)
            if length:
                bit_count = max((pos - 1).bit_length(), 4)  # CopyTokenHelp, §2.4.1.3.19.1
                body += struct.pack("<H", ((offset - 1) << (16 - bit_count)) | (length - 3))
                body[flag_at] |= 1 << bit
            else:
                body.append(chunk[pos])
                length = 1
            for p in range(pos, pos + length):
                heads.setdefault(chunk[p : p + 3], []).append(p)
            pos += length
    if len(body) > 4096:  # §2.4.1.3.7: a chunk that does not shrink is stored raw (4096 bytes)
        if size != 4096:
            raise ValueError("incompressible short chunk")  # cannot happen for VBA source text
        return struct.pack("<H", 0x3000 | 0x0FFF) + chunk
    return struct.pack("<H", 0x8000 | 0x3000 | (len(body) + 2 - 3)) + bytes(body)


def _match(chunk: bytes, pos: int, heads: dict[bytes, list[int]]) -> tuple[int, int]:
    """The longest earlier match (§2.4.1.3.19.4), at least 3 bytes, within the CopyToken's
    length limit for this position (§2.4.1.3.19.1: MaximumLength = 0xFFFF >> BitCount + 3)."""
    candidates = heads.get(chunk[pos : pos + 3])
    if not candidates or pos + 3 > len(chunk):
        return 0, 0
    bit_count = max((pos - 1).bit_length(), 4)
    limit = min((0xFFFF >> bit_count) + 3, len(chunk) - pos)
    best, best_at = 0, 0
    for start in reversed(candidates[-64:]):  # nearest first; 64 candidates is plenty for text
        n = 3
        while n < limit and chunk[start + n] == chunk[pos + n]:
            n += 1
        if n > best:
            best, best_at = n, start
            if n == limit:
                break
    return (best, pos - best_at) if best >= 3 else (0, 0)


# --- §2.4.3 data encryption (the PROJECT stream's CMG, DPB and GC values) -----------------


def encrypt(data: bytes, project_id: str, seed: int) -> str:
    """§2.4.3.2: Seed, VersionEnc, ProjKeyEnc, IgnoredEnc, DataLengthEnc, DataEnc as hex."""
    version, key = 2, sum(project_id.encode(ENCODING)) & 0xFF
    out = [seed, seed ^ version, seed ^ key]
    unencrypted_1, encrypted_1, encrypted_2 = key, out[2], out[1]
    for plain in [0] * ((seed & 6) // 2) + list(struct.pack("<I", len(data))) + list(data):
        enc = plain ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(enc)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, enc, plain
    return "".join(f"{b:02X}" for b in out)


# --- the streams ---------------------------------------------------------------------------


def _rec(rid: int, data: bytes) -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _mbcs(text: str) -> bytes:
    return text.encode(ENCODING)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def dir_stream(project: str, modules: list[Module]) -> bytes:
    """The uncompressed `dir` stream (§2.3.4.2): PROJECTINFORMATION, PROJECTREFERENCES,
    PROJECTMODULES, terminator."""
    out = bytearray()
    out += _rec(0x0001, struct.pack("<I", 1))  # PROJECTSYSKIND: Win32 (§2.3.4.2.1.1)
    out += _rec(0x0002, struct.pack("<I", 0x0409))  # PROJECTLCID (§2.3.4.2.1.3)
    out += _rec(0x0014, struct.pack("<I", 0x0409))  # PROJECTLCIDINVOKE (§2.3.4.2.1.4)
    out += _rec(0x0003, struct.pack("<H", CODEPAGE))  # PROJECTCODEPAGE (§2.3.4.2.1.5)
    out += _rec(0x0004, _mbcs(project))  # PROJECTNAME (§2.3.4.2.1.6)
    out += _rec(0x0005, b"") + _rec(0x0040, b"")  # PROJECTDOCSTRING (§2.3.4.2.1.7)
    out += _rec(0x0006, b"") + _rec(0x003D, b"")  # PROJECTHELPFILEPATH (§2.3.4.2.1.8)
    out += _rec(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT (§2.3.4.2.1.9)
    out += _rec(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS (§2.3.4.2.1.10)
    # PROJECTVERSION (§2.3.4.2.1.11): Reserved MUST be 4, then VersionMajor, VersionMinor
    out += struct.pack("<HIIH", 0x0009, 4, 1467127224, 5)
    out += _rec(0x000C, b"") + _rec(0x003C, b"")  # PROJECTCONSTANTS (§2.3.4.2.1.12)
    name, libid = STDOLE  # REFERENCENAME + REFERENCEREGISTERED
    out += _rec(0x0016, _mbcs(name)) + _rec(0x003E, _utf16(name))  # §2.3.4.2.2.2
    reg = struct.pack("<I", len(libid)) + _mbcs(libid) + struct.pack("<IH", 0, 0)  # §2.3.4.2.2.5
    out += _rec(0x000D, reg)
    out += _rec(0x000F, struct.pack("<H", len(modules)))  # PROJECTMODULES (§2.3.4.2.3)
    out += _rec(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE (§2.3.4.2.3.1)
    for module in modules:  # MODULE records (§2.3.4.2.3.2)
        out += _rec(0x0019, _mbcs(module.name)) + _rec(0x0047, _utf16(module.name))
        out += _rec(0x001A, _mbcs(module.name)) + _rec(0x0032, _utf16(module.name))
        out += _rec(0x001C, b"") + _rec(0x0048, b"")  # MODULEDOCSTRING
        out += _rec(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: source at offset 0
        out += _rec(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        out += _rec(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        out += _rec(0x0021 if module.kind == "module" else 0x0022, b"")  # MODULETYPE
        out += _rec(0x002B, b"")  # terminator
    out += _rec(0x0010, b"")  # dir terminator
    return bytes(out)


def project_stream(project: str, project_id: str, modules: list[Module]) -> bytes:
    """The PROJECT stream (§2.3.1): text properties, host extenders, workspace."""
    seed = int(hashlib.sha256(project_id.encode()).hexdigest()[:2], 16)  # reproducible builds
    lines = [f'ID="{project_id}"']
    for module in modules:  # ProjectModule (§2.3.1.3-§2.3.1.6)
        lines.append(
            {
                "document": f"Document={module.name}/&H00000000",
                "module": f"Module={module.name}",
                "class": f"Class={module.name}",
            }[module.kind]
        )
    lines += [
        f'Name="{project}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(bytes(4), project_id, seed)}"',  # §2.3.1.15: not protected
        f'DPB="{encrypt(bytes(1), project_id, seed ^ 0x5A)}"',  # §2.3.1.16: no password
        f'GC="{encrypt(bytes([0xFF]), project_id, seed ^ 0xA5)}"',  # §2.3.1.17: visible
        "",
        "[Host Extender Info]",
        HOST_EXTENDER,
        "",
        "[Workspace]",
    ]  # §2.3.1.18-19
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return _mbcs("\r\n".join(lines) + "\r\n")


def projectwm_stream(modules: list[Module]) -> bytes:
    """PROJECTwm (§2.3.3): each module name in MBCS and UTF-16, then a 0x0000 terminator."""
    out = bytearray()
    for module in modules:
        out += _mbcs(module.name) + b"\x00" + _utf16(module.name) + b"\x00\x00"
    return bytes(out + b"\x00\x00")


def vba_project_streams(project: str, modules: list[Module]) -> dict[str, bytes]:
    """Every stream of the project's storage, by path (§2.2: PROJECT, PROJECTwm, VBA/...)."""
    names = [m.name.lower() for m in modules]
    if len(set(names)) != len(names):
        raise ValueError("module names must be unique (case-insensitive)")
    for m in modules:
        m.source.encode("ascii")  # the project's code page; ASCII reads the same in every one
    digest = hashlib.sha256("\0".join(m.name + m.source for m in modules).encode()).digest()
    project_id = "{" + str(uuid.UUID(bytes=digest[:16])).upper() + "}"
    streams = {
        "PROJECT": project_stream(project, project_id, modules),
        "PROJECTwm": projectwm_stream(modules),
        # §2.3.4.1: Reserved1 0x61CC, Version 0xFFFF (no PerformanceCache), Reserved2, Reserved3 (0x0001
        # as in the spec's example §3.1.1 and in xlwings' Excel-made files)
        "VBA/_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001),
        "VBA/dir": compress(dir_stream(project, modules)),
    }
    for m in modules:  # §2.3.4.3: no PerformanceCache, the CompressedSourceCode at offset 0
        streams[f"VBA/{m.name}"] = compress(m.source.encode(ENCODING))
    return streams

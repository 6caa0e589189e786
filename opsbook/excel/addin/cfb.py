"""A minimal MS-CFB (compound file) writer: version 3, 512-byte sectors, one level of storages.

olefile only reads, `cfb` on PyPI only reads, and `ms-ovba` (0.0.1) writes through temporary
files; this is the small writer the add-in needs.  References are to [MS-CFB] "Compound File
Binary File Format".
"""

from __future__ import annotations

import struct

SECTOR = 512  # §2.2: major version 3 uses 512-byte sectors (sector shift 9)
MINI = 64  # §2.2: mini sector shift 6
CUTOFF = 4096  # §2.2: streams smaller than this live in the mini stream
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _sort_key(name: str):
    """§2.6.4: siblings compare by name length first, then by upper-cased UTF-16 code points."""
    return len(name.encode("utf-16-le")), name.upper()


class _Entry:
    def __init__(self, name: str, kind: int, data: bytes = b""):
        self.name, self.kind, self.data = name, kind, data  # kind: 1 storage, 2 stream, 5 root
        self.children: list[_Entry] = []
        self.left = self.right = self.child = NOSTREAM
        self.black, self.start, self.index = True, ENDOFCHAIN, 0


def _tree(nodes: list[_Entry]) -> int:
    """The children of one storage as a red-black tree (§2.6.4): a balanced binary search tree
    whose full levels are black and whose last, partial level is red — every path has the same
    number of black nodes and no red node has a red child."""
    nodes = sorted(nodes, key=lambda e: _sort_key(e.name))
    full = (len(nodes) + 1).bit_length() - 1  # number of completely filled levels

    def build(lo, hi, depth):
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        node = nodes[mid]
        node.black = depth < full
        node.left, node.right = build(lo, mid, depth + 1), build(mid + 1, hi, depth + 1)
        return node.index

    return build(0, len(nodes), 0)


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(first, first + count):
        fat[i] = i + 1 if i + 1 < first + count else ENDOFCHAIN


def write(streams: dict[str, bytes]) -> bytes:
    """A compound file holding `streams`, keyed by path ("PROJECT", "VBA/dir", ...)."""
    root = _Entry("Root Entry", 5)
    storages: dict[str, _Entry] = {}
    for path, data in streams.items():
        parent = root
        *folders, name = path.split("/")
        for i, folder in enumerate(folders):
            key = "/".join(folders[: i + 1])
            if key not in storages:
                storages[key] = _Entry(folder, 1)
                parent.children.append(storages[key])
            parent = storages[key]
        parent.children.append(_Entry(name, 2, data))
    entries = [root]
    for entry in entries:  # breadth-first numbering of the directory (§2.6)
        for child in entry.children:
            child.index = len(entries)
            entries.append(child)
    for entry in entries:
        if entry.children:
            entry.child = _tree(entry.children)

    # The mini stream (§2.6.3, §2.3): small streams in 64-byte mini sectors, chained by the MiniFAT.
    mini, minifat = bytearray(), []
    for e in entries:
        if e.kind == 2 and e.data and len(e.data) < CUTOFF:
            e.start = len(mini) // MINI
            count = -(-len(e.data) // MINI)
            minifat += [0] * count
            _chain(minifat, e.start, count)
            mini += e.data + bytes(count * MINI - len(e.data))
    # Regular sectors: big streams, the mini stream, the MiniFAT, the directory, then the FAT.
    body = bytearray()
    fat: list[int] = []

    def place(data: bytes) -> int:
        if not data:
            return ENDOFCHAIN
        first, count = len(fat), -(-len(data) // SECTOR)
        fat.extend([0] * count)
        _chain(fat, first, count)
        body.extend(data + bytes(count * SECTOR - len(data)))
        return first

    for e in entries:
        if e.kind == 2 and len(e.data) >= CUTOFF:
            e.start = place(e.data)
    root.start, root.data = place(bytes(mini)), bytes(mini)  # the root entry owns the mini stream
    minifat_start = place(b"".join(struct.pack("<I", v) for v in minifat))
    minifat_sectors = -(-len(minifat) * 4 // SECTOR)
    directory = b"".join(_dir_entry(e) for e in entries)
    directory += _empty_entry() * (-len(entries) % 4)  # 4 entries per sector
    dir_start = place(directory)
    n_fat = 1
    while (len(fat) + n_fat) > n_fat * (SECTOR // 4):  # the FAT describes itself too
        n_fat += 1
    if n_fat > 109:
        raise ValueError("file too large for a header-only DIFAT")  # §2.5; never near for VBA
    fat_start = len(fat)
    fat.extend([FATSECT] * n_fat)
    fat.extend([FREESECT] * (n_fat * (SECTOR // 4) - len(fat)))
    body.extend(b"".join(struct.pack("<I", v) for v in fat))
    difat = [fat_start + i for i in range(n_fat)] + [FREESECT] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        bytes(16),  # §2.2 header
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        bytes(6),
        0,  # number of directory sectors: MUST be 0 for version 3
        n_fat,
        dir_start,
        0,
        CUTOFF,
        minifat_start if minifat else ENDOFCHAIN,
        minifat_sectors,
        ENDOFCHAIN,
        0,
    )  # no DIFAT sectors
    header += b"".join(struct.pack("<I", v) for v in difat)
    return header + bytes(body)


def _dir_entry(e: _Entry) -> bytes:
    """§2.6.1: a 128-byte directory entry."""
    name = e.name.encode("utf-16-le")
    if len(name) > 62:
        raise ValueError(f"name too long for a compound file: {e.name}")
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name) + 2,
        e.kind,
        1 if e.black else 0,
        e.left,
        e.right,
        e.child,
        bytes(16),
        0,
        0,
        0,
        e.start if e.kind != 1 else 0,
        len(e.data) if e.kind != 1 else 0,
    )


def _empty_entry() -> bytes:
    return struct.pack(
        "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, bytes(16), 0, 0, 0, 0, 0
    )

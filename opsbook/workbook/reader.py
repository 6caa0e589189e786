"""The value reader: one small interface, implemented here for files.

Files are read with fastexcel (Arrow, every column as text: its type guessing from the first
rows would silently turn a later 「五十」 into an empty number, so types are decided by opsbook's
own parsers) and python-calamine where fastexcel cannot place the cells exactly.  The
live-Excel reader (opsbook.excel) gives the same ``SheetValues`` from a used range, so
everything after reading is shared.

Besides values, a file gives what the values alone do not say: the merged ranges
(``<mergeCells>``), the Excel tables on the sheet (``xl/tables/*.xml``: range, header and totals
rows) and the cells holding an in-cell picture (WPS ``DISPIMG`` backed by ``xl/cellimages.xml``,
Excel 365 rich-value images).  Sheet parts are scanned as a stream of bytes (never parsed into a
tree), and only for what the package says may be there.  Reading checks what the file really is first, so a
password-protected workbook, an .xls saved under .xlsx or an empty file get one clear line.
"""

from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pandas as pd
import python_calamine

from ..errors import OpsbookError, UnreadableWorkbook
from .cells import column_index, split_cell
from .survey import Survey, a1_range, survey

if TYPE_CHECKING:
    from ..ooxml.package import Package

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_ROW = re.compile(rb'<(?:[\w.-]+:)?row\b[^>]*?\sr="(\d+)"[^>]*?>(.*?)</(?:[\w.-]+:)?row>', re.S)
# A cell holding a value: an inline string, or a <v> that is not an empty shared/inline text.
_VALUE_CELL = re.compile(
    rb'<(?:[\w.-]+:)?c\b[^>]*?\sr="([A-Z]{1,3})\d+"[^>]*?>(?:<(?:[\w.-]+:)?f\b.*?</(?:[\w.-]+:)?f>|<(?:[\w.-]+:)?f\b[^>]*/>)?\s*<(?:[\w.-]+:)?(?:v>[^<]|is>)',
    re.S,
)
_CELL_IMAGE_NAME = re.compile(rb'<(?:[\w.-]+:)?cNvPr\b[^>]*?\sname="([^"]+)"')
_DIMENSION = re.compile(
    rb'<(?:[\w.-]+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?"'
)


@dataclass(frozen=True)
class TablePart:
    """An Excel table (ListObject) on a sheet, from its xl/tables part.  Coordinates are
    0-based worksheet (row, column), inclusive."""

    name: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int
    header_rows: int = 1  # headerRowCount (0: the table has no header row)
    totals_rows: int = 0  # totalsRowCount


@dataclass
class SheetValues:
    """The cell values of one sheet as a grid whose first cell is (origin_row, origin_col),
    both 0-based: either ``rows`` (lists of Python values) or ``frame`` (a DataFrame whose
    columns are positions).  A blank cell is ``""``, ``None`` or NA."""

    name: str
    rows: list[list] | None = None
    origin_row: int = 0
    origin_col: int = 0
    visible: bool = True
    frame: pd.DataFrame | None = None
    # Merged ranges, 0-based worksheet (first_row, first_col, last_row, last_col), inclusive.
    merges: tuple[tuple[int, int, int, int], ...] = ()
    tables: tuple[TablePart, ...] = ()
    # 0-based worksheet (row, column) of every cell holding an in-cell picture.
    pictures: frozenset[tuple[int, int]] = frozenset()
    date1904: bool = False  # the workbook counts dates from 1904 (see workbook_date1904)

    def grid(self) -> pd.DataFrame:
        if self.frame is None:
            rows = self.rows or []
            width = max((len(r) for r in rows), default=0)
            self.frame = pd.DataFrame(
                [list(r) + [None] * (width - len(r)) for r in rows], dtype=object
            )
        return self.frame

    def head(self, n: int) -> list[list]:
        if self.rows is not None:
            return self.rows[:n]
        top = self.grid().head(n).astype(object)
        return top.where(top.notna(), None).values.tolist()

    def __len__(self) -> int:
        return len(self.rows) if self.rows is not None else len(self.grid())


class SheetRefused(OpsbookError):
    """One sheet cannot be read (a reference past Excel's grid); the others can."""

    def __init__(self, path: str, sheet: str, reference: str):
        self.sheet, self.reference = sheet, reference
        super().__init__(
            f"{path}: sheet {sheet!r} has a cell reference past Excel's grid ({reference}; the "
            f"last cell is XFD1048576): the sheet is not read"
        )


class WorkbookReader(Protocol):
    path: str

    def sheet_names(self) -> list[str]: ...

    def read(self, name: str) -> SheetValues: ...


def check_workbook_file(path: Path, max_part_mb: float | None = None) -> None:
    """Raise UnreadableWorkbook with one line saying what the file is, if it is no workbook:
    also a zip holding a member twice, a part that would inflate past ``max_part_mb``
    (general.max_part_mb) or no workbook part (nothing outside the zip is ever read)."""
    name = path.name
    if not path.exists():
        raise UnreadableWorkbook(f"{path}: no such file")
    if path.is_dir():
        raise UnreadableWorkbook(f"{path}: is a folder, not a workbook")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise UnreadableWorkbook(
            f"{path}: Excel 97-2003 .xls is not supported; open it in Excel and save as .xlsx"
        )
    if suffix == ".xlsb":
        raise UnreadableWorkbook(
            f"{path}: binary .xlsb workbooks are not supported; save as .xlsx or .xlsm"
        )
    if suffix in (".csv", ".txt", ".tsv"):
        raise UnreadableWorkbook(f"{path}: a {suffix} file is not a workbook; save it as .xlsx")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise UnreadableWorkbook(f"{path}: cannot open: {exc.strerror or exc}") from exc
    if size == 0:
        raise UnreadableWorkbook(f"{path}: the file is empty (0 bytes)")
    if head == OLE_MAGIC:
        raise UnreadableWorkbook(
            f"{path}: the workbook is password-protected (encrypted) or an old .xls saved "
            f"as {suffix}; remove the password or save as .xlsx in Excel"
        )
    if not head.startswith(b"PK"):
        raise UnreadableWorkbook(f"{path}: not an Excel workbook (the file is not a zip package)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableWorkbook(f"{path}: the workbook is damaged (corrupt zip: {exc})") from exc
    names = {i.filename.lower() for i in infos}
    if len(names) != len(infos):
        raise UnreadableWorkbook(
            f"{path}: the workbook is damaged (the zip holds a member name twice)"
        )
    from ..ooxml.package import MAX_PART_MB

    limit = (max_part_mb or MAX_PART_MB) * 1024 * 1024
    big = next((i for i in infos if i.file_size > limit), None)
    if big is not None:
        raise UnreadableWorkbook(
            f"{path}: part {big.filename} inflates to {big.file_size / 1048576:,.0f} MB, over the "
            f"{limit / 1048576:,.0f} MB limit for one part (general.max_part_mb); not read"
        )
    if "[content_types].xml" not in names:
        raise UnreadableWorkbook(
            f"{path}: not an Excel workbook ({name} has no [Content_Types].xml)"
        )
    _check_declared_sizes(path, infos, limit)


def _check_declared_sizes(path: Path, infos: list[zipfile.ZipInfo], limit: float) -> None:
    """The readers trust a member's data, not its declared size: an XML part that says it
    is small but could inflate past ``limit`` is inflated here first (streamed, stopping as
    soon as it passes its declared size).  Deflate inflates at most 1,032:1, so only parts
    of more than ``limit`` / 1,032 compressed (1 MB at the default) can, and only those cost
    the pass (~0.1 s per 100 MB of XML)."""
    from ..ooxml.zipcopy import member_chunks

    try:
        with path.open("rb") as fh:
            for info in infos:
                if info.compress_size * 1032 > limit and info.filename.lower().endswith(
                    (".xml", ".rels")
                ):
                    for _ in member_chunks(fh, info, chunk=1 << 20):
                        pass
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableWorkbook(f"{path}: the workbook is damaged ({exc})") from exc


class FileReader:
    """Values of a workbook file: fastexcel for speed, calamine when the origin is unsure."""

    def __init__(self, path: str | Path, max_part_mb: float | None = None):
        self.path = str(path)
        check_workbook_file(Path(path), max_part_mb)
        # The package through its relationships first: this also refuses a package without
        # a workbook part, listing no sheets or with a relationship that points outside it.
        self._package = _package_facts(Path(path))
        self._parts = self._package.parts
        pkg = self._package.package
        # The file as read (see ooxml.package.file_identity): a write replaces the workbook
        # only while it is still this file, so a save made while checking is never lost.
        self.identity = (pkg.identity, pkg.fingerprint) if pkg is not None else None
        self._copies: list[Path] = []  # copies made for the fast readers (readcopy)
        self._surveys: dict[str, Survey | None] = {}
        self.notes: list[str] = []  # things to say about what was read (stray cells …)
        try:
            import fastexcel

            self._source = self._readable_source()
            self._fast = fastexcel.read_excel(self._source)
            self._book = python_calamine.CalamineWorkbook.from_path(self._source)
        except BaseException as exc:  # the readers raise their own error types for damaged parts
            _raise_unless_reader_error(exc)
            self.close()
            if isinstance(exc, UnreadableWorkbook):
                raise
            raise UnreadableWorkbook(f"{path}: the workbook cannot be read ({exc})") from exc
        visible = python_calamine.SheetVisibleEnum.Visible
        self._visible = {m.name: m.visible == visible for m in self._book.sheets_metadata}
        # Chartsheets, dialog and macro sheets hold no cells: never handed to fastexcel, which
        # prints "'chartsheet' not a valid worksheet" on stderr for them.
        worksheet = python_calamine.SheetTypeEnum.WorkSheet
        self._no_cells = {m.name for m in self._book.sheets_metadata if m.typ != worksheet}

    def _readable_source(self) -> str:
        """The file the fast readers open: the workbook, or a copy of it whose UTF-16 parts
        are UTF-8 (they read UTF-8 only: a UTF-16 sheet gave no cells)."""
        from .readcopy import transcoded_copy, utf16_members

        pkg = self._package.package
        self._utf16 = utf16_members(pkg) if pkg is not None else []
        if not self._utf16:
            return self.path
        copy = transcoded_copy(pkg, self._utf16)
        self._copies.append(copy)
        return str(copy)

    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def dimensions(self, name: str) -> tuple[int, int]:
        """(rows, columns) of what will be read of the sheet: the cells' extent, or the
        table's region when the cells span far more than they fill (0, 0 when unknown).
        Never the declared <dimension>, which may be missing or stale."""
        found = self.survey(name)
        if found is None:
            return 0, 0
        box = found.region() or found.bounds()
        if box is None:
            return 0, 0
        return box[2] - box[0] + 1, box[3] - box[1] + 1

    def survey(self, name: str) -> Survey | None:
        """The sheet part surveyed (workbook.survey), once; None when it cannot be."""
        if name not in self._surveys:
            part = self._parts.get(name)
            facts = self._package
            found = None
            if part is not None and facts.package is not None:
                try:
                    found = survey(facts.package.chunks(part), facts.rich_images, facts.cell_images)
                except Exception:  # noqa: BLE001 - a damaged part: the readers say what is wrong with it
                    found = None
            self._surveys[name] = found
        return self._surveys[name]

    def values_in_xml(self, name: str) -> int:
        """How many cells of the sheet's XML hold a value (a <v> with text, an inline
        string): asked only of a sheet that read as empty, to tell empty from unreadable."""
        from .readcopy import count_values

        part = self._parts.get(name)
        if part is None or self._package.package is None:
            return 0
        try:
            return count_values(self._package.package.chunks(part))
        except Exception:  # noqa: BLE001 - a damaged part: nothing more to learn from it
            return 0

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one reader per file, a few sheets
    def _head(self, name: str) -> bytes | None:
        """The start of a sheet part: where <dimension> and the first rows are."""
        part = self._parts.get(name)
        pkg = self._package.package
        if part is None or pkg is None:
            return None
        head = b""
        try:
            for chunk in pkg.chunks(part):
                head += chunk
                if len(head) >= 262_144:
                    break
        except Exception:  # noqa: BLE001 - a damaged part: the readers say what is wrong with it
            return head or None
        return head[:262_144]

    def _dimension(self, name: str):
        head = self._head(name)
        if head is None:
            return None
        m = _DIMENSION.search(head, 0, 4096)
        if not m:
            return None
        first = (int(m.group(2)) - 1, column_index(m.group(1).decode()))
        last = (int(m.group(4)) - 1, column_index(m.group(3).decode())) if m.group(3) else first
        return first, last

    def read(self, name: str) -> SheetValues:
        """The sheet's values.  Raises SheetRefused for a sheet with a reference past
        Excel's grid (a dense reader would abort on it); reads only the table's region of a
        sheet whose cells span far more than they fill (the cells left out become a note)."""
        if name in self._no_cells:  # a chartsheet: no values, so no table (see __init__)
            return SheetValues(name, rows=[], visible=self._visible.get(name, True))
        found = self.survey(name)
        if found is not None and found.past_grid:
            raise SheetRefused(self.path, name, found.past_grid)
        region = found.region() if found is not None else None
        values = self._read_region(name, region) if region else self._read_values(name)
        values.tables = self._package.tables.get(name, ())
        if found is not None:
            values.merges, values.pictures = found.merges, found.pictures
        values.date1904 = workbook_date1904(self._package.package)
        return values

    def _read_region(self, name: str, region: tuple[int, int, int, int]) -> SheetValues:
        """Only ``region`` of the sheet (workbook.survey): the readers are given a copy of
        the workbook whose sheet holds just the cells inside it; a note names the cells
        holding a value that were left out."""
        import fastexcel

        from .readcopy import SHOWN, trimmed_copy

        copy = trimmed_copy(self._package.package, self._parts[name], region, self._utf16)
        self._copies.append(copy.path)
        if copy.left_out:
            cells = ", ".join(copy.outside) + (" …" if copy.left_out > SHOWN else "")
            self.notes.append(
                f"{name}: 讀取表格範圍 {a1_range(region)}；範圍外有 {copy.left_out} 個遠離表格的"
                f"儲存格未讀取 ({cells}) (stray cells far from the table, not read)"
            )
        visible = self._visible.get(name, True)
        book = python_calamine.CalamineWorkbook.from_path(str(copy.path))
        try:
            sheet = book.get_sheet_by_name(name)
            start = sheet.start
            if start is None:
                return SheetValues(name, rows=[], visible=visible)
            try:
                frame = (
                    fastexcel.read_excel(str(copy.path))
                    .load_sheet(name, header_row=None, dtypes="string", eager=True)
                    .to_pandas()
                )
                frame.columns = range(frame.shape[1])
                end = sheet.end  # calamine gives an end with every start
                if (
                    end is not None
                    and frame.shape == (end[0] - start[0] + 1, end[1] - start[1] + 1)
                    and _first_cell_matches(frame)
                ):
                    return SheetValues(
                        name, frame=frame, origin_row=start[0], origin_col=start[1], visible=visible
                    )
            except BaseException as exc:  # noqa: BLE001 - a Rust panic too; the exact reader below says what is wrong, if anything
                _raise_unless_reader_error(exc)
            rows = sheet.to_python(skip_empty_area=True)
            return SheetValues(
                name, rows=rows, origin_row=start[0], origin_col=start[1], visible=visible
            )
        except BaseException as exc:
            _raise_unless_reader_error(exc)
            raise UnreadableWorkbook(f"{self.path}: sheet {name!r} cannot be read ({exc})") from exc
        finally:
            book.close()

    def _read_values(self, name: str) -> SheetValues:
        try:
            # Eager: calamine's borrowed cells straight into Arrow, no lazy sheet object
            # holding a second copy of the grid while pandas takes it (~80 MB less at 100k rows).
            frame = self._fast.load_sheet(
                name, header_row=None, dtypes="string", eager=True
            ).to_pandas()
        except BaseException as exc:  # noqa: BLE001 - a Rust panic (PanicException) too: re-raised unless a reader error
            _raise_unless_reader_error(exc)
            return self._read_exact(name)
        frame.columns = range(frame.shape[1])
        _release_freed_memory()
        if frame.empty:
            return SheetValues(name, rows=[], visible=self._visible.get(name, True))
        origin = self._origin(name, frame)
        if origin is None:
            return self._read_exact(name)
        return SheetValues(
            name,
            frame=frame,
            origin_row=origin[0],
            origin_col=origin[1],
            visible=self._visible.get(name, True),
        )

    def _origin(self, name: str, frame: pd.DataFrame) -> tuple[int, int] | None:
        """Where fastexcel's trimmed grid starts, when that is certain; None otherwise.

        Either the declared <dimension> has exactly the grid's size, or the first XML row
        holding values has its cells exactly where the grid's first row has values."""
        if not _first_cell_matches(frame):
            return None
        dim = self._dimension(name)
        if dim is not None:
            (r1, c1), (r2, c2) = dim
            if (r2 - r1 + 1, c2 - c1 + 1) == frame.shape:
                return r1, c1
        first = self._first_value_row(name)
        if first is None:
            return None
        row, cols = first
        present = [i for i, v in enumerate(frame.iloc[0].tolist()) if pd.notna(v)]
        if len(present) != len(cols):
            return None
        origin_col = cols[0] - present[0]
        if [c - origin_col for c in cols] != present or origin_col < 0:
            return None
        return row, origin_col

    def _first_value_row(self, name: str) -> tuple[int, list[int]] | None:
        head = self._head(name)
        if head is None:
            return None
        start = head.find(b"sheetData")
        for row in _ROW.finditer(head, start if start >= 0 else 0):
            cols = [column_index(m.group(1).decode()) for m in _VALUE_CELL.finditer(row.group(2))]
            if cols:
                return int(row.group(1)) - 1, cols
        return None

    def _read_exact(self, name: str) -> SheetValues:
        try:
            sheet = self._book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
        except BaseException as exc:
            _raise_unless_reader_error(exc)
            raise UnreadableWorkbook(
                f"{self.path}: sheet {name!r} cannot be read: its XML is damaged or a cell holds "
                f"a value out of range ({exc}); open the workbook in Excel, check that sheet and "
                "save it, then run again"
            ) from exc
        return SheetValues(name, rows=rows, visible=self._visible.get(name, True))

    def close(self) -> None:
        if hasattr(self, "_book"):
            self._book.close()
        if self._package.package is not None:
            self._package.package.close()
        for copy in getattr(self, "_copies", []):
            copy.unlink(missing_ok=True)


def _raise_unless_reader_error(exc: BaseException) -> None:
    """Re-raise ``exc`` unless it is a reader's error: an Exception, or a Rust panic, which
    pyo3 raises as PanicException, a BaseException (a value out of range in a cell —
    "TimeDelta::milliseconds out of bounds" — panics fastexcel).  Ctrl-C and exits pass."""
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc


def workbook_date1904(package) -> bool:
    """True when the workbook uses the 1904 date system (<workbookPr date1904="1"/>: a
    workbook kept on a Mac): every number that becomes a date counts from 1904-01-01."""
    if package is None:
        return False
    try:
        pr = package.workbook.find(f"{{{package.main_ns}}}workbookPr")
    except AttributeError:  # a package whose workbook part could not be parsed
        return False
    return pr is not None and pr.get("date1904", "0").lower() in ("1", "true")


def _release_freed_memory() -> None:
    """Hand the parser's freed scratch memory back to the system (glibc keeps it otherwise:
    ~50 MB after a 100k-row sheet), so the next sheet's parse starts from a lower peak."""
    try:
        _libc().malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to do
        pass


@functools.lru_cache(maxsize=1)
def _libc():
    import ctypes
    import ctypes.util

    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def _first_cell_matches(frame: pd.DataFrame) -> bool:
    """The trimmed grid starts with a non-empty row and column (as calamine trims it)."""
    return bool(frame.iloc[0].notna().any() and frame.iloc[:, 0].notna().any())


@dataclass
class _PackageFacts:
    package: Package | None = None  # the open Package (its zip handle), None when unreadable
    parts: dict[str, str] = field(default_factory=dict)  # sheet name → worksheet part
    tables: dict[str, tuple[TablePart, ...]] = field(
        default_factory=dict
    )  # sheet name → its tables
    cell_images: frozenset[bytes] = frozenset()  # the picture names (ID_…) in xl/cellimages.xml
    rich_images: bool = False  # the package keeps Excel rich-value images (xl/richData)


def _package_facts(path: Path) -> _PackageFacts:
    """What the package says about its sheets, from its small parts only (relationships,
    table parts, the picture stores); the sheet parts are not read here."""
    from ..ooxml.package import Package

    try:
        # Read only (a signed workbook is read too: its sheets are surveyed like any other).
        pkg = Package(path, max_part_mb=1 << 20, reading=True)  # size limit checked before
    except UnreadableWorkbook:
        raise  # not a workbook: no workbook part, no sheets, a relationship outside it …
    except Exception:  # noqa: BLE001 - still read (a DTD, a signature …), without these facts
        return _PackageFacts()
    facts = _PackageFacts(package=pkg, parts={s.name: s.part for s in pkg.sheets})
    try:
        for sheet in pkg.sheets:
            parts = [
                r.target
                for r in pkg.relationships(sheet.part).values()
                if not r.external and r.type.endswith("/table") and pkg.has(r.target)
            ]
            tables = tuple(t for t in (_table_part(pkg.read(p)) for p in parts) if t is not None)
            if tables:
                facts.tables[sheet.name] = tables
        # WPS: workbook → xl/cellimages.xml (http://www.wps.cn/officeDocument/2020/cellImage);
        # the picture a DISPIMG formula names is the cNvPr name of one of its cellImage entries.
        stores = [
            r.target
            for r in pkg.workbook_rels.values()
            if not r.external
            and r.target.lower().endswith(".xml")
            and "cellimage" in r.target.lower()
        ]
        names: set[bytes] = set()
        for store in stores:
            if pkg.has(store):
                names.update(m.group(1) for m in _CELL_IMAGE_NAME.finditer(pkg.read(store)))
        facts.cell_images = frozenset(names)
        # Excel 365 "Place in Cell": cells carry vm="n" into xl/metadata.xml, whose rich values
        # (xl/richData/rdrichvalue.xml, structure _localImage) point at xl/media images.
        facts.rich_images = any(
            i.filename.lower().startswith("xl/richdata/") for i in pkg.infos
        ) and any(
            pkg.has(p) and b"_localImage" in pkg.read(p)
            for p in ("xl/richData/rdrichvaluestructure.xml", "xl/richData/richValueStructure.xml")
        )
    except Exception:  # noqa: BLE001 - a damaged small part: read the values without these facts
        return facts
    return facts


def _table_part(xml: bytes) -> TablePart | None:
    from lxml import etree

    try:
        root = etree.fromstring(xml)
        first, _, last = root.get("ref", "").partition(":")
        r1, c1 = split_cell(first)
        r2, c2 = split_cell(last or first)
        return TablePart(
            name=root.get("displayName") or root.get("name") or "",
            first_row=r1 - 1,
            first_col=c1,
            last_row=r2 - 1,
            last_col=c2,
            header_rows=int(root.get("headerRowCount", "1")),
            totals_rows=int(root.get("totalsRowCount", "0")),
        )
    except (etree.XMLSyntaxError, ValueError):
        return None

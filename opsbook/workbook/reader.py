"""The value reader: one small interface, implemented here for files (python-calamine).

The live-Excel reader (opsbook.excel) gives the same ``SheetValues`` from a used range, so
everything after reading is shared.  Reading checks what the file really is first, so a
password-protected workbook, an .xls saved under .xlsx or an empty file get one clear line.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import python_calamine

from ..errors import UnreadableWorkbook

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class SheetValues:
    """The cell values of one sheet as a grid; ``rows[0][0]`` is the cell at
    (origin_row, origin_col), both 0-based.  A blank cell is ``""`` or ``None``."""

    name: str
    rows: list[list]
    origin_row: int = 0
    origin_col: int = 0
    visible: bool = True


class WorkbookReader(Protocol):
    path: str

    def sheet_names(self) -> list[str]: ...

    def read(self, name: str) -> SheetValues: ...


def check_workbook_file(path: Path) -> None:
    """Raise UnreadableWorkbook with one line saying what the file is, if it is no workbook."""
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
            names = {n.lower() for n in zf.namelist()}
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableWorkbook(f"{path}: the workbook is damaged (corrupt zip: {exc})") from exc
    if "[content_types].xml" not in names:
        raise UnreadableWorkbook(f"{path}: not an Excel workbook ({name} has no [Content_Types].xml)")


class CalamineReader:
    """Values of a workbook file, read with python-calamine (the fastest credible reader)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        check_workbook_file(Path(path))
        try:
            self._book = python_calamine.CalamineWorkbook.from_path(self.path)
        except Exception as exc:  # calamine raises its own error types for damaged parts
            raise UnreadableWorkbook(f"{path}: the workbook cannot be read ({exc})") from exc
        visible = python_calamine.SheetVisibleEnum.Visible
        self._visible = {m.name: m.visible == visible for m in self._book.sheets_metadata}

    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def dimensions(self, name: str) -> tuple[int, int]:
        sheet = self._book.get_sheet_by_name(name)
        return sheet.total_height, sheet.total_width

    def read(self, name: str) -> SheetValues:
        try:
            sheet = self._book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            raise UnreadableWorkbook(f"{self.path}: sheet {name!r} cannot be read ({exc})") from exc
        return SheetValues(name, rows, 0, 0, self._visible.get(name, True))

    def close(self) -> None:
        self._book.close()

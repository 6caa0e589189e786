"""Build opsbook.xlam, and the VBA project of the templates.

The workbook parts come from xlsxwriter (which also writes the vbaProject relationship and the
sheets' codeName attributes); this module adds what xlsxwriter cannot write:
- the VBA project itself (ovba.py + cfb.py; xlsxwriter only embeds a given vbaProject.bin);
- for an add-in, the workbook content type application/vnd.ms-excel.addin.macroEnabled.main+xml
  (the one Excel writes for .xlam: xlwings' Excel-made quickstart_addin*.xlam carry it; Open XML
  SDK's SpreadsheetDocumentType.AddIn) — Excel opens such a workbook as an add-in (IsAddin,
  hidden) — and the ribbon: customUI/customUI14.xml, targeted from the package root by a
  relationship of type http://schemas.microsoft.com/office/2007/relationships/ui/extensibility
  (the type xlwings' Excel-made quickstart_addin_ribbon.xlam uses for its ribbon), in the
  2009/07 customUI namespace of [MS-CUSTOMUI2] (Office 2010 and later).
Nothing is written to disk but the finished file (written beside its target, then renamed).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

from ...errors import OpsbookError
from . import cfb, ovba
from .sources import PROJECT_NAME, project_modules, ribbon_xml

ADDIN_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
XLSM_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
RIBBON_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
RIBBON_PART = "customUI/customUI14.xml"


def vba_project_bin(sheet_codenames: list[str], formulas: bool = False) -> bytes:
    """vbaProject.bin for a workbook whose sheets have these code names (with `formulas`, the
    worksheet functions' module where it can be generated: sources.udf_module)."""
    return cfb.write(
        ovba.vba_project_streams(PROJECT_NAME, project_modules(sheet_codenames, formulas))
    )


def attach_vba(workbook, worksheets, formulas: bool = False) -> bytes:
    """Give an xlsxwriter workbook (all sheets added) opsbook's VBA project; returns it."""
    names = []
    for i, sheet in enumerate(worksheets, 1):
        sheet.set_vba_name(f"Sheet{i}")
        names.append(f"Sheet{i}")
    workbook.set_vba_name("ThisWorkbook")
    project = vba_project_bin(names, formulas)
    workbook.add_vba_project(io.BytesIO(project), is_stream=True)
    return project


def write_atomically(path: Path, data: bytes) -> None:
    """Write the finished file in one go; a failure leaves neither a partial file nor a temp."""
    tmp = path.with_name(f".{path.name}.opsbook-tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def build_addin(path: Path) -> Path:
    """opsbook.xlam: one (hidden) sheet, the VBA project, the ribbon; and the worksheet
    functions where xlwings can generate their module (Windows; has_formulas tells)."""
    import xlsxwriter

    path = Path(path)
    if path.suffix.lower() != ".xlam":
        raise OpsbookError(f"{path}: an add-in is an .xlam file")
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("opsbook")
    sheet.write(0, 0, "opsbook add-in: its ribbon tab acts on the active workbook.")
    attach_vba(workbook, [sheet], formulas=True)
    workbook.close()
    write_atomically(path, as_addin(buffer.getvalue()))
    return path


def has_formulas(path: Path) -> bool:
    """Whether a built add-in carries the worksheet functions' module."""
    with zipfile.ZipFile(path) as zf:
        return "xlwings_udfs".encode("utf-16-le") in zf.read("xl/vbaProject.bin")


def as_addin(xlsm: bytes) -> bytes:
    """An .xlsm package turned into an .xlam with the ribbon part."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsm)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                text = data.decode("utf-8")
                if XLSM_TYPE not in text:
                    raise OpsbookError("unexpected workbook content type from xlsxwriter")
                data = text.replace(XLSM_TYPE, ADDIN_TYPE).encode("utf-8")
            elif info.filename == "_rels/.rels":
                data = _add_root_relationship(data.decode("utf-8")).encode("utf-8")
            dst.writestr(info.filename, data)
        dst.writestr(RIBBON_PART, ribbon_xml())
    return out.getvalue()


def _add_root_relationship(rels: str) -> str:
    ids = {int(n) for n in re.findall(r'Id="rId(\d+)"', rels)}
    new_id = max(ids, default=0) + 1
    rel = f'<Relationship Id="rId{new_id}" Type="{RIBBON_REL}" Target="{RIBBON_PART}"/>'
    return rels.replace("</Relationships>", rel + "</Relationships>")

"""The modules of opsbook's VBA project, read from the installed packages.

opsbook's own module and the ribbon live in the top-level macros/ folder, which the wheel ships
as the package opsbook.macros (read with importlib.resources); xlwings' module and its Dictionary class come from the installed xlwings
package, which must be the pinned version whose RunPython the module calls.  Nothing fetched
from xlwings is committed here.
"""

from __future__ import annotations

import importlib.util
import io
import re
import types
from importlib import resources
from pathlib import Path

from ...errors import OpsbookError
from .ovba import Module

XLWINGS_VERSION = "0.37.8"  # pyproject.toml pins the same; opsbook.bas calls its RunPython
PROJECT_NAME = "OpsbookVBA"  # distinct from the module names ("opsbook", "xlwings")

# The attribute lines Excel stores for each kind of document and class module: read from the
# Excel-made projects in the xlwings wheel (quickstart_standalone.xlsm: ThisWorkbook, Sheet1,
# Dictionary), the same set LibreOffice's export writes for documents (vbaexport.cxx,
# exportModuleStream).  VB_Base names the object the module extends: the Workbook
# (00020819), a Worksheet (00020820), or a plain class (FCFB3D2A).
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
SHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"


def crlf(text: str) -> str:
    """Line endings as the VBA editor writes and expects them (CRLF), whatever git checked out."""
    return re.sub(r"\r\n|\r|\n", "\r\n", text)


def macros_folder():
    """The add-in's sources: the top-level macros/ folder of a checkout, which the wheel ships
    as the data-only package opsbook.macros (setup.py maps it there)."""
    try:
        return resources.files("opsbook.macros")
    except (ModuleNotFoundError, TypeError):  # a checkout: macros/ beside the opsbook package
        return Path(__file__).resolve().parents[3] / "macros"


def resource_text(name: str) -> str:
    """A file of macros/ (opsbook.bas, customUI14.xml) from the installed package or checkout."""
    return (macros_folder() / name).read_text(encoding="utf-8")


def opsbook_module() -> Module:
    return Module("opsbook", "module", crlf(resource_text("opsbook.bas")))


def ribbon_xml() -> bytes:
    return resource_text("customUI14.xml").encode("utf-8")


def xlwings_dir() -> Path:
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise OpsbookError('xlwings is not installed: pip install "opsbook[excel]"')
    return Path(spec.origin).parent


def xlwings_modules() -> list[Module]:
    """xlwings' standalone VBA module (xlwings.bas, RunPython) and the Dictionary class it
    uses on a Mac (addin/Dictionary.cls), from the installed xlwings."""
    folder = xlwings_dir()
    try:
        bas = (folder / "xlwings.bas").read_text(encoding="utf-8")
        cls = (folder / "addin" / "Dictionary.cls").read_text(encoding="utf-8")
    except OSError as exc:
        raise OpsbookError(f"xlwings' VBA sources not found in {folder}: {exc}") from exc
    found = re.search(r"^'Version: (\S+)", bas, re.M)
    if not found or found.group(1) != XLWINGS_VERSION:
        raise OpsbookError(
            f"xlwings {found.group(1) if found else '?'} is installed; opsbook's macros "
            f'need {XLWINGS_VERSION}: pip install "opsbook[excel]"'
        )
    return [
        Module("xlwings", "module", crlf(bas)),
        Module("Dictionary", "class", class_source(cls)),
    ]


def class_source(cls_file: str) -> str:
    """A class module's stream source from a .cls file: without the VERSION/BEGIN...END header
    (that is the export format, not part of the source), with the attributes Excel adds on
    import (VB_Base after VB_Name; VB_TemplateDerived and VB_Customizable after VB_Exposed)."""
    text = crlf(cls_file)
    body = text[text.index("Attribute VB_Name") :]
    lines = body.split("\r\n")
    out = []
    for line in lines:
        out.append(line)
        if line.startswith("Attribute VB_Name"):
            out.append(f'Attribute VB_Base = "{CLASS_BASE}"')
        elif line.startswith("Attribute VB_Exposed"):
            out += ["Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = False"]
    return "\r\n".join(out)


def document_module(name: str, base: str) -> Module:
    """The code module behind the workbook or a worksheet: attributes only, no code."""
    attrs = [
        f'VB_Name = "{name}"',
        f'VB_Base = "{base}"',
        "VB_GlobalNameSpace = False",
        "VB_Creatable = False",
        "VB_PredeclaredId = True",
        "VB_Exposed = True",
        "VB_TemplateDerived = False",
        "VB_Customizable = True",
    ]
    return Module(name, "document", "".join(f"Attribute {a}\r\n" for a in attrs))


def udf_module() -> Module | None:
    """The worksheet functions of opsbook.excel.udfs as xlwings' own UDF import would write
    them (xlwings 0.37.8 udfs.py: import_udfs writes this header, then generate_vba_wrapper
    one VBA Function per @xw.func calling XLPy.CallUDF; for a workbook named *.xlam it passes
    ActiveWorkbook, "Add-ins work with ActiveWorkbook instead of ThisWorkbook").  None where
    xlwings.udfs cannot be imported: it needs pywin32, i.e. Windows."""
    try:
        from xlwings import udfs as xlwings_udfs

        from .. import udfs
    except ImportError:
        return None
    out = io.StringIO()
    out.write(
        'Attribute VB_Name = "xlwings_udfs"\n'
        "'Autogenerated code by xlwings - changes will be lost with next import!\n"
        '#Const App = "Microsoft Excel" \'Adjust when using outside of Excel\n'
    )
    xlwings_udfs.generate_vba_wrapper(
        "opsbook.excel.udfs", udfs, out, types.SimpleNamespace(Name="opsbook.xlam")
    )
    text = out.getvalue()
    if "Function " not in text:  # decorators inactive: no function would reach Excel
        return None
    return Module("xlwings_udfs", "module", crlf(text))


def project_modules(sheet_codenames: list[str], formulas: bool = False) -> list[Module]:
    """ThisWorkbook, one document module per sheet, then opsbook, OpsbookText, xlwings and
    Dictionary; with `formulas`, the worksheet functions' module too when it can be generated
    here, and ThisWorkbook registering their descriptions when the add-in opens."""
    udf = udf_module() if formulas else None
    this = document_module("ThisWorkbook", WORKBOOK_BASE)
    if udf is not None:
        this = Module(this.name, this.kind, this.source + WORKBOOK_OPEN)
    documents = [this] + [document_module(name, SHEET_BASE) for name in sheet_codenames]
    return (
        documents
        + [opsbook_module(), text_module(udf is not None), *xlwings_modules()]
        + ([udf] if udf else [])
    )


# The text VBA shows, generated ------------------------------------------------------------
# The project's code page is 1252 and Excel reads module source in it, so a Chinese
# character in VBA source would arrive as "?": every non-ASCII character is written as
# ChrW(code) (VBA's ChrW takes a UTF-16 code unit; all of these are in the BMP).
TEXT_MODULE = "OpsbookText"
CATEGORY = "opsbook"
WORKBOOK_OPEN = (
    "Option Explicit\r\n"
    "' opsbook.xlam: the worksheet functions' descriptions for Insert Function, on opening\r\n"
    "Private Sub Workbook_Open()\r\n"
    f"    {TEXT_MODULE}.OpsRegisterFunctions\r\n"
    "End Sub\r\n"
)


def vba_string(text: str) -> str:
    """A VBA expression of ``text`` in ASCII: printable ASCII as literals, each other
    character as ChrW(code), line breaks as vbLf."""
    parts: list[str] = []
    literal = ""
    for ch in text:
        if " " <= ch <= "~":
            literal += '""' if ch == '"' else ch
            continue
        if literal:
            parts.append(f'"{literal}"')
            literal = ""
        parts.append("vbLf" if ch == "\n" else f"ChrW({ord(ch)})")
    if literal:
        parts.append(f'"{literal}"')
    return " & ".join(parts) or '""'


def _assign(variable: str, text: str, chunk: int = 40) -> list[str]:
    """VBA lines that build ``text`` into ``variable`` a piece at a time: a VBA line holds at
    most 1023 characters (and a ChrW(code) is up to 12 of them per character)."""
    lines = [f'    {variable} = ""']
    for i, line in enumerate(text.split("\n")):
        line = ("\n" if i else "") + line
        for start in range(0, len(line), chunk):
            lines.append(f"    {variable} = {variable} & {vba_string(line[start : start + chunk])}")
    return lines


def _text_function(name: str, text: str) -> list[str]:
    """A Function returning ``text``."""
    return [
        f"Public Function {name}() As String",
        "    Dim s As String",
        *_assign("s", text),
        f"    {name} = s",
        "End Function",
        "",
    ]


def function_docs() -> list[tuple[str, str, list[str]]]:
    """(name, description, argument descriptions) of each worksheet function, from the
    decorators xlwings reads when it imports them (udfs.py import_udfs: the docstring and
    each @xw.arg doc, 255 characters at most, the ``caller`` argument left out)."""
    from .. import udfs

    out = []
    for name in sorted(dir(udfs)):
        xlfunc = getattr(getattr(udfs, name), "__xlfunc__", None)
        if xlfunc is None:
            continue
        args = [a.get("doc", "")[:255] for a in xlfunc["args"] if a["name"] != "caller"]
        out.append((xlfunc["name"], (xlfunc["ret"].get("doc") or "")[:255], args))
    return out


def text_module(formulas: bool = False) -> Module:
    """OpsbookText: the help text and the messages opsbook.bas shows (macros/help.txt,
    macros/no_workbook.txt), and OpsRegisterFunctions, which gives each worksheet function
    its description in Insert Function the way xlwings' own import does
    (Application.MacroOptions with Description, Category and ArgumentDescriptions, Excel
    2010 and later; Microsoft, "Application.MacroOptions method").  Without the functions'
    module (`formulas` false) it registers nothing."""
    lines = [
        f'Attribute VB_Name = "{TEXT_MODULE}"',
        "' Generated by opsbook/excel/addin/sources.py from macros/*.txt and the worksheet",
        "' functions' docs.  ASCII only: other characters are ChrW(code).",
        "Option Explicit",
        "",
        *_text_function("OpsHelpText", resource_text("help.txt").rstrip("\n")),
        *_text_function("OpsNoWorkbookText", resource_text("no_workbook.txt").rstrip("\n")),
        "Public Sub OpsRegisterFunctions()",
        "    ' a description that cannot be set must never stop the add-in from opening",
        "    On Error Resume Next",
        "    Dim d As String",
        "    Dim a() As Variant",
    ]
    for name, description, args in function_docs() if formulas else []:
        lines += _assign("d", description)
        lines.append(f"    ReDim a(0 To {max(len(args), 1) - 1})")
        for i, arg in enumerate(args):
            lines += _assign(f"a({i})", arg)
        lines.append(
            f'    Application.MacroOptions Macro:="\'" & ThisWorkbook.Name & "\'!{name}", '
            f'Description:=d, Category:="{CATEGORY}"'
            + (", ArgumentDescriptions:=a" if args else "")
        )
    lines += ["End Sub", ""]
    return Module(TEXT_MODULE, "module", "\r\n".join(lines))

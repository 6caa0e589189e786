"""LibreOffice, headless, opens opsbook.xlam and the templates and lists their VBA: the nearest
real spreadsheet program this machine runs.  It reads the compound file, the dir stream and
the compressed module streams, imports each module as a VBA-compatible Basic module of the
right kind, and its script provider finds every procedure of opsbook's module.  Any parse
failure of the project fails this test.  It does not run Excel's VBA compiler (see docs/excel-proofs.md).

The listing runs under the system Python with LibreOffice's UNO bridge (python3-uno; .ci/run
installs it)."""

import json
import shutil
import subprocess
import uuid

import pytest
from addin_read import windows_udfs
from click.testing import CliRunner
from paths import ROOT

from opsbook.cli import cli
from opsbook.excel.addin.build import build_addin
from opsbook.excel.addin.sources import xlwings_dir

pytestmark = pytest.mark.slow  # LibreOffice opens the add-in and the templates

LISTING = r"""
import json, re, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue

def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

profile, pipe, *paths = sys.argv[1:]
office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                           "-env:UserInstallation=" + profile, "--accept=pipe,name=%s;urp;" % pipe],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
desktop = None
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(480):
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except Exception:
            time.sleep(0.25)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    result = {}
    for path in paths:
        # LibreOffice 7.4 does not detect the add-in content type by itself; name its filter
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, (
            prop("Hidden", True), prop("FilterName", "Calc MS Excel 2007 VBA XML"), prop("MacroExecutionMode", 4)))
        libs = doc.BasicLibraries
        listing, procedures = {}, {}
        for name in libs.getElementNames():
            libs.loadLibrary(name)
            lib = libs.getByName(name)
            for module in lib.getElementNames():
                source = lib.getByName(module)
                kind = re.search(r"Rem Attribute VBA_ModuleType=(\w+)", source)
                listing.setdefault(name, {})[module] = kind.group(1) if kind else None
                for proc in re.findall(r"^(?:Public |Private )?(?:Sub|Function) (\w+)", source, re.M):
                    url = "vnd.sun.star.script:%s.%s.%s?language=Basic&location=document" % (name, module, proc)
                    try:
                        doc.getScriptProvider().getScript(url)
                        procedures["%s.%s" % (module, proc)] = "found"
                    except Exception as exc:
                        procedures["%s.%s" % (module, proc)] = type(exc).__name__
        result[path] = {"project": libs.ProjectName, "vba_mode": bool(libs.VBACompatibilityMode),
                        "modules": listing, "procedures": procedures}
        doc.close(True)
    print(json.dumps(result))
finally:
    if desktop is not None:
        try:
            desktop.terminate()
        except Exception:
            pass
    try:
        office.wait(timeout=30)
    except subprocess.TimeoutExpired:
        office.kill()
"""


def uno_python() -> str:
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if (
            candidate
            and subprocess.run([candidate, "-c", "import uno"], capture_output=True).returncode == 0
        ):
            return candidate
    pytest.fail(
        "no Python with LibreOffice's UNO bridge (apt-get install python3-uno; .ci/run does)"
    )


def test_libreoffice_lists_the_modules_and_procedures(tmp_path, monkeypatch):
    assert shutil.which("soffice"), "LibreOffice (soffice) is needed; .ci/run installs it"
    books = [tmp_path / "opsbook.xlam"]
    assert (
        CliRunner().invoke(cli, ["excel", "addin", "build", "--output", str(books[0])]).exit_code
        == 0
    )
    with windows_udfs(monkeypatch):  # the add-in as built on Windows, with the worksheet functions
        books.append(build_addin(tmp_path / "opsbook-formulas.xlam"))
    for kind in ("posts", "inspections", "design_costs"):
        books.append(tmp_path / f"{kind}.xlsm")
        assert (
            CliRunner()
            .invoke(cli, ["excel", "template", kind, "--output", str(books[-1])])
            .exit_code
            == 0
        )
    reference = tmp_path / "xlwings-quickstart.xlsm"  # an Excel-made project, for comparison
    shutil.copy(xlwings_dir() / "quickstart_standalone.xlsm", reference)
    script = tmp_path / "listing.py"
    script.write_text(LISTING, encoding="utf-8")
    out = subprocess.run(
        [
            uno_python(),
            str(script),
            (tmp_path / "profile").as_uri(),
            f"opsbook{uuid.uuid4().hex}",
            *map(str, books),
            str(reference),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    excel_made = result.pop(str(reference))
    for path, found in result.items():
        assert found["project"] == "OpsbookVBA" and found["vba_mode"], path
        modules = found["modules"]["OpsbookVBA"]
        assert modules["opsbook"] == "VBAModule" and modules["xlwings"] == "VBAModule", path
        assert (
            modules["Dictionary"] == "VBAClassModule"
            and modules["ThisWorkbook"] == "VBADocumentModule"
        ), path
        assert all(
            kind == "VBADocumentModule"
            for name, kind in modules.items()
            if name.startswith("Sheet")
        )
        if path.endswith("opsbook-formulas.xlam"):
            assert modules["xlwings_udfs"] == "VBAModule"
            udfs = {p: v for p, v in found["procedures"].items() if p.startswith("xlwings_udfs.")}
            assert "xlwings_udfs.OPS_CHECK_ROW" in udfs and set(udfs.values()) == {"found"}, udfs
        ours = {p: v for p, v in found["procedures"].items() if p.startswith("opsbook.")}
        assert {
            "opsbook.OpsValidate",
            "opsbook.OpsSummarize",
            "opsbook.OpsClear",
            "opsbook.OpsSettings",
            "opsbook.OpsHelp",
            "opsbook.OpsValidateRibbon",
        } <= set(ours)
        assert set(ours.values()) == {"found"}, ours
        # xlwings' module fares exactly as in xlwings' own Excel-made workbook
        theirs = {
            p: v
            for p, v in found["procedures"].items()
            if p.startswith(("xlwings.", "Dictionary."))
        }
        assert theirs == {
            p: v
            for p, v in excel_made["procedures"].items()
            if p.startswith(("xlwings.", "Dictionary."))
        }, path

"""The add-in builder without Excel: MS-OVBA compression and encryption, the compound file,
the dir stream and module streams read back by olefile/oletools (olevba), the .xlam package
(add-in content type, ribbon part) and the templates' VBA projects."""

import io
import os
import random
import re
import struct
import zipfile

import olefile
import pytest
from addin_read import decompress, decrypt, dir_records, modules, sources, vba_bin, windows_udfs
from click.testing import CliRunner
from oletools.olevba import VBA_Parser

from opsbook.cli import cli
from opsbook.excel.addin import cfb, ovba
from opsbook.excel.addin.sources import (
    class_source,
    crlf,
    resource_text,
    text_module,
    xlwings_dir,
)

EXPECTED_MODULES = ["ThisWorkbook", "Sheet1", "opsbook", "OpsbookText", "xlwings", "Dictionary"]
XLWINGS = xlwings_dir()


def shipped_sources() -> dict[str, str]:
    """What each code module's source must be: the shipped files, CRLF."""
    return {
        "opsbook": crlf(resource_text("opsbook.bas")),
        "OpsbookText": text_module().source,
        "xlwings": crlf((XLWINGS / "xlwings.bas").read_text(encoding="utf-8")),
        "Dictionary": class_source(
            (XLWINGS / "addin" / "Dictionary.cls").read_text(encoding="utf-8")
        ),
    }


@pytest.fixture(scope="module")
def addin(tmp_path_factory):
    path = tmp_path_factory.mktemp("addin") / "opsbook.xlam"
    result = CliRunner().invoke(cli, ["excel", "addin", "build", "--output", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_compression_round_trips_through_olevba(seed):
    rng = random.Random(seed)
    words = [
        b"Sub ",
        b"End Sub\r\n",
        b"RunPython ",
        b'"import opsbook"',
        b"    ",
        b"If x Then\r\n",
        b"'",
    ]
    texts = [
        b"",
        b"a",
        b"abc" * 3000,
        bytes(4096),
        bytes(4097),
        bytes(rng.randrange(256) for _ in range(4096)),
        b"".join(rng.choice(words) for _ in range(5000)),
        (XLWINGS / "xlwings.bas").read_bytes(),
    ]
    for text in texts:
        packed = ovba.compress(text)
        assert packed[0] == 1 and decompress(packed) == text
    # a chunk of 4096 random bytes does not shrink: stored raw (MS-OVBA §2.4.1.3.7)
    raw = ovba.compress(bytes(rng.randrange(256) for _ in range(4096)))
    assert struct.unpack_from("<H", raw, 1)[0] == 0x3FFF and len(raw) == 1 + 2 + 4096


def test_encryption_matches_the_spec_and_excel():
    """Our CMG/DPB/GC decrypt per §2.4.3.3; and the reader agrees with an Excel-made PROJECT
    stream (xlwings' quickstart_standalone.xlsm): not protected, no password, visible."""
    project_id = "{00000000-1111-2222-3333-444444444444}"
    for seed in range(256):
        for data in (bytes(4), b"\x00", b"\xff"):
            key, plain = decrypt(ovba.encrypt(data, project_id, seed))
            assert plain == data and key == sum(project_id.encode()) & 0xFF
    ole = olefile.OleFileIO(io.BytesIO(vba_bin(XLWINGS / "quickstart_standalone.xlsm")))
    text = ole.openstream("PROJECT").read().decode("cp1252")
    values = dict(re.findall(r'^(ID|CMG|DPB|GC)="([^"]*)"', text, re.M))
    for name, data in (("CMG", bytes(4)), ("DPB", b"\x00"), ("GC", b"\xff")):
        key, plain = decrypt(values[name])
        assert plain == data and key == sum(values["ID"].encode()) & 0xFF


def test_compound_file_reads_back_in_olefile():
    """Many streams, small (mini stream) and large, in nested storages: olefile reads each back,
    and every storage's children form a valid red-black tree (MS-CFB §2.6.4)."""
    rng = random.Random(3)
    streams = {}
    for i in range(40):
        size = rng.choice([0, 1, 63, 64, 65, 4095, 4096, 4097, 20000, 70000])
        folder = rng.choice(["", "VBA/", "VBA/sub/"])
        streams[f"{folder}s{i:02d}_{'x' * (i % 7)}"] = bytes(
            rng.randrange(256) for _ in range(size)
        )
    ole = olefile.OleFileIO(io.BytesIO(cfb.write(streams)))
    assert sorted("/".join(p) for p in ole.listdir()) == sorted(streams)
    for path, data in streams.items():
        assert ole.openstream(path).read() == data
    for entry in ole.direntries:
        if entry is not None and entry.kids:
            _check_red_black(ole, entry.sid_child)


def _check_red_black(ole, sid):
    """Black height of the subtree at `sid`; no red node with a red child; BST order."""
    if sid == cfb.NOSTREAM:
        return 1
    node = ole.direntries[sid]
    for child in (node.sid_left, node.sid_right):
        if child != cfb.NOSTREAM and node.color == 0:
            assert ole.direntries[child].color == 1, "red node with a red child"
    if node.sid_left != cfb.NOSTREAM:
        assert cfb._sort_key(ole.direntries[node.sid_left].name) < cfb._sort_key(node.name)
    if node.sid_right != cfb.NOSTREAM:
        assert cfb._sort_key(node.name) < cfb._sort_key(ole.direntries[node.sid_right].name)
    left, right = _check_red_black(ole, node.sid_left), _check_red_black(ole, node.sid_right)
    assert left == right, "unequal black heights"
    return left + node.color


def test_olevba_extracts_every_module_and_the_source_equals_the_shipped_files(addin):
    parser = VBA_Parser(str(addin))
    extracted = {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    assert sorted(extracted) == sorted(EXPECTED_MODULES)
    for name, source in shipped_sources().items():
        assert extracted[name] == source, name
    assert "Module1" not in extracted
    for sub in ("OpsValidate", "OpsSummarize", "OpsClear", "OpsSettings", "OpsHelp"):
        assert re.search(rf"^Sub {sub}\(\)", extracted["opsbook"], re.M)


def test_dictionary_class_is_stored_as_excel_stores_it():
    """class_source() reproduces, byte for byte, what Excel stored when the same Dictionary.cls
    was imported into xlwings' Excel-made quickstart_standalone.xlsm — but for the case of
    identifiers, which the VBA editor unifies across a project (there `Err` became `err`)."""
    excel_made = sources(vba_bin(XLWINGS / "quickstart_standalone.xlsm"))
    ours = class_source((XLWINGS / "addin" / "Dictionary.cls").read_text(encoding="utf-8"))
    assert ours.lower() == excel_made["Dictionary"].lower() and len(ours) == len(
        excel_made["Dictionary"]
    )
    # and the xlwings module Excel compiled there is the xlwings.bas we ship (line ends aside)
    assert excel_made["xlwings"].replace("\r\n", "\n") == shipped_sources()["xlwings"].replace(
        "\r\n", "\n"
    )


def test_dir_stream_records_names_and_offsets(addin):
    data = vba_bin(addin)
    ole = olefile.OleFileIO(io.BytesIO(data))
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")  # §2.3.4.1
    found = modules(data)
    assert [m["name"] for m in found] == EXPECTED_MODULES
    for m in found:
        assert m["name_unicode"] == m["stream"] == m["name"]
        assert m["offset"] == 0 and m["cookie"] == 0xFFFF  # source at offset 0, no cache
        assert m["type"] == (
            0x0021 if m["name"] in ("opsbook", "OpsbookText", "xlwings") else 0x0022
        )
        assert ole.exists("VBA/" + m["stream"])
    records = dict(dir_records(decompress(ole.openstream("VBA/dir").read())))
    assert struct.unpack("<H", records[0x000F])[0] == len(EXPECTED_MODULES)  # PROJECTMODULES count
    assert struct.unpack("<H", records[0x0003])[0] == 1252  # PROJECTCODEPAGE
    assert records[0x0004] == b"OpsbookVBA"  # PROJECTNAME
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert project.endswith("\r\n") and "\n" not in project.replace("\r\n", "")
    kinds = re.findall(r"^(Document|Module|Class)=(\w+)", project, re.M)
    assert kinds == [
        ("Document", "ThisWorkbook"),
        ("Document", "Sheet1"),
        ("Module", "opsbook"),
        ("Module", "OpsbookText"),
        ("Module", "xlwings"),
        ("Class", "Dictionary"),
    ]
    wm = ole.openstream("PROJECTwm").read()
    assert (
        wm.endswith(b"\x00\x00")
        and b"opsbook\x00" + "opsbook".encode("utf-16-le") + b"\x00\x00" in wm
    )


def test_addin_package_is_an_addin_with_the_ribbon(addin):
    with zipfile.ZipFile(addin) as zf:
        types = zf.read("[Content_Types].xml").decode()
        rels = zf.read("_rels/.rels").decode()
        ribbon = zf.read("customUI/customUI14.xml").decode()
        workbook = zf.read("xl/workbook.xml").decode()
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        wb_rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    assert (
        'PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.addin.macroEnabled.main+xml"'
        in types
    )
    assert re.search(
        r'Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility" '
        r'Target="customUI/customUI14.xml"',
        rels,
    )
    assert "http://schemas.microsoft.com/office/2006/relationships/vbaProject" in wb_rels
    assert 'codeName="ThisWorkbook"' in workbook and 'codeName="Sheet1"' in sheet
    labels = re.findall(r'<button [^>]*label="([^"]+)"', ribbon)
    assert labels == ["驗證", "月結·彙總", "清除標記", "設定", "說明"]
    opsbook = sources(vba_bin(addin))["opsbook"]
    callbacks = re.findall(r'onAction="([\w.]+)"', ribbon)
    assert len(callbacks) == 5 and all(c.startswith("opsbook.") for c in callbacks)  # Module.Sub
    for callback in callbacks:
        assert re.search(rf"^Sub {callback.split('.')[1]}\(control As Object\)", opsbook, re.M), (
            callback
        )


def test_build_refuses_other_extensions_and_leaves_no_temp_files(tmp_path):
    result = CliRunner().invoke(
        cli, ["excel", "addin", "build", "--output", str(tmp_path / "x.xlsm")]
    )
    assert result.exit_code == 2 and ".xlam" in result.output
    CliRunner().invoke(cli, ["excel", "addin", "build", "--output", str(tmp_path / "a.xlam")])
    assert os.listdir(tmp_path) == ["a.xlam"]


@pytest.mark.parametrize("kind", ["posts", "inspections", "design_costs"])
def test_templates_carry_the_macros_their_buttons_call(tmp_path, kind):
    path = tmp_path / f"{kind}.xlsm"
    result = CliRunner().invoke(cli, ["excel", "template", kind, "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert os.listdir(tmp_path) == [path.name]  # no temp file left behind
    data = vba_bin(path)
    code = sources(data)
    with zipfile.ZipFile(path) as zf:
        vml = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".vml")).decode()
        names = zf.namelist()
        sheets = [zf.read(n).decode() for n in names if re.match(r"xl/worksheets/sheet\d+\.xml", n)]
    called = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
    assert sorted(called) == ["OpsClear", "OpsSummarize", "OpsValidate"]
    for macro in called:
        assert re.search(rf"^Sub {macro}\(\)", code["opsbook"], re.M)
    assert "Module1" not in code and code["opsbook"] == shipped_sources()["opsbook"]
    found = [re.search(r'codeName="(\w+)"', s) for s in sheets]
    codenames = [m.group(1) for m in found if m]
    assert codenames and all(name in code for name in codenames)  # every sheet has its module
    # ... every sheet the template builder made; the three `opsbook embed` adds afterwards
    # (calendar, legend, state) carry no code name, as the sheets the file writer adds to any
    # .xlsm it annotates never have; that Excel compiles such a template is what the
    # self-test's build.template.<kind> step confirms in a real Excel (docs/excel.md).
    assert sum(m is None for m in found) == 3 and all(found[: len(codenames)])
    assert [m["name"] for m in modules(data)] == [
        "ThisWorkbook",
        *codenames,
        "opsbook",
        "OpsbookText",
        "xlwings",
        "Dictionary",
    ]


def test_template_refuses_xlsx(tmp_path):
    result = CliRunner().invoke(
        cli, ["excel", "template", "posts", "--output", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code == 2 and ".xlsm" in result.output and not os.listdir(tmp_path)


def test_xlwings_own_excel_files_are_source_only_too():
    """The evidence behind ovba.py's design, re-checked on the pinned xlwings: its Excel-made
    files ship a 7-byte _VBA_PROJECT with Version 0xFFFF and the xlwings module at offset 0."""
    for name in (
        "quickstart_standalone.xlsm",
        "quickstart_addin.xlam",
        "quickstart_addin_ribbon.xlam",
    ):
        data = vba_bin(XLWINGS / name)
        ole = olefile.OleFileIO(io.BytesIO(data))
        header = ole.openstream("VBA/_VBA_PROJECT").read()
        assert len(header) == 7 and header[2:4] == b"\xff\xff", name
        assert {m["name"]: m["offset"] for m in modules(data)}["xlwings"] == 0, name


def test_addin_built_on_windows_carries_the_worksheet_functions(tmp_path, monkeypatch):
    """Where xlwings can generate the UDF module (Windows; stand-ins for its COM imports here),
    opsbook.xlam carries it: every @xw.func of opsbook.excel.udfs as a VBA Function calling
    XLPy.CallUDF with the active workbook, as xlwings' own import does for an .xlam."""
    from opsbook.excel.addin import build
    from opsbook.excel.addin import sources as addin_sources

    with windows_udfs(monkeypatch):
        path = build.build_addin(tmp_path / "opsbook.xlam")
        expected = addin_sources.udf_module()
        import opsbook.excel.udfs as udfs

        functions = sorted(name for name in dir(udfs) if hasattr(getattr(udfs, name), "__xlfunc__"))
    assert build.has_formulas(path) and functions
    code = sources(vba_bin(path))
    assert (
        list(code) == [*EXPECTED_MODULES, "xlwings_udfs"]
        and code["xlwings_udfs"] == expected.source
    )
    assert sorted(re.findall(r"^Function (\w+)\(", code["xlwings_udfs"], re.M)) == functions
    assert all(
        f'XLPy.CallUDF("opsbook.excel.udfs", "{f}"' in code["xlwings_udfs"] for f in functions
    )
    assert "ThisWorkbook, Application.Caller" not in code["xlwings_udfs"]
    # off Windows the same command builds it without them, and says so
    result = CliRunner().invoke(
        cli, ["excel", "addin", "build", "--output", str(tmp_path / "plain.xlam")]
    )
    assert "without the worksheet functions" in result.output and not build.has_formulas(
        tmp_path / "plain.xlam"
    )

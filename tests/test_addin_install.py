"""Installing without Excel: what can be checked off Windows — refusals, the install step's
files (opsbook.xlam in the startup folder, xlwings.conf in the ANSI code page), and doctor on
a GBK-encoded xlwings.conf."""

import sys
import zipfile

from addin_read import sources, vba_bin
from click.testing import CliRunner
from paths import ROOT

from opsbook.cli import cli
from opsbook.excel import doctor, install
from opsbook.excel.addin import xlconf

CHINESE_USER = r"C:\Users\王小明\AppData\Local\Programs\Python\Python311\python.exe"


def test_addin_install_refuses_off_windows_with_what_to_do():
    # (`addin uninstall` says its own: test_excel_firstuse.py)
    result = CliRunner().invoke(cli, ["excel", "addin", "install"])
    if sys.platform != "win32":
        assert result.exit_code == 2 and "opsbook validate" in result.output
        assert "addin build" in result.output  # the file can still be built and carried over


def test_install_into_writes_the_addin_and_the_interpreter(tmp_path, monkeypatch):
    monkeypatch.delenv("CONDA_DEFAULT_ENV", raising=False)
    monkeypatch.setattr(xlconf, "interpreter_key", lambda: "INTERPRETER_WIN")
    conf = tmp_path / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir()
    conf.write_bytes(
        '"INTERPRETER_WIN","C:\\舊\\python.exe"\r\n"SHOW CONSOLE","False"\r\n'.encode("gbk")
    )
    lines = install.install_into(tmp_path / "XLSTART", conf, CHINESE_USER, encoding="gbk")
    addin = tmp_path / "XLSTART" / "opsbook.xlam"
    assert sources(vba_bin(addin))["opsbook"].count("RunPython") >= 5
    assert sorted(p.name for p in addin.parent.iterdir()) == ["opsbook.xlam"]  # nothing else left
    text = conf.read_bytes().decode("gbk")  # still in the code page VBA reads it in
    assert f'"INTERPRETER_WIN","{CHINESE_USER}"' in text and '"SHOW CONSOLE","False"' in text
    assert "舊" not in text and any("舊" in line for line in lines)  # the old value is reported
    assert xlconf.read_value(conf, "interpreter_win") == CHINESE_USER


def test_install_one_workbook_refuses_xlsx_in_one_line():
    result = CliRunner().invoke(
        cli, ["excel", "install", str(ROOT / "workbooks" / "發布日誌.xlsx")]
    )
    assert result.exit_code == 2 and "cannot keep macros" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_conf_reader_survives_any_encoding(tmp_path):
    for raw in (CHINESE_USER.encode("gbk"), CHINESE_USER.encode("utf-8"), b"\xff\xfe\x81"):
        path = tmp_path / "xlwings.conf"
        path.write_bytes(b'"INTERPRETER_WIN","' + raw + b'"\r\n')
        value = xlconf.read_value(path, "INTERPRETER_WIN")
        assert value is not None
    path.write_bytes(f'"INTERPRETER_WIN","{CHINESE_USER}"\r\n'.encode("gbk"))
    assert xlconf.read_value(path, "INTERPRETER_WIN") == CHINESE_USER


def test_doctor_reads_a_gbk_conf_and_says_what_is_missing(tmp_path, monkeypatch):
    conf = tmp_path / "xlwings.conf"
    conf.write_bytes(f'"INTERPRETER_WIN","{CHINESE_USER}"\r\n'.encode("gbk"))
    monkeypatch.setattr(xlconf, "user_config_file", lambda: str(conf))
    monkeypatch.setattr(xlconf, "interpreter_key", lambda: "INTERPRETER_WIN")
    lines, _ = doctor.report_lines()
    text = "\n".join(lines)
    assert CHINESE_USER in text and "does not exist" in text
    result = CliRunner().invoke(cli, ["doctor"])
    assert (
        result.exit_code in (0, 1)
        and "xlwings  0.37.8" in result.output
        and "open-source only" in result.output
    )


def test_doctor_checks_the_installed_addin(tmp_path, monkeypatch):
    target = tmp_path / "opsbook.xlam"
    monkeypatch.setattr(doctor, "installed_addin", lambda: target)
    assert "not installed" in doctor.addin_report()[0][0]
    install.install_into(tmp_path, tmp_path / "xlwings.conf", sys.executable, encoding="utf-8")
    lines, ok = doctor.addin_report()
    assert ok and "installed" in lines[0]
    with zipfile.ZipFile(target) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    parts["xl/vbaProject.bin"] = (
        b"not a compound file"  # another build's project: reported, no crash
    )
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    lines, ok = doctor.addin_report()
    assert not ok and "opsbook excel addin install" in lines[0]


class _Code:
    def __init__(self):
        self.lines = []

    @property
    def CountOfLines(self):  # noqa: N802 - the VBIDE name
        return len(self.lines)

    def DeleteLines(self, start, count):  # noqa: N802
        del self.lines[start - 1 : start - 1 + count]

    def AddFromString(self, text):  # noqa: N802
        self.lines += text.split("\r\n")


class _Component:
    def __init__(self, name, kind):
        self.Name, self.Type, self.CodeModule = name, kind, _Code()


class _Components:
    def __init__(self, names):
        self.items = [_Component(n, 100) for n in names]

    @property
    def Count(self):  # noqa: N802
        return len(self.items)

    def Item(self, i):  # noqa: N802
        return self.items[i - 1]

    def Add(self, kind):  # noqa: N802
        self.items.append(_Component("Module1", kind))
        return self.items[-1]


def test_install_one_workbook_imports_the_modules_and_saves_macro_enabled(tmp_path, monkeypatch):
    """`opsbook excel install BOOK.xlsm` with a stand-in for Excel's VBA project (VBIDE):
    modules added by kind, code without the Attribute lines, saved with FileFormat 52."""
    import types

    import xlwings as xw

    book_path = tmp_path / "log.xlsm"
    book_path.write_bytes(b"")
    components = _Components(["ThisWorkbook", "Sheet1"])
    saved = []
    app = types.SimpleNamespace(display_alerts=True)
    api = types.SimpleNamespace(
        VBProject=types.SimpleNamespace(VBComponents=components),
        SaveAs=lambda path, fmt: saved.append((path, fmt, app.display_alerts)),
    )
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(xw, "Book", lambda path: types.SimpleNamespace(api=api, app=app))
    message = install.install(book_path)
    added = {c.Name: c for c in components.items}
    assert {"opsbook", "xlwings", "Dictionary"} <= set(added) and "OpsValidate" in message
    assert added["opsbook"].Type == 1 and added["Dictionary"].Type == 2
    assert not any(line.startswith("Attribute ") for line in added["Dictionary"].CodeModule.lines)
    assert any(line.startswith("Sub OpsValidate()") for line in added["opsbook"].CodeModule.lines)
    assert saved == [(str(book_path.resolve()), 52, False)] and app.display_alerts is True
    install.install(book_path)  # again: replaced, not doubled
    assert added["opsbook"].CodeModule.lines.count("Sub OpsValidate()") == 1


def test_install_one_workbook_explains_the_trust_setting(tmp_path, monkeypatch):
    import types

    import xlwings as xw

    class Refusing:
        @property
        def VBProject(self):  # noqa: N802
            raise RuntimeError("Programmatic access to Visual Basic Project is not trusted")

    book_path = tmp_path / "log.xlsm"
    book_path.write_bytes(b"")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(xw, "Book", lambda path: types.SimpleNamespace(api=Refusing(), app=None))
    try:
        install.install(book_path)
    except install.OpsbookError as exc:
        assert "Trust access to the VBA project object model" in str(exc) and "not trusted" in str(
            exc
        )
    else:
        raise AssertionError("no refusal")

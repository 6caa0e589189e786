"""What the ribbon's and the templates' macros run, with stand-ins for Excel: each entry point
makes Excel's active workbook the caller the buttons module sees (RunPython names the add-in),
then runs the public button function; 設定 writes and opens opsbook.toml beside the workbook."""

import types

import xlwings as xw

from opsbook.config import CONFIG_NAME, load_config
from opsbook.excel import buttons
from opsbook.excel.addin import ribbon


class Book:
    def __init__(self, fullname, app=None):
        self.fullname, self.app, self.mocked = fullname, app, False
        self.alerts = []

    def set_mock_caller(self):
        self.mocked = True


def excel_with(active: Book):
    app = types.SimpleNamespace(
        books=types.SimpleNamespace(active=active), alert=lambda text, title: None
    )
    active.app = app
    addin = Book("C:/XLSTART/opsbook.xlam", app)
    return addin


def test_buttons_act_on_the_active_workbook_not_the_addin(monkeypatch):
    active = Book("C:/data/發布日誌.xlsx")
    addin = excel_with(active)
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: addin))
    ran = []
    for name in ("validate", "summarize", "clear"):
        monkeypatch.setattr(buttons, name, lambda name=name: ran.append((name, active.mocked)))
    ribbon.validate()
    ribbon.summarize()
    ribbon.clear()
    assert ran == [("validate", True), ("summarize", True), ("clear", True)]
    assert not addin.mocked


def test_settings_writes_the_defaults_once_and_opens_them(tmp_path, monkeypatch):
    active = Book(str(tmp_path / "入戶安檢.xlsx"))
    addin = excel_with(active)
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: addin))
    opened = []
    monkeypatch.setattr(ribbon, "_open", opened.append)
    ribbon.settings()
    path = tmp_path / CONFIG_NAME
    assert (
        opened == [path] and load_config(near=tmp_path) == load_config()
    )  # the defaults, valid TOML
    path.write_text('[general]\nlanguage = "en"\n', encoding="utf-8")
    ribbon.settings()  # an existing file is opened, never overwritten
    assert path.read_text(encoding="utf-8") == '[general]\nlanguage = "en"\n' and len(opened) == 2


def test_settings_for_an_unsaved_workbook_says_to_save_it(monkeypatch):
    active = Book("活頁簿1")
    addin = excel_with(active)
    said = []
    active.app.alert = lambda text, title: said.append(text)
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: addin))
    monkeypatch.setattr(ribbon, "_open", lambda path: said.append("opened"))
    ribbon.settings()
    assert len(said) == 1 and "儲存" in said[0]

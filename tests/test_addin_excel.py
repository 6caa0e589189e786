"""In a real Excel (Windows; `pytest -m excel`): the built add-in and a template open, Excel
compiles their modules when asked to run a procedure, and the add-in is an add-in.  Nothing
here starts Python from Excel."""

import sys

import pytest

pytestmark = [
    pytest.mark.excel,
    pytest.mark.skipif(sys.platform != "win32", reason="needs Microsoft Excel on Windows"),
]


def test_excel_opens_and_compiles_the_addin_and_a_template(tmp_path):  # pragma: no cover
    import xlwings as xw

    from opsbook.excel.addin.build import build_addin
    from opsbook.excel.template import build_template

    addin = build_addin(tmp_path / "opsbook.xlam")
    template = build_template("posts", tmp_path / "posts.xlsm")
    with xw.App(visible=False, add_book=False) as app:
        book = app.books.open(str(addin))
        assert book.api.IsAddin
        assert app.api.Run("'opsbook.xlam'!opsbook.OpsAddinCheck") == "opsbook 0.37.8"
        app.books.open(str(template))
        assert app.api.Run("'posts.xlsm'!opsbook.OpsAddinCheck") == "opsbook 0.37.8"

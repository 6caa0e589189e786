"""opsbook embed: what it writes, that re-running replaces, that clear removes exactly it,
and that a team's own data validation is kept; embed → clear lossless on the corpus."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import SHARED
from corpus_check import canonical, values

from opsbook.embed.parts import Format, Validation, add_checks, remove_checks
from opsbook.embed.plan import Check, Plan
from opsbook.embed.write import embed_file, embed_into
from opsbook.ooxml.package import Package
from opsbook.ooxml.state import HEADER, STATE_SHEET, RunState, read_state
from opsbook.writers.annotate import clear_file
from opsbook.writers.columnsheet import spool_columns
from opsbook.writers.newsheet import add_sheet
from opsbook.writers.save import save_package

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted(p for p in (SHARED / "corpus" / "xlsxwriter").glob("*.xlsx"))


def test_embed_writes_checks_and_clear_removes_them(tmp_path):
    src = tmp_path / "發布日誌.xlsx"
    shutil.copy(ROOT / "workbooks" / "發布日誌.xlsx", src)
    out = tmp_path / "embedded.xlsx"
    done = embed_file(src, out, backup=False)
    assert sum(c.what == "cf" for c in done.plan.checks) >= 30
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
        assert b"_opsbook_on" in sheet and b"<dataValidations" in sheet
        wb = z.read("xl/workbook.xml")
        assert b'state="veryHidden"' in wb and "檢查說明".encode() in wb
    state = read_state(out)
    assert {"dv", "cf", "sheet", "name", "dxfs"} <= {row[2] for row in state.embedded}
    # again: replaced, not stacked
    again = tmp_path / "again.xlsx"
    embed_file(out, again, backup=False)
    with zipfile.ZipFile(out) as a, zipfile.ZipFile(again) as b:
        for name in ("xl/worksheets/sheet1.xml", "xl/workbook.xml"):
            assert a.read(name).count(b"_opsbook_on") == b.read(name).count(b"_opsbook_on")
    cleared = tmp_path / "cleared.xlsx"
    assert clear_file(again, cleared, backup=False)
    assert_restored(src, cleared)


def assert_restored(src: Path, cleared: Path) -> None:
    """The same parts, each byte-identical or (an XML part opsbook edited) canonically equal."""
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(cleared) as c:
        assert set(a.namelist()) == set(c.namelist())
        for name in a.namelist():
            x, y = a.read(name), c.read(name)
            if x != y:
                assert name.endswith((".xml", ".rels")) and canonical(x) == canonical(y), name
    assert values(cleared) == values(src)


def test_team_validation_kept_and_reported(tmp_path):
    src = tmp_path / "入戶安檢記錄.xlsx"
    shutil.copy(ROOT / "workbooks" / "入戶安檢記錄.xlsx", src)
    first = embed_file(src, tmp_path / "plain.xlsx", backup=False)
    dv = next(c for c in first.plan.checks if c.what == "dv")
    pkg = Package(src)
    entry = pkg.sheet(dv.sheet)
    team = Validation(dv.sqref, "list", '"甲,乙"', None, "team", "team", "team")
    from opsbook.embed.parts import edit_sheet

    def theirs(skeleton):
        return add_checks(skeleton, [team], [], {}).replace(
            b'errorTitle="opsbook', b'errorTitle="team'
        )

    edit_sheet(pkg, entry.part, theirs)
    save_package(pkg, tmp_path / "team.xlsx")
    pkg.close()
    done = embed_file(tmp_path / "team.xlsx", tmp_path / "out.xlsx", backup=False)
    assert any(dv.sqref in k for k in done.plan.kept)
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        assert b'"\xe7\x94\xb2,\xe4\xb9\x99"' in z.read(entry.part)  # the team's list stays


def test_add_then_remove_is_identity():
    skeleton = (
        b'<worksheet xmlns="m"><sheetData/><conditionalFormatting sqref="A1"><cfRule type="expression" '
        b'priority="1" dxfId="0"><formula>A1&gt;1</formula></cfRule></conditionalFormatting>'
        b'<dataValidations count="1"><dataValidation type="list" sqref="B2"><formula1>"x"</formula1>'
        b"</dataValidation></dataValidations><pageMargins/></worksheet>"
    )
    v = Validation("C2:C9", "list", '"是,否"', None, "R2-2.1", "p", "e")
    fmt = Format("C2:C9", "AND(_opsbook_on,$C2=1)", "error")
    added = add_checks(skeleton, [v], [fmt], {"error": 5})
    assert b'priority="2"' in added and b'count="2"' in added
    assert added.index(b'conditionalFormatting sqref="C2') < added.index(b"<dataValidations")
    assert remove_checks(added) == skeleton


def _embed_fake(src: Path, out: Path) -> None:
    """A fixed plan on the first worksheet (the corpus files are no opsbook tables)."""
    pkg = Package(src)
    try:
        sheet = pkg.sheets[0].name
        plan = Plan()
        sp = plan.sheet(sheet)
        sp.validations.append(Validation("B2:B20", "list", '"是,否"', None, "R2-2.1", "p", "e"))
        sp.formats.append(Format("C2:C20", "AND(_opsbook_on,LEN(TRIM($C2))=0)", "error"))
        plan.checks += [
            Check(sheet, "B2:B20", "dv", "input.test", "R2-2.1"),
            Check(sheet, "C2:C20", "cf", "test.rule", "R2-2.1"),
        ]
        state = RunState()
        embed_into(pkg, plan, state)
        columns = state.columns()
        add_sheet(
            pkg,
            STATE_SHEET,
            spool_columns(HEADER, columns, pkg.rel_ns, freeze_header=False, autofilter=False),
            state="veryHidden",
        )
        save_package(pkg, out)
    finally:
        pkg.close()


def _lossless(path: Path, work: Path) -> list[str]:
    src = work / path.name
    shutil.copy(path, src)
    before = values(src)
    if before is None:
        return []
    out, cleared = work / f"e-{path.name}", work / f"c-{path.name}"
    try:
        _embed_fake(src, out)
    except Exception as exc:  # noqa: BLE001 - a refusal is one clear error, not a loss
        return [] if "not patched" in str(exc) or "cannot be edited" in str(exc) else [repr(exc)]
    problems = []
    after = values(out)
    if after is None or any(after.get(n) != g for n, g in before.items()):
        problems.append("values changed by embed")
    clear_file(out, cleared, backup=False)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(cleared) as c:
        if set(a.namelist()) != set(c.namelist()):
            problems.append(f"parts differ {sorted(set(a.namelist()) ^ set(c.namelist()))[:3]}")
        for name in set(a.namelist()) & set(c.namelist()):
            x, y = a.read(name), c.read(name)
            if x != y and not (name.endswith((".xml", ".rels")) and canonical(x) == canonical(y)):
                problems.append(f"clear did not restore {name}")
    return problems


@pytest.mark.parametrize("path", CORPUS[:: max(len(CORPUS) // 25, 1)][:25], ids=lambda p: p.name)
def test_embed_clear_lossless_sample(tmp_path, path):
    assert _lossless(path, tmp_path) == []


@pytest.mark.corpus
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_embed_clear_lossless_corpus(tmp_path, path):
    assert _lossless(path, tmp_path) == []


def test_validate_keeps_the_checks_and_clear_removes_both(tmp_path):
    import opsbook

    src = tmp_path / "平面設計費用.xlsx"
    shutil.copy(ROOT / "workbooks" / "平面設計費用.xlsx", src)
    embedded = tmp_path / "embedded.xlsx"
    embed_file(src, embedded, backup=False)
    validated = tmp_path / "validated.xlsx"
    opsbook.annotate(embedded, validated, as_of="2026-11-26", backup=False)
    state = read_state(validated)
    assert state.marks and any(row[2] == "cf" for row in state.embedded)
    with zipfile.ZipFile(validated) as z:
        assert b"_opsbook_on" in z.read("xl/worksheets/sheet1.xml")
        assert "違規清單".encode() in z.read("xl/workbook.xml")
    # embed again after validate: the marks stay, the checks are replaced
    again = tmp_path / "again.xlsx"
    embed_file(validated, again, backup=False)
    assert len(read_state(again).marks) == len(state.marks)
    cleared = tmp_path / "cleared.xlsx"
    assert clear_file(again, cleared, backup=False)
    assert_restored(src, cleared)


def test_cli_embed_needs_one_target_and_writes_in_place(tmp_path):
    from click.testing import CliRunner

    from opsbook.cli import cli

    book = tmp_path / "入戶安檢記錄.xlsx"
    shutil.copy(ROOT / "workbooks" / "入戶安檢記錄.xlsx", book)
    runner = CliRunner()
    assert runner.invoke(cli, ["embed", str(book)]).exit_code == 2
    done = runner.invoke(cli, ["embed", str(book), "--write"])
    assert done.exit_code == 0, done.output
    assert "25 條規則即時檢查" in done.output
    assert (tmp_path / "入戶安檢記錄.opsbook-backup.xlsx").exists()
    assert any(row[2] == "cf" for row in read_state(book).embedded)

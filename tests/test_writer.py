"""The annotated copy: every original value and sheet kept, untouched parts byte-identical,
marked cells keep their format, a user's own note survives."""

import datetime as dt
import zipfile
from copy import copy
from pathlib import Path

import pytest
import python_calamine
from helpers import write_xlsx
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.comments import Comment

from opsbook.config import load_config
from opsbook.engine import as_of_moment
from opsbook.kinds.posts.sample import build_post_log
from opsbook.pipeline import check_file
from opsbook.writers.annotate import VIOLATIONS_SHEET, write_annotated

ROOT = Path(__file__).resolve().parent.parent


def annotate(src, dst, as_of="2026-11-26"):
    checked = check_file(src, load_config(), as_of_moment(as_of))
    write_annotated(src, dst, checked, load_config())
    return checked


def values(path):
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names}


def test_annotated_copy_keeps_every_value_and_sheet(tmp_path):
    src, dst = tmp_path / "log.xlsx", tmp_path / "out.xlsx"
    build_post_log(src)
    checked = annotate(src, dst)
    before, after = values(src), values(dst)
    # Our sheets come after the user's: violations, the weekly/monthly reports, the state.
    assert list(after) == list(before) + [VIOLATIONS_SHEET, "週報", "月報", "_opsbook"]
    for name in before:
        assert after[name] == before[name], name
    listed = after[VIOLATIONS_SHEET]
    assert len(listed) == len(checked.report.frame) + 1


def test_untouched_parts_are_byte_identical(tmp_path):
    src, dst = tmp_path / "log.xlsx", tmp_path / "out.xlsx"
    build_post_log(src)
    annotate(src, dst)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst) as b:
        marked_sheet = "xl/worksheets/sheet1.xml"  # 發布日誌 and 留言諮詢記錄 are marked
        edited = {
            "[Content_Types].xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            marked_sheet,
            "xl/worksheets/sheet4.xml",
        }
        for info in a.infolist():
            if info.filename in edited:
                continue
            assert a.read(info.filename) == b.read(info.filename), info.filename
            assert b.getinfo(info.filename).compress_size == info.compress_size  # copied raw
        assert set(a.namelist()) <= set(b.namelist())


def test_marked_cells_keep_their_format_and_get_a_note(tmp_path):
    src, dst = tmp_path / "log.xlsx", tmp_path / "out.xlsx"
    build_post_log(src)
    checked = annotate(src, dst)
    wb_before, wb_after = load_workbook(src), load_workbook(dst)
    for v in checked.report.violations():
        if not v.cell:
            continue
        before, after = wb_before[v.sheet][v.cell], wb_after[v.sheet][v.cell]
        assert after.fill.fgColor.rgb == ("FFFFC7CE" if v.severity == "error" else "FFFFEB9C")
        assert after.number_format == before.number_format
        assert copy(after.font) == copy(before.font) and copy(after.border) == copy(before.border)
        assert copy(after.alignment) == copy(before.alignment)
        assert after.comment is not None and v.clause in after.comment.text
    assert wb_after[VIOLATIONS_SHEET]["B2"].hyperlink.location.startswith("'")


def test_blank_offending_cell_is_created_and_marked(tmp_path):
    src = write_xlsx(
        tmp_path / "blank-signature.xlsx",
        {
            "發布日誌": [
                ["平台", "標題", "發布日期", "審核人"],
                ["官網", "a", dt.datetime(2026, 10, 5), None],
            ]
        },
    )
    dst = tmp_path / "out.xlsx"
    annotate(src, dst)
    cell = load_workbook(dst)["發布日誌"]["D2"]
    assert cell.value is None and cell.fill.fgColor.rgb == "FFFFC7CE"


def test_users_own_note_is_kept(tmp_path):
    src = write_xlsx(
        tmp_path / "existing-note.xlsx",
        {
            "發布日誌": [
                ["平台", "標題", "發布日期", "審核人"],
                ["官網", "a", dt.datetime(2026, 10, 5), None],
            ]
        },
    )
    wb = load_workbook(src)
    wb["發布日誌"]["D2"].comment = Comment("請補簽", "小王")
    wb["發布日誌"]["A1"].comment = Comment("表頭說明", "小王")
    wb.save(src)
    dst = tmp_path / "out.xlsx"
    annotate(src, dst)
    ws = load_workbook(dst)["發布日誌"]
    assert ws["D2"].comment.text.startswith("請補簽") and "【opsbook】" in ws["D2"].comment.text
    assert ws["A1"].comment.text == "表頭說明"


def test_writing_in_place_replaces_atomically(tmp_path):
    src = write_xlsx(
        tmp_path / "in-place.xlsx",
        {
            "發布日誌": [
                ["平台", "標題", "發布日期", "審核人"],
                ["官網", "a", dt.datetime(2026, 10, 5), None],
            ]
        },
    )
    before = values(src)
    annotate(src, src)
    after = values(src)
    assert after["發布日誌"] == before["發布日誌"] and VIOLATIONS_SHEET in after
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~opsbook")]


def test_violations_sheet_rendered_meanwhile_gives_the_same_workbook(tmp_path, monkeypatch):
    """The 違規清單 rendered in a worker thread while the cells are marked (big reports)
    and rendered after the marks give byte-identical workbooks, on every bundled sample."""
    import opsbook.writers.annotate as annotate_module

    for sample in sorted((ROOT / "workbooks").glob("*.xlsx")):
        checked = check_file(sample, load_config(None, near=sample), as_of_moment("2026-11-26"))
        members = {}
        for threshold in (0, 10**9):
            monkeypatch.setattr(annotate_module, "MEANWHILE_FROM", threshold)
            out = tmp_path / f"{threshold}-{sample.name}"
            write_annotated(sample, out, checked, load_config(None, near=sample))
            with zipfile.ZipFile(out) as z:
                members[threshold] = {name: z.read(name) for name in z.namelist()}
        assert members[0] == members[10**9]
        assert any(name.startswith("xl/worksheets/") for name in members[0])


def test_a_failed_mark_leaves_no_worker_part_open(tmp_path, monkeypatch):
    """When marking fails after the 違規清單 started rendering meanwhile, closing the book
    waits for the worker and closes what it made; the error is the marking's."""
    import opsbook.writers.annotate as annotate_module

    sample = sorted((ROOT / "workbooks").glob("*.xlsx"))[0]
    checked = check_file(sample, load_config(None, near=sample), as_of_moment("2026-11-26"))
    monkeypatch.setattr(annotate_module, "MEANWHILE_FROM", 0)
    made = []
    real_render = annotate_module._render_violations

    def render(*args):
        made.append(real_render(*args))
        return made[-1]

    def broken_mark(*args):
        raise RuntimeError("marking failed")

    monkeypatch.setattr(annotate_module, "_render_violations", render)
    monkeypatch.setattr(annotate_module, "_mark", broken_mark)
    book = annotate_module.FileBook(sample, language="zh-Hant")
    try:
        with pytest.raises(RuntimeError, match="marking failed"):
            book.mark(checked.report.frame)
    finally:
        book.close()
    assert len(made) == 1 and made[0].file.closed


@settings(max_examples=200, deadline=None)
@given(text=st.text(), ref=st.sampled_from(["A1", "B12", "XFD1048576", 'A"1', "A&1"]))
def test_new_comments_from_text_equal_the_element_built_ones(text, ref):
    """A new comment is written as text and parsed with the others (10,000 at once): it
    serialises exactly as the element-by-element comment, whatever the note's text."""
    from lxml import etree

    from opsbook.writers.notes import MARK, _comment_xml, _run
    from opsbook.writers.xmltext import clipped

    text = f"{MARK}\n{text}"  # a note's body (never empty)

    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def q(name):
        return f"{{{ns}}}{name}"

    built = etree.Element(q("commentList"), nsmap={None: ns})
    comment = etree.SubElement(built, q("comment"), ref=ref, authorId="0")
    etree.SubElement(comment, q("text")).append(_run(q, clipped(text)))
    parsed = etree.Element(q("commentList"), nsmap={None: ns})
    holder = etree.fromstring(
        f'<holder xmlns="{ns}">{_comment_xml(ref, "0", clipped(text))}</holder>'.encode()
    )
    parsed.extend(list(holder))
    assert etree.tostring(parsed) == etree.tostring(built)

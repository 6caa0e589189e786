"""The streaming sheet splicer: fed in chunks of any size, it writes exactly what the
whole-part splice writes, and a big sheet goes through the file writer without being held
whole in memory (issue 8)."""

import tracemalloc
import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsbook.errors import RefusedToPatch
from opsbook.writers.annotate import FileBook
from opsbook.writers.sheetxml import SheetSplicer, restyle_cells

HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<dimension ref="A1:D9"/><cols><col min="2" max="3" width="9" style="4" customWidth="1"/></cols>'
)

SHEETS = {
    "plain": HEAD
    + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="2"><v>1</v></c></row>'
    b'<row r="3" spans="1:4"><c r="A3"><v>5</v></c><c r="D3" s="1"/></row>'
    b'<row r="4" s="7" customFormat="1"><c r="C4" t="inlineStr"><is><t>&lt;row r="9"&gt;</t></is></c></row>'
    b'<row r="6"/><row r="7" ht="20" customHeight="1"><c r="B7"><f>SUM(A1:A3)</f><v>6</v></c></row>'
    b'</sheetData><rowBreaks count="1"><brk id="5"/></rowBreaks><pageMargins left="0.7"/></worksheet>',
    "no r attributes": HEAD
    + b"<sheetData>\n  <row>\n    <c><v>1</v></c>\n    <c><v>2</v></c>\n  </row>\n"
    b'  <row><c t="s"><v>3</v></c></row>\n  <row/>\n</sheetData></worksheet>',
    "prefixed": b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<x:sheetData><x:row r="2"><x:c r="A2" s="3"><x:v>1</x:v></x:c></x:row>'
    b'<x:row r="5"><x:c r="B5"><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>',
    "empty": HEAD + b'<sheetData/><pageMargins left="0.7"/></worksheet>',
}
# Rows 2, 5 and 9 are missing from "plain"; column C of row 1 and 4 exists only in some.
MARKS = {
    1: {0: "error", 2: "warning"},
    2: {1: "error"},
    3: {3: "warning"},
    4: {2: "error"},
    5: {0: "error", 1: "warning"},
    6: {0: "error"},
    9: {3: "error"},
}


def style_for(base: int, severity: str) -> int:
    return 100 + base * 2 + (severity == "error")


def streamed(xml: bytes, cuts: list[int]):
    splicer = SheetSplicer(MARKS, style_for)
    out, pos = [], 0
    for cut in sorted(set(cuts)) + [len(xml)]:
        out.append(splicer.feed(xml[pos:cut]))
        pos = cut
    out.append(splicer.finish())
    assert splicer.head is not None
    return b"".join(out) + splicer.tail, splicer.changes


@pytest.mark.parametrize("name", SHEETS)
@pytest.mark.parametrize("size", [1, 2, 5, 17, 64, 4096])
def test_chunked_splice_writes_what_the_whole_part_splice_writes(name, size):
    xml = SHEETS[name]
    whole = restyle_cells(xml, MARKS, style_for)
    assert streamed(xml, list(range(size, len(xml), size))) == whole


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(SHEETS)), st.lists(st.floats(0, 1), max_size=12))
def test_splice_is_the_same_wherever_the_chunks_are_cut(name, fractions):
    xml = SHEETS[name]
    assert streamed(xml, [int(f * len(xml)) for f in fractions]) == restyle_cells(
        xml, MARKS, style_for
    )


def test_the_splice_marks_the_cells_asked_for():
    xml, changes = restyle_cells(SHEETS["plain"], MARKS, style_for)
    refs = {ref: (before, after) for ref, before, after, _base in changes}
    assert refs["C1"] == (None, style_for(4, "warning"))  # created with column C's style
    assert b'<c r="B1" s="2"><v>1</v></c><c r="C1" s="108"/></row>' in xml
    assert refs["A1"] == (-1, style_for(0, "error"))  # had no s attribute
    assert refs["D3"] == (1, style_for(1, "warning"))
    assert refs["B2"] == (None, style_for(4, "error"))  # row 2 created; column B's style 4
    assert refs["A6"] == (None, style_for(0, "error"))  # <row r="6"/> opened
    assert refs["D9"] == (None, style_for(0, "error"))  # below the last row
    assert b'<row r="2"><c r="B2" s="109"/></row><row r="3"' in xml
    assert xml.index(b'<row r="9">') < xml.index(b"</sheetData>") < xml.index(b"<rowBreaks")
    assert b'&lt;row r="9"&gt;' in xml  # text that looks like a row is left alone


def test_a_part_without_sheet_data_is_refused():
    splicer = SheetSplicer(MARKS, style_for)
    splicer.feed(HEAD + b"</worksheet>")
    with pytest.raises(ValueError, match="no sheetData"):
        splicer.finish()


def _big_workbook(path, rows: int) -> int:
    """A one-sheet workbook whose sheet part is tens of MB; returns the part's size."""
    row = (
        '<row r="{0}"><c r="A{0}"><v>{0}</v></c><c r="B{0}" t="inlineStr"><is><t>客戶{0:07d} 北京市朝陽區某街道</t></is></c>'
        '<c r="C{0}" t="inlineStr"><is><t>2026-03-{1:02d}</t></is></c><c r="D{0}"><v>{2}</v></c></row>'
    )
    body = "".join(row.format(r, r % 28 + 1, r * 7 % 1000) for r in range(1, rows + 1)).encode()
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + body
        + b"</sheetData></worksheet>"
    )
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        b'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<sheets><sheet name="Big" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
        b'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return len(sheet)


def test_a_big_sheet_is_marked_without_holding_it_whole(tmp_path):
    src, dst = tmp_path / "big.xlsx", tmp_path / "out.xlsx"
    part_size = _big_workbook(src, 150_000)
    assert part_size > 20_000_000
    marked_rows = [2, 75_000, 150_000]
    frame = pd.DataFrame(
        {
            "sheet": "Big",
            "cell": [f"C{r}" for r in marked_rows],
            "rows": [[r] for r in marked_rows],
            "severity": "error",
            "clause": "R2-3.1",
            "message": "日期無法辨識",
        }
    )
    tracemalloc.start()
    try:
        book = FileBook(src)
        book.mark(frame)
        book.save(dst, backup=False)
        book.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Python-level allocations stay a small fraction of the part (a few 1 MB chunks).
    assert peak < part_size / 4, (peak, part_size)
    with zipfile.ZipFile(dst) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    for r in marked_rows:
        start = xml.index(f'<c r="C{r}"'.encode())
        assert b' s="' in xml[start : xml.index(b">", start)]
    assert xml.count(b"<row ") == 150_000


class ScanOnly(SheetSplicer):
    """The splicer without its direct path: every row scanned."""

    def _splice_direct(self, xml):
        return None


@st.composite
def sheets_and_marks(draw):
    rows = sorted(draw(st.sets(st.integers(1, 60), min_size=1, max_size=40)))
    body = []
    for r in rows:
        if draw(st.booleans()) and r % 3 == 0:
            body.append(b'<row r="%d" spans="1:3"/>' % r)
        else:
            rich = b'<c r="%s%d" t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/></rPr><t>x</t></r></is></c>'
            plain = b'<c r="%s%d" s="%d"><v>%d</v></c>'
            cells = b"".join(
                rich % (col, r) if (r + ord(col)) % 5 == 0 else plain % (col, r, r % 4, r)
                for col in sorted(draw(st.sets(st.sampled_from([b"A", b"B", b"D"]), min_size=1)))
            )
            body.append(b'<row r="%d">%s</row>' % (r, cells))
    xml = HEAD + b"<sheetData>" + b"".join(body) + b"</sheetData></worksheet>"
    marks = draw(
        st.dictionaries(
            st.integers(1, 70),
            st.dictionaries(
                st.integers(0, 4), st.sampled_from(["error", "warning"]), min_size=1, max_size=3
            ),
            max_size=15,
        )
    )
    chunk = draw(st.integers(20, 400))
    return xml, marks, chunk


def _run(cls, xml, marks, chunk):
    splicer = cls(marks, style_for)
    out = [splicer.feed(xml[i : i + chunk]) for i in range(0, len(xml), chunk)]
    out.append(splicer.finish())
    return b"".join(out) + splicer.tail, splicer.changes


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(sheets_and_marks())
def test_the_direct_paths_write_what_the_row_scan_writes(case):
    """Rows found by their number and cells by their reference give what scanning every
    row and cell gives (including rows and cells to create, which fall back to the scan)."""
    from unittest import mock

    xml, marks, chunk = case
    direct = _run(SheetSplicer, xml, marks, chunk)
    with mock.patch("opsbook.writers.sheetxml.cells_numbered", return_value=False):
        scanned = _run(ScanOnly, xml, marks, chunk)
    assert direct == scanned


@pytest.mark.slow
def test_a_big_sheet_is_cleared_and_marked_again_without_holding_it_whole(tmp_path):
    from opsbook.writers.annotate import clear_file

    src, marked, cleared = (
        tmp_path / "big.xlsx",
        tmp_path / "marked.xlsx",
        tmp_path / "cleared.xlsx",
    )
    part_size = _big_workbook(src, 150_000)
    frame = pd.DataFrame(
        {
            "sheet": "Big",
            "cell": ["C9", "D120000"],
            "rows": [[9], [120_000]],
            "severity": "error",
            "clause": "R2-3.1",
            "message": "日期無法辨識",
        }
    )
    book = FileBook(src)
    book.mark(frame)
    book.save(marked, backup=False)
    book.close()
    tracemalloc.start()
    try:
        assert clear_file(marked, cleared, backup=False)
        _, clear_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        again = FileBook(marked)  # an earlier run is cleared in memory, then marked anew
        again.mark(frame)
        again.save(tmp_path / "again.xlsx", backup=False)
        again.close()
        _, again_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert clear_peak < part_size / 4 and again_peak < part_size / 4, (
        clear_peak,
        again_peak,
        part_size,
    )
    with (
        zipfile.ZipFile(src) as a,
        zipfile.ZipFile(cleared) as b,
        zipfile.ZipFile(tmp_path / "again.xlsx") as c,
    ):
        original = a.read("xl/worksheets/sheet1.xml")
        assert (
            b.read("xl/worksheets/sheet1.xml") == original
        )  # clear gives the sheet back byte for byte
        with zipfile.ZipFile(marked) as m:
            assert c.read("xl/worksheets/sheet1.xml") == m.read("xl/worksheets/sheet1.xml")


class FirstComeStyles:
    """style_for as Styles.marked behaves: a new index for each (base, severity) in the
    order first asked, so a path asking in another order writes other indexes."""

    def __init__(self):
        self.given: dict[tuple[int, str], int] = {}

    def __call__(self, base: int, severity: str) -> int:
        return self.given.setdefault((base, severity), 200 + len(self.given))


_CELL_ATTRS = [
    b"",
    b"",
    b' s="2"',
    b' t="s"',
    b' s="1" t="n"',
    b' t="inlineStr" s="3"',
    b" s='4'",
    b' s=" 5 "',
    b' s=""',
    b' s="2" ',
    b' s = "6"',
    b' t="s" ',
]
_ODD_CELL_ATTRS = [b' s="x"', b' s="2" t="a>b"', b' s="-1"']  # refused when marked
_ROW_ATTRS = [
    b"",
    b"",
    b' spans="1:5"',
    b' s="7" customFormat="1"',
    b' customFormat="1"',
    b' ht="20" customHeight="1" ',
    b" s='3' customFormat='true'",
    b' customFormat="1" s="x"',
]


@st.composite
def varied_sheets(draw, missing_rows=False):
    """Sheets as Excel and others write them (with or without a namespace prefix, rows
    self-closing or empty, cells with and without s, white space between rows), now and
    then something odd (a cell or row without r, a style index that is not a number, rows
    or cells out of order), marks on cells and rows that exist and that do not, and the
    chunks the part arrives in.  ``missing_rows``: nothing odd, and marks on any row."""
    from opsbook.workbook.cells import column_letter

    p = draw(st.sampled_from([b"", b"x:"]))
    odd = not missing_rows and draw(st.integers(0, 5)) == 0
    rows = sorted(draw(st.sets(st.integers(1, 40), max_size=25)))
    if odd and draw(st.booleans()):
        rows = draw(st.permutations(rows))
    body = []
    for r in rows:
        attrs = draw(st.sampled_from(_ROW_ATTRS[:-1] + (_ROW_ATTRS[-1:] if odd else [])))
        number = b"" if odd and draw(st.integers(0, 9)) == 0 else b' r="%d"' % r
        kind = draw(st.sampled_from(["cells", "cells", "cells", "empty", "self"]))
        if kind == "self":
            body.append(b"<%srow%s%s/>" % (p, number, attrs))
            continue
        cells = []
        for c in sorted(draw(st.sets(st.integers(0, 6), max_size=5 if kind == "cells" else 0))):
            ref = b' r="%s%d"' % (column_letter(c).encode(), r)
            if odd and draw(st.integers(0, 9)) == 0:
                ref = b""
            cell_attrs = draw(st.sampled_from(_CELL_ATTRS + (_ODD_CELL_ATTRS if odd else [])))
            if draw(st.booleans()):
                cells.append(b"<%sc%s%s/>" % (p, ref, cell_attrs))
            else:
                cells.append(b"<%sc%s%s><%sv>%d</%sv></%sc>" % (p, ref, cell_attrs, p, c, p, p))
        if odd and draw(st.booleans()):
            cells = draw(st.permutations(cells))
        body.append(b"<%srow%s%s>%s</%srow>" % (p, number, attrs, b"".join(cells), p))
    between = draw(st.sampled_from([b"", b"", b"\n", b"\r\n  "]))
    xml = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<%sworksheet xmlns%s="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main"><%scols><%scol min="2" max="3" style="4"/></%scols>'
        b'<%ssheetData>%s</%ssheetData><%spageMargins left="0.7"/></%sworksheet>'
        % (p, b":" + p[:-1] if p else b"", p, p, p, p, between.join(body), p, p, p)
    )
    # Mostly on rows that exist: a marked row missing from a chunk sends the chunk to the scan.
    near = st.integers(1, 45)
    if rows:
        anywhere = missing_rows or draw(st.integers(0, 3)) == 0
        near = st.one_of(st.sampled_from(rows), near) if anywhere else st.sampled_from(rows)
    marks = draw(
        st.dictionaries(
            near,
            st.dictionaries(
                st.integers(0, 7), st.sampled_from(["error", "warning"]), min_size=1, max_size=4
            ),
            max_size=20,
        )
    )
    cuts = sorted(draw(st.lists(st.integers(0, len(xml)), max_size=8)))
    return xml, marks, cuts, odd


def _outcome(cls, xml, marks, cuts):
    """What a splicer writes (bytes, changes, styles asked for) or the error it raises."""
    styles = FirstComeStyles()
    splicer = cls(marks, styles)
    try:
        out, pos = [], 0
        for cut in [*cuts, len(xml)]:
            out.append(splicer.feed(xml[pos:cut]))
            pos = cut
        out.append(splicer.finish())
    except Exception as exc:  # noqa: BLE001 - the error is part of what must match
        return type(exc).__name__, str(exc)
    return b"".join(out) + splicer.tail, splicer.changes, styles.given


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(varied_sheets())
def test_rows_found_directly_are_edited_as_rows_found_by_the_scan(case):
    """One edit function, two ways to find the rows: byte for byte, change for change,
    style for style (in the order first asked), and the same refusal where there is one,
    whether each marked row is found by its number or by the scan of every row; for
    sheets without oddities also whether each cell is found by its reference or by the
    scan of the row's cells (rows out of order are refused by every path:
    test_rows_out_of_order_are_refused_not_doubled)."""
    from unittest import mock

    xml, marks, cuts, odd = case
    direct = _outcome(SheetSplicer, xml, marks, cuts)
    assert direct == _outcome(ScanOnly, xml, marks, cuts)
    if not odd:
        with mock.patch("opsbook.writers.sheetxml.cells_numbered", return_value=False):
            assert direct == _outcome(SheetSplicer, xml, marks, cuts)


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(varied_sheets(missing_rows=True))
def test_marked_rows_missing_from_a_chunk_are_made_where_the_scan_makes_them(case):
    """A chunk with a marked row to create is cut before the row it goes in front of, the
    rest goes the direct way: what the scan of the whole chunk writes."""
    xml, marks, cuts, _odd = case
    assert _outcome(SheetSplicer, xml, marks, cuts) == _outcome(ScanOnly, xml, marks, cuts)


def test_many_marked_rows_take_microseconds_a_mark():
    """Issue 15: 20,000 marked rows of 16 cells, two marks each, one of them on a cell to
    create, and every 100th row missing from the XML: a few µs a mark (the row-by-row path
    took ~10-80 µs a row, the scan of a whole chunk for a row to create more)."""
    import time

    rows = b"".join(
        b'<row r="%d" spans="1:16">' % r
        + b"".join(
            b'<c r="%s%d" t="s"><v>%d</v></c>' % (bytes([65 + c]), r, c)
            for c in range(16)
            if c != 5
        )
        + b"</row>"
        for r in range(1, 20_001)
        if r % 100
    )
    xml = HEAD + b"<sheetData>" + rows + b"</sheetData></worksheet>"
    marks = {r: {3: "error", 5: "warning"} for r in range(1, 20_001)}
    cuts = list(range(1 << 20, len(xml), 1 << 20))
    started = time.perf_counter()
    direct = _outcome(SheetSplicer, xml, marks, cuts)
    elapsed = time.perf_counter() - started
    assert len(direct[1]) == 40_000 and direct[0].count(b"<row ") == 20_000
    assert direct == _outcome(ScanOnly, xml, marks, cuts)
    assert elapsed < 40_000 * 20e-6, elapsed  # a generous bound on a shared machine


@pytest.mark.parametrize(
    "rows, marked", [([1, 2, 5, 3, 4], 3), ([1, 2, 5, 3, 4], 7), ([2, 2], 2), ([4, 1], 9)]
)
def test_rows_out_of_order_are_refused_not_doubled(rows, marked):
    """ECMA-376 keeps rows in ascending order and Excel writes them so; a sheet whose rows
    are not (another tool's) is refused in one line, in one chunk or across chunks, rather
    than given a second row of a number it already has."""
    head = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    body = b"".join(b'<row r="%d"><c r="A%d" s="1"><v>1</v></c></row>' % (r, r) for r in rows)
    xml = head + body + b"</sheetData></worksheet>"
    with pytest.raises(RefusedToPatch, match="not in ascending order"):
        restyle_cells(xml, {marked: {0: "error"}}, lambda style, severity: 9)
    splicer = SheetSplicer({marked: {0: "error"}}, lambda style, severity: 9)
    with pytest.raises(RefusedToPatch, match="not in ascending order"):
        for at in range(0, len(xml), 40):  # across chunks
            splicer.feed(xml[at : at + 40])

"""Issue 17: the faults and hostile inputs a year of real use brings.  Each test builds its
hostile file itself; each case failed (a traceback, a lost save, a broken sheet, a hang)
before the fix it names."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import write_xlsx
from hostile import in_utf16, with_stray
from lxml import etree
from openpyxl import load_workbook

import opsbook.bookio as bookio
from opsbook.cli import cli
from opsbook.coerce import parse_dates
from opsbook.errors import OpsbookError, RefusedToPatch, UnreadableWorkbook
from opsbook.kinds.posts.sample import build_post_log
from opsbook.ooxml.package import Package
from opsbook.workbook.reader import FileReader
from opsbook.writers.annotate import backup_path
from opsbook.writers.sheetxml import SheetSplicer

AS_OF = "2026-11-26"
LOG = {
    "發布日誌": [
        ["平台", "標題", "發布日期", "審核人"],
        ["官網", "a", dt.datetime(2026, 10, 5), None],
        ["官網", "b", dt.datetime(2026, 10, 6), "陳經理"],
    ]
}
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# Readable rows, so a table with a few hostile dates is still a record table (at most half
# of a date column may be unreadable, workbook/tables.py not_records).
GOOD = [["官網", f"g{i}", dt.datetime(2026, 10, 5 + i), "陳經理"] for i in range(5)]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rezip(src: Path, dst: Path, edit=None, add=(), drop=(), stored=False) -> Path:
    """A copy of the zip ``src`` with members edited (edit(name, data) → data), added
    ((name, data) pairs, after the others) or dropped."""
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", method) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = zin.read(info.filename)
            if edit is not None:
                data = edit(info.filename, data)
            zout.writestr(info.filename, data)
        for name, data in add:
            zout.writestr(name, data)
    return dst


def log_book(path: Path, sheets=None) -> Path:
    return write_xlsx(path, sheets or LOG)


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(".~opsbook-")]


_NAMES_A_WORKBOOK = re.compile(r"\S+\.xls[xm]\b")


def one_line(result) -> str:
    """The one line a refused file gets (no traceback), naming its file (issue 29: in a
    batch of 330 files a refusal without its file tells nobody which one is broken) and
    no internal error's name: every refusal of this suite goes through here."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for line in result.output.splitlines():
        if "✗" in line:
            assert _NAMES_A_WORKBOOK.search(line), line
            assert not re.search(r"\b(TypeError|AttributeError|KeyError|IndexError)\b", line)
    return result.output


# --- data loss -----------------------------------------------------------------------------


def _user_saves_during_the_run(monkeypatch, save):
    original = bookio.annotate

    def annotate_then_user_saves(book, checked, marks=True):
        original(book, checked, marks=marks)
        save(Path(book.source))

    monkeypatch.setattr(bookio, "annotate", annotate_then_user_saves)


def test_a_save_by_the_user_during_write_is_kept(tmp_path, monkeypatch):
    """The user saved (Excel writes a new file and renames it over the old one) while
    opsbook annotated: nothing is written, the user's save is the file."""
    path = log_book(tmp_path / "log.xlsx")
    theirs = log_book(
        tmp_path / "theirs.xlsx",
        {"發布日誌": LOG["發布日誌"] + [["官網", "c", dt.datetime(2026, 10, 7), None]]},
    )
    saved = theirs.read_bytes()

    def excel_saves(target: Path):
        tmp = target.with_name("~tmp.xlsx")
        tmp.write_bytes(saved)
        os.replace(tmp, target)

    _user_saves_during_the_run(monkeypatch, excel_saves)
    result = run("validate", path, "--as-of", AS_OF, "--write")
    assert result.exit_code == 2, result.output
    assert "saved by someone else" in one_line(result)
    assert path.read_bytes() == saved
    assert not backup_path(path).exists()
    assert no_temp_files(tmp_path)


@pytest.mark.parametrize("flag", ["--write", "--output"])
def test_a_save_by_the_user_while_checking_is_kept_and_not_marked(tmp_path, monkeypatch, flag):
    """The save lands while the sheets are being checked (before the writer opens the file):
    the marks were made for the old content, so nothing is written; the save stays."""
    import opsbook.pipeline as pipeline

    path = log_book(tmp_path / "log.xlsx")
    theirs = log_book(
        tmp_path / "theirs.xlsx", {"發布日誌": [LOG["發布日誌"][0]] + LOG["發布日誌"][2:]}
    ).read_bytes()
    original = pipeline.check_book

    def check_then_user_saves(*args, **kwargs):
        checked = original(*args, **kwargs)
        tmp = path.with_name("~tmp.xlsx")
        tmp.write_bytes(theirs)
        os.replace(tmp, path)
        return checked

    monkeypatch.setattr(pipeline, "check_book", check_then_user_saves)
    out = tmp_path / "out.xlsx"
    result = run(
        "validate", path, "--as-of", AS_OF, *([flag] if flag == "--write" else [flag, out])
    )
    assert result.exit_code == 2, result.output
    assert "while opsbook was checking it" in one_line(result)
    assert path.read_bytes() == theirs and not out.exists() and not backup_path(path).exists()


def test_an_in_place_save_keeping_size_inode_and_time_is_kept(tmp_path, monkeypatch):
    """A program that rewrites the file in place, same size, same inode, modification time
    put back: still noticed (the whole file's CRC), still not overwritten."""
    path = rezip(log_book(tmp_path / "src.xlsx"), tmp_path / "log.xlsx", stored=True)

    def rewrite_in_place(target: Path):
        st = target.stat()
        data = bytearray(target.read_bytes())
        at = data.index(b"<t>b</t>")
        data[at : at + 8] = b"<t>c</t>"
        with open(target, "r+b") as fh:
            fh.write(data)
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))

    _user_saves_during_the_run(monkeypatch, rewrite_in_place)
    result = run("validate", path, "--as-of", AS_OF, "--write")
    assert result.exit_code == 2 and "saved by someone else" in result.output
    assert b"<t>c</t>" in path.read_bytes()


def test_a_workbook_moved_away_during_write_is_not_recreated(tmp_path, monkeypatch):
    path = log_book(tmp_path / "log.xlsx")
    _user_saves_during_the_run(
        monkeypatch, lambda target: target.rename(target.with_name("moved.xlsx"))
    )
    result = run("validate", path, "--as-of", AS_OF, "--write")
    assert result.exit_code == 2 and "nothing was written" in one_line(result)
    assert not path.exists() and (tmp_path / "moved.xlsx").exists()


def test_a_hand_edited_state_sheet_is_no_crash(tmp_path):
    path = tmp_path / "log.xlsx"
    build_post_log(path)
    assert run("validate", path, "--as-of", AS_OF, "--write", "--no-backup").exit_code == 1
    book = load_workbook(path)
    state = book["_opsbook"]
    row = next(r for r in state.iter_rows(min_row=2) if r[0].value == "mark")
    row[4].value = "not a number"
    book.save(path)
    result = run("validate", path, "--as-of", AS_OF, "--write", "--no-backup")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "_opsbook" in load_workbook(path).sheetnames


@pytest.mark.slow
def test_concurrent_writes_keep_the_users_file_as_the_backup(tmp_path):
    """Several runs --write the same workbook at once: each waits for the one writing, the
    backup is the user's file (never another run's output), one set of marks in the end."""
    path = tmp_path / "log.xlsx"
    build_post_log(path)
    original = path.read_bytes()
    cmd = [
        sys.executable,
        "-m",
        "opsbook",
        "validate",
        str(path),
        "--as-of",
        AS_OF,
        "--write",
        "--jobs",
        "1",
    ]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(6)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    codes = [p.returncode for p in procs]
    assert all(c == 1 for c in codes), (codes, [o[1].decode()[-500:] for o in outs])
    assert backup_path(path).read_bytes() == original
    book = load_workbook(path)
    assert book.sheetnames.count("違規清單") == 1
    # A sequential run after them: the backup is still the user's file.
    assert run("validate", path, "--as-of", AS_OF, "--write").exit_code == 1
    assert backup_path(path).read_bytes() == original
    assert no_temp_files(tmp_path)


def test_a_file_the_user_saved_after_a_run_is_backed_up(tmp_path):
    """The backup skips only opsbook's own unmodified output: a workbook the user saved
    after a run (here through openpyxl) is the new backup."""
    path = tmp_path / "log.xlsx"
    build_post_log(path)
    assert run("validate", path, "--as-of", AS_OF, "--write").exit_code == 1
    book = load_workbook(path)
    book[book.sheetnames[0]]["B2"] = "edited by the user"
    book.save(path)
    theirs = path.read_bytes()
    assert run("validate", path, "--as-of", AS_OF, "--write").exit_code == 1
    assert backup_path(path).read_bytes() == theirs


def _single_quoted(xml: bytes) -> bytes:
    """Row and cell tags as some producers write them: single quotes, white space around
    '=' and before '>', end tags with white space."""

    def tag(m: re.Match) -> bytes:
        return re.sub(
            rb'(\s)([\w:]+)="([^"]*)"',
            lambda a: a.group(1) + a.group(2) + b" = '" + a.group(3) + b"'",
            m.group(0),
        ).replace(b"/>", b"\n/>")

    xml = re.sub(rb"<(?:c|row)\b[^>]*>", tag, xml)
    return (
        xml.replace(b"</row>", b"</row\n>")
        .replace(b"</c>", b"</c >")
        .replace(b"</sheetData>", b"</sheetData >")
    )


def _cells(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)  # raises unless well-formed
    return [c.get("r") for c in root.iter(f"{{{MAIN_NS}}}c")]


def _soffice_csv(path: Path, out: Path) -> str:
    out.mkdir(exist_ok=True)
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{out}/profile",
            "--convert-to",
            "csv",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (out / (path.stem + ".csv")).read_text(encoding="utf-8", errors="replace")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by .ci/run")
def test_single_quoted_attributes_and_white_space_are_spliced_not_broken(tmp_path):
    plain = tmp_path / "plain.xlsx"
    build_post_log(plain)
    with zipfile.ZipFile(plain) as zf:
        sheet_part = "xl/worksheets/sheet1.xml"
        before = zf.read(sheet_part)
    hostile = rezip(
        plain,
        tmp_path / "quoted.xlsx",
        edit=lambda n, d: _single_quoted(d) if n == sheet_part else d,
    )
    out = tmp_path / "out.xlsx"
    result = run("validate", hostile, "--as-of", AS_OF, "--output", out)
    assert result.exit_code == 1, result.output
    with zipfile.ZipFile(out) as zf:
        after = zf.read(sheet_part)
    refs_before, refs_after = _cells(before), _cells(after)
    assert len(refs_after) == len(set(refs_after))  # no cell twice
    assert set(refs_before) <= set(refs_after)
    created = set(refs_after) - set(refs_before)
    assert len(refs_after) == len(refs_before) + len(created)
    marked = load_workbook(out)["違規清單"]
    cells = {
        r[1] for r in marked.iter_rows(min_row=2, values_only=True) if r[0] == "發布日誌" and r[1]
    }
    sheet = load_workbook(out)["發布日誌"]
    assert cells and all(sheet[c].fill.fgColor.rgb in ("FFFFC7CE", "FFFFEB9C") for c in cells)
    # LibreOffice sees every cell of the user's sheet (its first sheet) as in the plain file.
    assert _soffice_csv(out, tmp_path / "lo-out") == _soffice_csv(plain, tmp_path / "lo-plain")


def test_an_odd_style_index_on_a_marked_cell_is_refused_not_duplicated(tmp_path):
    path = log_book(tmp_path / "log.xlsx")  # D2 (審核人 blank) is marked
    sheet_part = "xl/worksheets/sheet1.xml"

    def odd(name, data):
        if name != sheet_part:
            return data
        data = re.sub(rb'<c r="D2"[^>]*?/>', b"", data)
        return re.sub(
            rb'(<row r="2"[^>]*>)(.*?)(</row>)',
            lambda m: m.group(1) + m.group(2) + b'<c r="D2" s="-3"/>' + m.group(3),
            data,
            count=1,
            flags=re.S,
        )

    hostile = rezip(path, tmp_path / "odd.xlsx", edit=odd)
    out = tmp_path / "out.xlsx"
    result = run("validate", hostile, "--as-of", AS_OF, "--output", out)
    assert result.exit_code == 2 and "-3" in one_line(result) and "not patched" in result.output
    assert not out.exists()
    # The same value on a cell opsbook does not mark passes through as it is.
    calm = rezip(
        path,
        tmp_path / "calm.xlsx",
        edit=lambda n, d: d.replace(b'<c r="A3"', b'<c s="-3" r="A3"', 1) if n == sheet_part else d,
    )
    assert run("validate", calm, "--as-of", AS_OF, "--output", out).exit_code == 1
    with zipfile.ZipFile(out) as zf:
        assert b'<c s="-3" r="A3"' in zf.read(sheet_part)


# --- crashes -------------------------------------------------------------------------------


def test_dates_outside_pandas_range_are_unreadable_on_their_cell(tmp_path):
    values = pd.Series(
        [
            "0001-01-01",
            "1677-09-21",
            "2262-04-12",
            dt.datetime(1, 1, 1),
            dt.date(9999, 12, 31),
            "2026-10-05",
            45000.0,
            2958465.0,
        ],
        dtype=object,
    )
    typed, bad = parse_dates(values, 2026)
    assert bad.tolist() == [True, True, True, True, True, False, False, True]
    assert typed.iloc[5] == pd.Timestamp("2026-10-05")
    rows = (
        [["平台", "標題", "發布日期", "審核人"]]
        + [
            ["官網", t, d, "陳經理"]
            for t, d in zip("abc", ["0001-01-01", "1677-09-21", "2262-04-12"])
        ]
        + GOOD
    )
    path = log_book(tmp_path / "dates.xlsx", {"發布日誌": rows})
    out = tmp_path / "out.xlsx"
    result = run("validate", path, "--as-of", AS_OF, "--output", out)
    assert result.exit_code == 1, result.output
    listed = {
        (r[1], r[5]) for r in load_workbook(out)["違規清單"].iter_rows(min_row=2, values_only=True)
    }
    assert {
        ("C2", "read.unreadable_datetime"),
        ("C3", "read.unreadable_datetime"),
        ("C4", "read.unreadable_datetime"),
    } <= listed


def _with_sheet_text(path: Path, dst: Path, placeholder: str, raw: bytes) -> Path:
    """``path`` with one inline string's text replaced by raw XML text (e.g. _x0001_)."""
    return rezip(
        path,
        dst,
        edit=lambda n, d: (
            d.replace(placeholder.encode(), raw) if n.startswith("xl/worksheets/") else d
        ),
    )


def test_control_characters_quoted_in_notes_and_the_violations_sheet(tmp_path):
    rows = [["平台", "標題", "發布日期", "審核人"], ["官網", "a", "PLACEHOLDER", "陳經理"]] + GOOD
    path = _with_sheet_text(
        log_book(tmp_path / "src.xlsx", {"發布日誌": rows}),
        tmp_path / "ctl.xlsx",
        "PLACEHOLDER",
        b"2026_x0001_10_x0007_05 _x005F_x0041_",
    )
    out = tmp_path / "out.xlsx"
    result = run("validate", path, "--as-of", AS_OF, "--output", out)
    assert result.exit_code == 1, result.output
    book = load_workbook(out)
    import python_calamine

    listed = [
        r
        for r in python_calamine.CalamineWorkbook.from_path(str(out))
        .get_sheet_by_name("違規清單")
        .to_python()
        if r[1] == "C2"
    ]
    assert listed and listed[0][8] == "2026\x0110\x0705 _x0041_"  # read back as it was written
    note = book["發布日誌"]["C2"].comment.text  # openpyxl does not decode _xHHHH_ in notes
    assert "2026_x0001_10_x0007_05 _x005F_x0041_" in note


def test_text_over_excels_cell_limit_is_cut_with_a_marker(tmp_path):
    long_value = "日" * 40_000
    rows = [["平台", "標題", "發布日期", "審核人"], ["官網", "a", long_value, "陳經理"]] + GOOD
    path = log_book(tmp_path / "long.xlsx", {"發布日誌": rows})
    out = tmp_path / "out.xlsx"
    assert run("validate", path, "--as-of", AS_OF, "--output", out).exit_code == 1
    book = load_workbook(out)
    cells = [
        c for row in book["違規清單"].iter_rows(min_row=2) for c in row if isinstance(c.value, str)
    ]
    assert max(len(c.value) for c in cells) <= 32_767
    assert any(c.value.endswith("已截斷】") for c in cells)
    note = book["發布日誌"]["C2"].comment.text
    assert len(note) <= 32_767 and note.endswith("已截斷】")


def test_a_workbook_with_no_sheets_is_refused_in_one_line(tmp_path):
    path = rezip(
        log_book(tmp_path / "src.xlsx"),
        tmp_path / "nosheets.xlsx",
        edit=lambda n, d: (
            re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", d, flags=re.S)
            if n == "xl/workbook.xml"
            else d
        ),
    )
    for flag in ("--output", "--write"):
        args = [flag, tmp_path / "out.xlsx"] if flag == "--output" else [flag]
        result = run("validate", path, "--as-of", AS_OF, *args)
        assert result.exit_code == 2, result.output
        assert "sheet" in one_line(result)


def test_duplicate_zip_members_are_refused(tmp_path):
    src = log_book(tmp_path / "src.xlsx")
    with zipfile.ZipFile(src) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    with pytest.warns(UserWarning):
        path = rezip(src, tmp_path / "dup.xlsx", add=[("xl/worksheets/sheet1.xml", sheet)])
    with pytest.raises(UnreadableWorkbook, match="twice"):
        FileReader(path)
    with pytest.raises(UnreadableWorkbook, match="twice"):
        Package(path)
    result = run("validate", path, "--as-of", AS_OF, "--output", tmp_path / "out.xlsx")
    assert result.exit_code == 2 and "twice" in one_line(result)


def test_a_relationship_outside_the_package_is_refused_and_nothing_outside_is_read(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_text("<worksheet/>")
    src = log_book(tmp_path / "src.xlsx")
    outside = "../../../../" + "../" * 10 + str(secret).lstrip("/")
    path = rezip(
        src,
        tmp_path / "escape.xlsx",
        edit=lambda n, d: (
            d.replace(b"worksheets/sheet1.xml", outside.encode())
            if n == "xl/_rels/workbook.xml.rels"
            else d
        ),
    )
    with pytest.raises(UnreadableWorkbook, match="outside the workbook package"):
        FileReader(path)
    with pytest.raises(UnreadableWorkbook, match="outside the workbook package"):
        Package(path)
    result = run("validate", path, "--as-of", AS_OF, "--output", tmp_path / "out.xlsx")
    assert result.exit_code == 2 and "outside" in one_line(result)


def test_a_zip_without_a_workbook_part_is_not_a_workbook(tmp_path):
    path = rezip(
        log_book(tmp_path / "src.xlsx"), tmp_path / "noworkbook.xlsx", drop={"xl/workbook.xml"}
    )
    result = run("validate", path, "--as-of", AS_OF)
    assert result.exit_code == 2 and "not an Excel workbook" in one_line(result)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_a_dtd_in_a_sheet_or_shared_strings_is_refused_for_writing(tmp_path, part):
    src = log_book(tmp_path / "src.xlsx")
    dtd = b'<!DOCTYPE worksheet [<!ENTITY x "y">]>'

    def with_dtd(name, data):
        if name != part:
            return data
        return re.sub(rb"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or b"") + dtd, data, count=1)

    add = (
        []
        if part != "xl/sharedStrings.xml"
        else [
            (
                part,
                b'<?xml version="1.0"?><sst xmlns="'
                + MAIN_NS.encode()
                + b'" count="0" uniqueCount="0"/>',
            )
        ]
    )
    path = rezip(src, tmp_path / "dtd.xlsx", edit=with_dtd, add=add)
    if add:  # the added part gets its DTD too
        path = rezip(path, tmp_path / "dtd2.xlsx", edit=with_dtd)
    with pytest.raises(RefusedToPatch, match="DTD"):
        Package(path)
    before = digest(path)
    result = run("validate", path, "--as-of", AS_OF, "--write")
    assert result.exit_code == 2 and "DTD" in one_line(result)
    assert digest(path) == before


def test_an_entity_in_a_sheet_is_never_expanded_when_reading(tmp_path):
    rows = [
        ["平台", "標題", "發布日期", "審核人"],
        ["官網", "PLACEHOLDER", dt.datetime(2026, 10, 5), "x"],
    ] + GOOD
    dtd = b'<!DOCTYPE worksheet [<!ENTITY x "EXPANDED">]>'
    path = rezip(
        log_book(tmp_path / "src.xlsx", {"發布日誌": rows}),
        tmp_path / "entity.xlsx",
        edit=lambda n, d: (
            re.sub(rb"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or b"") + dtd, d, count=1).replace(
                b"PLACEHOLDER", b"&x;"
            )
            if n == "xl/worksheets/sheet1.xml"
            else d
        ),
    )
    result = run("validate", path, "--as-of", AS_OF, "--report", tmp_path / "r.json")
    assert result.exit_code == 2 and "entity" in one_line(result)
    assert "EXPANDED" not in result.output + (tmp_path / "r.json").read_text(encoding="utf-8")


# --- I/O -------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A real small file system (tmpfs) to fill up or make read-only."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = []

    def make(size_kb: int) -> Path:
        where = tmp_path / f"disk{len(mounted)}"
        where.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where)],
            capture_output=True,
        )
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(where)
        return where

    yield make
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _padded_book(path: Path) -> Path:
    """A workbook of ~600 KB (an unreferenced stored member of random bytes, copied as it is)."""
    src = log_book(path.with_name("unpadded.xlsx"))
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        zout.writestr(zipfile.ZipInfo("xl/media/padding.bin"), os.urandom(600_000))
    return path


def _fill(disk: Path, leave: int) -> None:
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    (disk / "filler").write_bytes(b"\0" * max(free - leave, 0))


@pytest.mark.parametrize("fails", ["temporary file", "backup"])
def test_disk_full_leaves_nothing_partial_and_the_original_untouched(tmp_path, small_disk, fails):
    disk = small_disk(4096)
    book = _padded_book(tmp_path / "log.xlsx")
    out = tmp_path / "out.xlsx"
    assert run("validate", book, "--as-of", AS_OF, "--output", out).exit_code == 1
    written, size = out.stat().st_size, book.stat().st_size
    path = disk / "log.xlsx"
    shutil.copy(book, path)
    _fill(disk, written // 2 if fails == "temporary file" else written + size // 2)
    before = digest(path)
    result = run("validate", path, "--as-of", AS_OF, "--write")
    assert result.exit_code == 2, result.output
    assert "is full" in one_line(result) and "original is untouched" in result.output
    assert digest(path) == before
    assert no_temp_files(disk) and not backup_path(path).exists()


def test_a_full_temporary_folder_while_splicing_is_one_line(tmp_path, small_disk, monkeypatch):
    """The marked sheet streams through a temporary file (in the system's temporary
    folder): that disk full is one line too, nothing written."""
    import tempfile

    path = tmp_path / "log.xlsx"
    build_post_log(path)
    before = digest(path)
    disk = small_disk(512)
    _fill(disk, 0)
    monkeypatch.setattr(tempfile, "tempdir", str(disk))
    result = run("validate", path, "--as-of", AS_OF, "--write")
    assert result.exit_code == 2, result.output
    assert "is full" in one_line(result) and "nothing was written" in result.output
    assert digest(path) == before and no_temp_files(tmp_path)


def test_a_read_only_folder_is_one_line(tmp_path, small_disk):
    disk = small_disk(2048)
    path = disk / "log.xlsx"
    log_book(path)
    before = digest(path)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    result = run("validate", path, "--as-of", AS_OF, "--write")
    assert result.exit_code == 2 and "read-only" in one_line(result)
    assert digest(path) == before and no_temp_files(disk)
    result = run("validate", path, "--as-of", AS_OF, "--output", disk / "copy.xlsx")
    assert result.exit_code == 2 and "read-only" in result.output


def test_a_folder_the_user_may_not_write_is_one_line(tmp_path):
    """The workbook is writable, its folder is not: the temporary file cannot be made."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="opsbook-ro-"))
    try:
        path = log_book(folder / "log.xlsx")
        before = digest(path)
        os.chmod(path, 0o666)
        os.chmod(folder, 0o555)
        cmd = [
            sys.executable,
            "-m",
            "opsbook",
            "validate",
            str(path),
            "--as-of",
            AS_OF,
            "--write",
            "--jobs",
            "1",
        ]
        env = dict(os.environ, HOME=str(folder))
        if os.geteuid() == 0:  # root writes anywhere: drop the capability that lets it
            if shutil.which("setpriv") is None:
                pytest.skip("running as root without setpriv to drop CAP_DAC_OVERRIDE")
            cmd = [
                "setpriv",
                "--inh-caps=-dac_override,-dac_read_search",
                "--bounding-set=-dac_override,-dac_read_search",
                *cmd,
            ]
        done = subprocess.run(cmd, capture_output=True, env=env, timeout=300)
        text = done.stdout.decode() + done.stderr.decode()
        assert done.returncode == 2, text
        assert "no permission to write in" in text and "Traceback" not in text
        assert digest(path) == before and no_temp_files(folder)
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder, ignore_errors=True)


# --- hang ------------------------------------------------------------------------------------


def _whitespace_sheet(path: Path, dst: Path, megabytes: int) -> Path:
    """``path`` with ``megabytes`` MB of white space between the first two rows of its
    first sheet (it compresses ~1000:1)."""
    with (
        zipfile.ZipFile(path) as zin,
        zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info, data)
                continue
            cut = data.index(b"</row>") + len(b"</row>")
            with zout.open(zipfile.ZipInfo(info.filename), "w", force_zip64=False) as fh:
                fh.write(data[:cut])
                block = b" \n" * (1 << 19)
                for _ in range(megabytes):
                    fh.write(block)
                fh.write(data[cut:])
    return dst


def test_the_splicer_buffer_stays_bounded_on_white_space_between_rows():
    splicer = SheetSplicer({1: {0: "error"}, 2: {1: "warning"}}, lambda base, sev: 9)
    out = [splicer.feed(b'<worksheet><sheetData><row r="1"><c r="A1"/></row>')]
    held = []
    started = time.perf_counter()
    for _ in range(300):  # 300 MB of white space, 1 MB at a time
        out.append(splicer.feed(b" " * (1 << 20)))
        held.append(len(splicer._buf))
    out.append(splicer.feed(b'<row r="2"><c r="B2"/></row></sheetData></worksheet>'))
    out.append(splicer.finish())
    assert max(held) <= 1 << 20
    assert time.perf_counter() - started < 30
    body = b"".join(out) + splicer.tail
    assert b'<c r="A1" s="9"/>' in body and b'<c r="B2" s="9"/>' in body
    assert len(body) == 300 * (1 << 20) + len(
        b'<worksheet><sheetData><row r="1"><c r="A1"/></row>'
        b'<row r="2"><c r="B2"/></row></sheetData></worksheet>'
    ) + 2 * len(' s="9"')


def test_a_long_row_arriving_in_many_chunks_is_not_rescanned():
    """A 48 MB row (below the bound) in 1 MB chunks: each chunk is searched once, not the
    whole row again with every chunk (which took ~50x longer)."""
    splicer = SheetSplicer({1: {0: "error"}}, lambda base, sev: 9)
    cells = b'<c r="B1" t="s"><v>1</v></c>' * ((1 << 20) // 28)
    started = time.perf_counter()
    size = len(splicer.feed(b'<worksheet><sheetData><row r="1"><c r="A1"/>'))
    for _ in range(48):
        size += len(splicer.feed(cells))
    size += len(splicer.feed(b"</row></sheetData></worksheet>")) + len(splicer.finish())
    assert size > 48 * len(cells)
    assert time.perf_counter() - started < 10


def test_a_row_bigger_than_the_bound_is_refused(monkeypatch):
    import opsbook.ooxml.rowstream as rowstream

    monkeypatch.setattr(rowstream, "MAX_HELD", 4 << 20)
    splicer = SheetSplicer({1: {0: "error"}}, lambda base, sev: 9)
    splicer.feed(b'<worksheet><sheetData><row r="1"><c r="A1"/>')
    with pytest.raises(RefusedToPatch, match="row of over"):
        for _ in range(8):
            splicer.feed(b" " * (1 << 20))


def test_white_space_between_rows_is_written_in_linear_time(tmp_path):
    path = _whitespace_sheet(log_book(tmp_path / "src.xlsx"), tmp_path / "airy.xlsx", 200)
    out = tmp_path / "out.xlsx"
    started = time.perf_counter()
    result = run("validate", path, "--as-of", AS_OF, "--output", out)
    assert result.exit_code == 1, result.output
    assert time.perf_counter() - started < 120
    assert load_workbook(out, read_only=True)["違規清單"].max_row >= 2


def test_a_part_inflating_past_the_limit_is_refused_before_it_is_inflated(tmp_path):
    path = _whitespace_sheet(log_book(tmp_path / "src.xlsx"), tmp_path / "bomb.xlsx", 60)
    with pytest.raises(RefusedToPatch, match="max_part_mb"):
        Package(path, max_part_mb=50)
    with pytest.raises(UnreadableWorkbook, match="max_part_mb"):
        FileReader(path, max_part_mb=50)
    (tmp_path / "opsbook.toml").write_text("[general]\nmax_part_mb = 50\n", encoding="utf-8")
    result = run("validate", path, "--as-of", AS_OF, "--output", tmp_path / "out.xlsx")
    assert result.exit_code == 2 and "max_part_mb" in one_line(result)


def test_a_member_inflating_past_its_declared_size_stops_there(tmp_path):
    """A lying size in the zip directory: inflation stops at the declared size."""
    from opsbook.ooxml.zipcopy import member_chunks

    path = tmp_path / "liar.zip"
    data = b" " * (8 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.xml", data)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("a.xml")
    info.file_size = 1 << 20
    seen = 0
    with pytest.raises(zipfile.BadZipFile, match="more than its declared"):
        for chunk in member_chunks(path, info):
            seen += len(chunk)
    assert seen <= 2 << 20


def test_a_part_lying_about_its_size_is_refused_before_the_readers_inflate_it(tmp_path):
    """Its zip directory says 1 MB; it inflates to 300 MB (the readers would take it all)."""
    import struct

    path = _whitespace_sheet(log_book(tmp_path / "src.xlsx"), tmp_path / "airy.xlsx", 300)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as zf:
        local = zf.getinfo(name.decode()).header_offset
    struct.pack_into("<L", data, local + 22, 1 << 20)  # the local header's size
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # and the central directory's
        if data[at + 46 : at + 46 + struct.unpack_from("<H", data, at + 28)[0]] == name:
            struct.pack_into("<L", data, at + 24, 1 << 20)
        at = data.find(b"PK\x01\x02", at + 4)
    liar = tmp_path / "liar.xlsx"
    liar.write_bytes(data)
    started = time.perf_counter()
    with pytest.raises(UnreadableWorkbook, match="more than its declared"):
        FileReader(liar, max_part_mb=100)
    assert time.perf_counter() - started < 10
    result = run("validate", liar, "--as-of", AS_OF)
    assert result.exit_code == 2 and "more than its declared" in one_line(result)


# --- loose ends ------------------------------------------------------------------------------


def test_stale_temp_files_of_dead_runs_are_removed(tmp_path):
    path = log_book(tmp_path / "log.xlsx")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".~opsbook-{dead.pid}-log.xlsx"
    stale.write_bytes(b"x" * 1000)
    alive = tmp_path / f".~opsbook-{os.getppid()}-other.xlsx"
    alive.write_bytes(b"y")
    assert run("validate", path, "--as-of", AS_OF, "--write").exit_code == 1
    assert not stale.exists() and alive.exists()


def test_a_symlinked_workbook_is_written_through_and_says_so(tmp_path):
    (tmp_path / "real").mkdir()
    real = log_book(tmp_path / "real" / "log.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    before = real.read_bytes()
    result = run("validate", link, "--as-of", AS_OF, "--write")
    assert result.exit_code == 1, result.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "違規清單" in load_workbook(real).sheetnames
    assert backup_path(real).read_bytes() == before
    assert "written through to its target" in result.output and str(real) in result.output


def _soffice_resave(path: Path, workdir: Path) -> None:
    """Open and save the workbook in LibreOffice (another program: styles renumbered)."""
    workdir.mkdir(exist_ok=True)
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{workdir}/profile",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(workdir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    shutil.copy(workdir / path.name, path)


def _filled(path: Path) -> list[str]:
    book = load_workbook(path)
    return [
        f"{ws.title}!{c.coordinate}"
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.fill is not None
        and c.fill.fgColor is not None
        and c.fill.fgColor.rgb in ("FFFFC7CE", "FFFFEB9C")
    ]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by .ci/run")
def test_clear_after_the_user_resaved_elsewhere_and_ran_again_leaves_no_fills(tmp_path):
    path = tmp_path / "log.xlsx"
    build_post_log(path)
    assert run("validate", path, "--as-of", AS_OF, "--write", "--no-backup").exit_code == 1
    _soffice_resave(path, tmp_path / "lo")
    assert run("validate", path, "--as-of", AS_OF, "--write", "--no-backup").exit_code == 1
    result = run("clear", path, "--no-backup")
    assert result.exit_code == 0, result.output
    assert _filled(path) == []


def test_a_sheet_named_with_an_escape_like_text_has_its_marks_cleared(tmp_path):
    path = log_book(tmp_path / "log.xlsx", {"發布_x0007_日誌": LOG["發布日誌"]})
    before = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert run("validate", path, "--as-of", AS_OF, "--write", "--no-backup").exit_code == 1
    assert _filled(path)
    assert run("clear", path, "--no-backup").exit_code == 0
    assert _filled(path) == []
    assert zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml") == before


def test_every_refusal_is_an_opsbook_error_with_one_line(tmp_path):
    """What the batch pipeline prints: str(error) on one line for each hostile file."""
    src = log_book(tmp_path / "src.xlsx")
    hostile = [
        rezip(src, tmp_path / "a.xlsx", drop={"xl/workbook.xml"}),
        rezip(
            src,
            tmp_path / "b.xlsx",
            edit=lambda n, d: (
                d.replace(b"worksheets/sheet1.xml", b"../../../../etc/passwd")
                if n == "xl/_rels/workbook.xml.rels"
                else d
            ),
        ),
    ]
    for path in hostile:
        with pytest.raises(OpsbookError) as caught:
            FileReader(path)
        assert "\n" not in str(caught.value) and str(path) in str(caught.value)


# --- issues 29 and 30: far-away cells, references past the grid, UTF-16 parts, refusals ---
# A dense reader aborts the process (signal 6) on these: each run is a subprocess, so an
# abort is a return code here, never the end of the test session.

SAMPLES = Path(__file__).parent.parent / "workbooks"
POSTS, INSPECTIONS = SAMPLES / "發布日誌.xlsx", SAMPLES / "入戶安檢記錄.xlsx"


def _opsbook(*args, timeout=600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    return subprocess.run(
        [sys.executable, "-m", "opsbook", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def _violations(report: Path) -> list[tuple]:
    """The report's violations, without the file they are in."""
    data = json.loads(report.read_text())
    return sorted(
        (v["sheet"], v["row"] or 0, v["column"] or "", v["rule"], v["severity"])
        for v in data["violations"]
    )


def _checked(path: Path, tmp_path: Path, *extra) -> tuple[subprocess.CompletedProcess, list]:
    report = tmp_path / f"{path.stem}.json"
    proc = _opsbook("validate", path, "--as-of", AS_OF, "--report", report, *extra)
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}: {proc.stderr[-500:]}"
    return proc, _violations(report) if report.exists() else []


@pytest.fixture(scope="module")
def plain_posts(tmp_path_factory):
    return _checked(POSTS, tmp_path_factory.mktemp("plain"))[1]


@pytest.mark.parametrize("ref", ["XFD200000", "XFD1048576"])
@pytest.mark.parametrize("dimension", ["missing", "stale", "accurate"])
def test_a_stray_value_far_from_the_table_is_noted_and_the_table_checked(
    tmp_path, plain_posts, ref, dimension
):
    """Before: with no or a stale <dimension> the Rust reader allocated the whole grid and
    aborted (exit -6, no report); with an accurate one the sheet was skipped as too large."""
    path = with_stray(POSTS, tmp_path / f"stray-{dimension}.xlsx", ref, dimension)
    proc, found = _checked(path, tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert found == plain_posts
    assert "sheet too large" not in proc.stdout
    assert f"({ref})" in proc.stdout and "遠離表格" in proc.stdout  # the note names the cell


def test_a_stray_value_is_written_around_and_kept(tmp_path, plain_posts):
    path = with_stray(POSTS, tmp_path / "stray.xlsx", "XFD1048576", "missing")
    proc = _opsbook("validate", path, "--as-of", AS_OF, "--write", "--no-backup")
    assert proc.returncode == 1, proc.stderr
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    assert b'r="XFD1048576"' in sheet  # the user's stray cell stays where it was
    assert _checked(path, tmp_path)[1] == plain_posts  # re-read: the same table


_PEAK = (
    "import resource, sys\n"
    "from opsbook.workbook.reader import FileReader\n"
    "reader = FileReader(sys.argv[1])\n"
    "for name in reader.sheet_names():\n"
    "    reader.read(name)\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)\n"
)


def _peak_bytes(path: Path) -> int:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-400:]}"
    return int(proc.stdout.split()[-1])


@pytest.mark.parametrize("dimension", ["missing", "stale", "accurate"])
def test_reading_a_stray_cell_sheet_stays_within_a_few_times_the_file(tmp_path, dimension):
    """Peak memory reading the sheet with a value at XFD1048576: what reading the same
    workbook without it takes, plus at most a few times the file's size (the interpreter
    and libraries are the same in both)."""
    rows = [["平台", "標題", "發布日期", "審核人"]] + [
        ["官網", f"t{i}" * 20, dt.datetime(2026, 1, 1) + dt.timedelta(days=i % 300), "陳經理"]
        for i in range(20_000)
    ]
    plain = log_book(tmp_path / "plain.xlsx", {"發布日誌": rows})
    stray = with_stray(plain, tmp_path / "stray.xlsx", "XFD1048576", dimension)
    size = stray.stat().st_size
    assert _peak_bytes(stray) <= _peak_bytes(plain) + 4 * size + (16 << 20)


def test_a_reference_past_excels_grid_refuses_that_sheet_only(tmp_path, plain_posts):
    """Before: calamine allocated 549,756,338,176 bytes and the process aborted (signal 6)."""
    for ref in ("XFD1048577", "XFE1", "A1048577"):
        path = with_stray(POSTS, tmp_path / f"past-{ref}.xlsx", ref, "missing")
        proc, found = _checked(path, tmp_path)
        lines = [line for line in proc.stdout.splitlines() if "超出 Excel 的範圍" in line]
        assert len(lines) == 1 and ref in lines[0] and "發布日誌" in lines[0], proc.stdout
        assert found and {v[0] for v in found} < {v[0] for v in plain_posts}  # others checked
        assert "1 個工作表未檢查" in proc.stdout


def test_a_reference_past_the_grid_with_jobs_1_keeps_the_batch(tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(POSTS, folder / "a.xlsx")
    with_stray(POSTS, folder / "b.xlsx", "XFD1048577", "missing")
    proc = _opsbook("validate", folder, "--as-of", AS_OF, "--jobs", "1")
    assert proc.returncode == 1, proc.stderr
    assert "a.xlsx" in proc.stdout and "b.xlsx" in proc.stdout and "合計: 2 個檔案" in proc.stdout


def test_the_row_limit_is_excels_last_row_not_one_before():
    from opsbook.pipeline import MAX_ROWS, check_file

    assert MAX_ROWS == 1_048_576
    assert inspect_default(check_file, "max_rows") == MAX_ROWS


def inspect_default(function, name):
    import inspect

    return inspect.signature(function).parameters[name].default


@pytest.mark.parametrize("endian", ["le", "be"])
def test_a_workbook_stored_in_utf16_is_checked_like_the_plain_one(tmp_path, endian):
    """Before: every sheet read as empty, "no known table", exit 0: 21 errors gone."""
    plain = _checked(INSPECTIONS, tmp_path)[1]
    assert sum(v[4] == "error" for v in plain) == 21
    wide = in_utf16(INSPECTIONS, tmp_path / f"utf16-{endian}.xlsx", endian)
    proc, found = _checked(wide, tmp_path)
    assert proc.returncode == 1 and found == plain


def test_a_utf16_workbook_is_written_as_utf8_where_written_and_kept_elsewhere(tmp_path):
    wide = in_utf16(INSPECTIONS, tmp_path / "wide.xlsx", "be")
    before = {i.filename: zipfile.ZipFile(wide).read(i) for i in zipfile.ZipFile(wide).infolist()}
    plain = _checked(INSPECTIONS, tmp_path)[1]
    proc = _opsbook("validate", wide, "--as-of", AS_OF, "--write", "--no-backup")
    assert proc.returncode == 1, proc.stderr
    with zipfile.ZipFile(wide) as zf:
        after = {n: zf.read(n) for n in zf.namelist()}
    written = [n for n, data in before.items() if after[n] != data]
    assert "xl/worksheets/sheet1.xml" in written
    for name in written:
        assert after[name].startswith(b"<?xml"), name  # UTF-8 now, declared so
        etree.fromstring(after[name])
    assert any(after[n] == data for n, data in before.items())  # the others: their bytes
    assert _checked(wide, tmp_path)[1] == plain  # the written workbook reads the same
    assert _opsbook("clear", wide, "--no-backup").returncode == 0
    assert _checked(wide, tmp_path)[1] == plain


def test_a_sheet_whose_values_cannot_be_read_is_listed_and_counted(tmp_path, monkeypatch):
    """A sheet with values in its XML that the readers gave nothing for is listed with
    the reason, never as if it were empty, and the summary counts it."""
    from opsbook.workbook.reader import FileReader as Reader

    path = log_book(tmp_path / "log.xlsx", {**LOG, "另一表": [["x", "y"], [1, 2]]})
    real = Reader._read_values

    def nothing_from_the_second(self, name):
        values = real(self, name)
        return type(values)(name, rows=[]) if name == "另一表" else values

    monkeypatch.setattr(Reader, "_read_values", nothing_from_the_second)
    result = run("validate", path, "--as-of", AS_OF)
    assert "跳過 另一表: XML 中有 4 個儲存格有值" in result.output, result.output
    assert "1 個工作表未檢查" in result.output.splitlines()[-1]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_of_far_cells_past_grid_and_utf16_workbooks(tmp_path, jobs, plain_posts):
    folder = tmp_path / "mix"
    folder.mkdir()
    shutil.copy(POSTS, folder / "plain.xlsx")
    for dimension in ("missing", "stale", "accurate"):
        with_stray(POSTS, folder / f"stray-{dimension}.xlsx", "XFD1048576", dimension)
    with_stray(POSTS, folder / "past.xlsx", "XFD1048577", "missing")
    in_utf16(POSTS, folder / "wide.xlsx", "le")
    report = tmp_path / "report.json"
    proc = _opsbook("validate", folder, "--as-of", AS_OF, "--jobs", jobs, "--report", report)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(report.read_text())
    assert data["summary"]["unreadable_files"] == 0
    assert data["summary"]["sheets_not_checked"] == 1  # the past-grid sheet
    for name in ("plain", "stray-missing", "stray-stale", "stray-accurate", "wide"):
        mine = sorted(
            (v["sheet"], v["row"] or 0, v["column"] or "", v["rule"], v["severity"])
            for v in data["violations"]
            if Path(v["file"]).stem == name
        )
        assert mine == plain_posts, name
    assert "1 個工作表未檢查" in proc.stdout.splitlines()[-1]


# --- issue 29: refusals name their file; internal errors are no refusals; damaged parts ---


def _numfmts_with(path: Path, dst: Path, extra: bytes) -> Path:
    def edit(name, data):
        if name != "xl/styles.xml":
            return data
        if b"</numFmts>" in data:
            return data.replace(b"</numFmts>", extra + b"</numFmts>", 1)
        return data.replace(b"<fonts", b'<numFmts count="1">' + extra + b"</numFmts><fonts", 1)

    return rezip(path, dst, edit)


def test_an_unknown_element_in_numfmts_is_a_refusal_not_a_type_error(tmp_path):
    path = _numfmts_with(log_book(tmp_path / "src.xlsx"), tmp_path / "odd.xlsx", b"<bogus/>")
    before = digest(path)
    result = run("validate", path, "--as-of", AS_OF, "--write")
    line = next(x for x in one_line(result).splitlines() if "✗" in x)
    assert str(path) in line and "<bogus> inside <numFmts>" in line and "TypeError" not in line
    assert digest(path) == before


def test_a_numfmt_id_that_is_no_number_is_written_past(tmp_path):
    path = _numfmts_with(
        log_book(tmp_path / "src.xlsx"),
        tmp_path / "nan.xlsx",
        b'<numFmt numFmtId="NaN" formatCode="0.0"/>',
    )
    result = run("validate", path, "--as-of", AS_OF, "--write", "--no-backup")
    assert result.exit_code == 1 and "✗" not in one_line(result)


def test_an_extension_element_in_the_styles_is_kept_and_written_past(tmp_path):
    ext = b'<x14:foo xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"/>'
    path = _numfmts_with(log_book(tmp_path / "src.xlsx"), tmp_path / "ext.xlsx", ext)
    result = run("validate", path, "--as-of", AS_OF, "--write", "--no-backup")
    assert result.exit_code == 1 and "✗" not in one_line(result)
    assert b"x14:foo" in zipfile.ZipFile(path).read("xl/styles.xml")


def test_a_damaged_sheet_is_refused_untouched_not_written_back_broken(tmp_path):
    """Before: `&#x8;` in a string was read, marked and written back still malformed."""
    src = log_book(tmp_path / "src.xlsx")
    path = _with_sheet_text(src, tmp_path / "ctrl.xlsx", "b", b"b&#x8;")
    before = digest(path)
    result = run("validate", path, "--as-of", AS_OF, "--write")
    line = next(x for x in one_line(result).splitlines() if "✗" in x)
    assert str(path) in line and "xl/worksheets/sheet1.xml" in line and "damaged" in line
    assert digest(path) == before and not backup_path(path).exists()


def test_every_part_opsbook_writes_is_well_formed_and_the_others_keep_their_bytes(tmp_path):
    from opsbook.ooxml.wellformed import xml_error

    path = shutil.copy(POSTS, tmp_path / "posts.xlsx")
    before = {i.filename: zipfile.ZipFile(path).read(i) for i in zipfile.ZipFile(path).infolist()}
    assert run("validate", path, "--as-of", AS_OF, "--write", "--no-backup").exit_code == 1
    with zipfile.ZipFile(path) as zf:
        after = {n: zf.read(n) for n in zf.namelist()}
    written = [n for n in after if before.get(n) != after[n]]
    assert written and all(xml_error([after[n]]) is None for n in written if n.endswith(".xml"))
    kept = [n for n in before if n not in written]
    assert "xl/worksheets/sheet2.xml" in kept and "xl/theme/theme1.xml" in kept


@pytest.mark.parametrize(
    "broken", ["xl/workbook.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"]
)
def test_a_part_that_is_not_well_formed_is_refused_naming_the_file(tmp_path, broken):
    """Before: `✗ xl/workbook.xml is not well-formed XML (…)`: which of 330 files?"""
    src = log_book(tmp_path / "src.xlsx")
    path = rezip(src, tmp_path / "bad.xlsx", edit=lambda n, d: d[:-20] if n == broken else d)
    result = run("validate", path, "--as-of", AS_OF, "--write")
    lines = [x for x in one_line(result).splitlines() if "✗" in x]
    assert lines and all(str(path) in x for x in lines), result.output
    result = run("clear", path)  # clear refuses some of these, not all: each refusal named
    assert all(str(path) in x for x in one_line(result).splitlines() if "✗" in x)


def test_the_survey_reads_references_however_they_are_written():
    """Either quote, any white space before r, lower-case letters, chunks cut anywhere: a
    reference the survey missed would reach the dense reader unchecked."""
    from opsbook.workbook.survey import survey

    xml = b'<sheetData><row r="2"><c r="B2"/><c\tr=\'c3\'/><c s="1"\nr="XFD7"/></row></sheetData>'
    for cut in range(1, len(xml)):
        found = survey(iter([xml[:cut], xml[cut:]]))
        assert (found.cells, found.bounds(), found.past_grid) == (3, (1, 1, 6, 16383), None)
    for ref in (b"XFD1048577", b"XFE1", b"AAAA1", b"A0", b"A10485770"):
        found = survey(iter([b'<sheetData><row r="1"><c r="A1"/><c r="' + ref + b'"/></row>']))
        assert found.past_grid == ref.decode(), ref
    assert survey(iter([b'<row r="1048577"><c><v>1</v></c></row>'])).past_grid == "row 1048577"


def test_a_signed_workbook_with_a_stray_value_is_read_not_aborted(tmp_path, plain_posts):
    """A signed workbook is read (never written): its sheets are surveyed like any other."""
    stray = with_stray(POSTS, tmp_path / "stray.xlsx", "XFD1048576", "missing")
    signed = rezip(stray, tmp_path / "signed.xlsx", add=[("_xmlsignatures/sig1.xml", b"<x/>")])
    proc, found = _checked(signed, tmp_path)
    assert proc.returncode == 1 and found == plain_posts and "(XFD1048576)" in proc.stdout


def test_the_survey_of_white_space_between_rows_is_linear():
    """A part with megabytes of white space between rows (no element start to cut at) used
    to be carried whole from chunk to chunk: quadratic."""
    import time

    from opsbook.workbook.survey import survey

    def timed(megabytes: int) -> float:
        xml = b'<sheetData><row r="1"><c r="A1"/></row>' + b" " * (megabytes << 20)
        chunks = [xml[i : i + (1 << 16)] for i in range(0, len(xml), 1 << 16)]
        start = time.perf_counter()
        assert survey(iter(chunks + [b'<row r="2"><c r="B2"/></row></sheetData>'])).cells == 2
        return time.perf_counter() - start

    assert timed(32) < 8 * max(timed(4), 0.01)

"""Writing into the user's own workbook: in place, idempotent, clearable, refusing what
could lose data, and never half-written."""

import datetime as dt
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile

import pytest
from click.testing import CliRunner
from helpers import write_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from opsbook.cli import cli
from opsbook.kinds.posts.sample import build_post_log
from opsbook.writers.annotate import backup_path

LOG = {
    "發布日誌": [
        ["平台", "標題", "發布日期", "審核人"],
        ["官網", "a", dt.datetime(2026, 10, 5), None],
        ["官網", "b", dt.datetime(2026, 10, 6), "陳經理"],
    ]
}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def members(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_write_in_place_keeps_a_backup_and_runs_twice_the_same(tmp_path):
    path = tmp_path / "log.xlsx"
    build_post_log(path)
    original = digest(path)
    assert run("validate", path, "--as-of", "2026-11-26", "--write").exit_code == 1
    assert digest(backup_path(path)) == original
    once = digest(path)
    assert run("validate", path, "--as-of", "2026-11-26", "--write").exit_code == 1
    assert digest(path) == once  # the second run replaced the first, byte for byte
    sheets = load_workbook(path).sheetnames
    assert sheets.count("違規清單") == 1 and "_opsbook" in sheets
    assert load_workbook(path)["_opsbook"].sheet_state == "veryHidden"


def test_clear_restores_the_sheet_xml_byte_for_byte(tmp_path):
    path = tmp_path / "log.xlsx"
    build_post_log(path)
    before = members(path)
    run("validate", path, "--as-of", "2026-11-26", "--write", "--no-backup")
    result = run("clear", path, "--no-backup")
    assert result.exit_code == 0 and "已清除" in result.output
    after = members(path)
    assert set(after) == set(before)
    for name in before:
        if name.startswith("xl/worksheets/sheet") or name in (
            "xl/workbook.xml",
            "xl/sharedStrings.xml",
        ):
            assert after[name] == before[name], name
    assert run("clear", path).output.strip().endswith("(nothing to clear)")


def test_clear_leaves_a_cell_the_user_recoloured_and_the_users_note(tmp_path):
    path = write_xlsx(tmp_path / "recoloured.xlsx", LOG)
    wb = load_workbook(path)
    wb["發布日誌"]["D2"].comment = Comment("請補簽", "小王")
    wb.save(path)
    run("validate", path, "--as-of", "2026-11-26", "--write", "--no-backup")
    wb = load_workbook(path)  # the user recolours the marked cell in Excel and saves
    ws = wb["發布日誌"]
    assert "【opsbook】" in ws["D2"].comment.text
    ws["B2"].fill = PatternFill("solid", fgColor="FF00B050")
    wb.save(path)
    # Our marks on B2?  There are none; mark the recoloured cell instead: D2 keeps our mark.
    run("clear", path, "--no-backup")
    ws = load_workbook(path)["發布日誌"]
    assert ws["B2"].fill.fgColor.rgb == "FF00B050"
    assert ws["D2"].comment is not None and ws["D2"].comment.text == "請補簽"


def test_recoloured_marked_cell_is_left_alone(tmp_path):
    path = write_xlsx(tmp_path / "recoloured-mark.xlsx", LOG)
    run("validate", path, "--as-of", "2026-11-26", "--write", "--no-backup")
    # Simulate Excel giving the marked cell another style: rewrite its s attribute.
    data = members(path)
    sheet = data["xl/worksheets/sheet1.xml"]
    sheet = re.sub(rb'(<c r="D2"[^>]*?) s="\d+"', rb'\1 s="0"', sheet)
    _rezip(path, {**data, "xl/worksheets/sheet1.xml": sheet})
    run("clear", path, "--no-backup")
    assert re.search(rb'<c r="D2"[^>]*s="0"', members(path)["xl/worksheets/sheet1.xml"])


def _rezip(path, data):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in data.items():
            zf.writestr(name, content)


def test_refuses_when_excel_has_the_file_open(tmp_path):
    path = write_xlsx(tmp_path / "open.xlsx", LOG)
    (tmp_path / "~$open.xlsx").write_bytes(b"lock")
    before = digest(path)
    result = run("validate", path, "--write")
    assert result.exit_code == 2 and "open in Excel" in result.output and digest(path) == before


def test_refuses_a_read_only_file(tmp_path):
    path = write_xlsx(tmp_path / "ro.xlsx", LOG)
    os.chmod(path, 0o444)
    before = digest(path)
    result = run("validate", path, "--write")
    assert result.exit_code == 2 and "read-only" in result.output
    assert digest(path) == before


def test_signed_package_is_refused_and_untouched(tmp_path):
    path = write_xlsx(tmp_path / "signed.xlsx", LOG)
    data = members(path)
    data["_xmlsignatures/sig1.xml"] = b"<Signature/>"
    _rezip(path, data)
    before = digest(path)
    result = run("validate", path, "--write")
    assert result.exit_code == 2 and "digital signature" in result.output and digest(path) == before


def test_dtd_in_a_part_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "dtd.xlsx", LOG)
    data = members(path)
    body = data["xl/styles.xml"].split(b"?>", 1)[-1]
    data["xl/styles.xml"] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>' + body
    _rezip(path, data)
    before = digest(path)
    result = run("validate", path, "--write")
    assert result.exit_code == 2 and "DTD" in result.output and digest(path) == before


def test_interrupted_write_leaves_the_original(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "ctrl-c.xlsx", LOG)
    before = digest(path)
    from opsbook.ooxml import zipcopy

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(zipcopy.RawZipWriter, "close", boom)
    with pytest.raises(KeyboardInterrupt):
        from opsbook.config import load_config
        from opsbook.engine import as_of_moment
        from opsbook.pipeline import check_file
        from opsbook.writers.annotate import write_annotated

        write_annotated(
            path, path, check_file(path, load_config(), as_of_moment("2026-11-26")), load_config()
        )
    assert digest(path) == before
    assert [p.name for p in tmp_path.iterdir()] == ["ctrl-c.xlsx"] or sorted(
        p.name for p in tmp_path.iterdir()
    ) == sorted(["ctrl-c.xlsx", "ctrl-c.opsbook-backup.xlsx"])


def test_killed_mid_save_leaves_the_original(tmp_path):
    """SIGKILL a real `opsbook validate --write` in the middle of writing: the workbook is the
    old one.  The process announces (a marker file) that it has written part of the temporary
    file and waits there, so the kill lands mid-write every time, not when polling happens to
    see the temporary file."""
    path = tmp_path / "big.xlsx"
    write_xlsx(path, LOG)
    before = digest(path)
    marker = tmp_path / "mid-write"
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from opsbook.ooxml import zipcopy\n"
        "count = [0]\n"
        "def pause_after_two(method):\n"
        "    def wrapped(self, *args, **kwargs):\n"
        "        method(self, *args, **kwargs)\n"
        "        count[0] += 1\n"
        "        if count[0] == 2:\n"
        "            self._out.flush()\n"
        f"            Path({str(marker)!r}).write_text('x')\n"
        "            time.sleep(300)\n"
        "    return wrapped\n"
        "zipcopy.RawZipWriter.copy = pause_after_two(zipcopy.RawZipWriter.copy)\n"
        "zipcopy.RawZipWriter.write = pause_after_two(zipcopy.RawZipWriter.write)\n"
        "from opsbook.cli import main\n"
        f"main(['validate', {str(path)!r}, '--write', '--no-backup', '--as-of', '2026-11-26'])\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.time() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.time() < deadline, "the writer never reached its second member"
            time.sleep(0.01)
        temporary = [p for p in tmp_path.iterdir() if p.name.startswith(".~opsbook")]
        assert temporary and temporary[0].stat().st_size > 0  # a half-written temporary file
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert digest(path) == before
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None


CELLS = st.lists(
    st.tuples(
        st.integers(1, 12),
        st.integers(1, 6),
        st.one_of(
            st.none(),
            st.integers(-99, 99),
            st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=5),
        ),
    ),
    max_size=20,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=CELLS, note_row=st.integers(2, 6), review=st.lists(st.booleans(), min_size=1, max_size=6)
)
def test_property_write_then_clear_round_trips(tmp_path_factory, cells, note_row, review):
    folder = tmp_path_factory.mktemp("prop")
    rows = [["平台", "標題", "發布日期", "審核人"]] + [
        ["官網", f"t{i}", dt.datetime(2026, 10, 5 + i), "陳經理" if ok else None]
        for i, ok in enumerate(review)
    ]
    path = write_xlsx(folder / "gen.xlsx", {"發布日誌": rows, "其他": [[None]]})
    wb = load_workbook(path)
    for r, c, value in cells:
        wb["其他"].cell(row=r, column=c, value=value)
        wb["其他"].cell(row=r, column=c).fill = PatternFill("solid", fgColor="FF99CCFF")
    if note_row <= len(rows):
        wb["發布日誌"].cell(row=note_row, column=4).comment = Comment("user note", "u")
    wb.save(path)
    before = members(path)
    run("validate", path, "--as-of", "2026-11-26", "--write", "--no-backup")
    written = members(path)
    assert written["xl/worksheets/sheet2.xml"] == before["xl/worksheets/sheet2.xml"]
    run("clear", path, "--no-backup")
    after = members(path)
    assert set(after) == set(before)
    for name in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/workbook.xml"):
        assert after[name] == before[name]
    shutil.rmtree(folder)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by .ci/run")
def test_libreoffice_renders_the_annotated_workbook(tmp_path):
    path = write_xlsx(tmp_path / "render.xlsx", LOG)
    run("validate", path, "--as-of", "2026-11-26", "--write", "--no-backup")
    proc = subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "render.pdf"
    assert proc.returncode == 0 and pdf.exists() and pdf.stat().st_size > 1000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "R1-4.2.3" in text  # the violations sheet rendered


def test_a_million_row_sheet_is_skipped_with_one_line(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "發布日誌"
    ws.append(["平台", "標題", "發布日期"])
    ws.cell(row=1_048_576, column=1, value="x")  # a sheet filled to Excel's last row
    path = tmp_path / "million.xlsx"
    wb.save(path)
    before = digest(path)
    result = run("validate", path)
    assert "超過上限" in result.output and "Traceback" not in result.output
    assert digest(path) == before


def test_over_the_size_limit_is_not_patched(tmp_path):
    path = write_xlsx(tmp_path / "big.xlsx", LOG)
    (tmp_path / "opsbook.toml").write_text("[general]\nmax_patch_mb = 0\n", encoding="utf-8")
    before = digest(path)
    result = run("validate", path, "--write")
    assert result.exit_code == 2 and "max_patch_mb" in result.output and digest(path) == before

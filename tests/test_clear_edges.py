"""opsbook clear on an annotated workbook that another program edited after the run."""

import re
import zipfile
from pathlib import Path

from click.testing import CliRunner

from opsbook.cli import cli
from opsbook.kinds.posts.sample import build_post_log


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def rewrite_member(path: Path, name: str, edit) -> None:
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            zout.writestr(info, edit(data) if info.filename == name else data)


def test_clear_copes_with_a_comments_part_another_program_emptied(tmp_path):
    path = tmp_path / "log.xlsx"
    build_post_log(path)
    assert run("validate", path, "--as-of", "2026-11-26", "--write", "--no-backup").exit_code == 1
    with zipfile.ZipFile(path) as zf:
        comments = [n for n in zf.namelist() if re.fullmatch(r"xl/comments\d*\.xml", n)]
    assert comments  # the run wrote its notes into a comments part
    # Another program saved the notes part with its authors but no <commentList> at all.
    rewrite_member(
        path,
        comments[0],
        lambda xml: re.sub(rb"<commentList>.*</commentList>", b"", xml, flags=re.S),
    )

    result = run("clear", path, "--no-backup")

    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as zf:  # (openpyxl itself refuses a comments part without a list)
        workbook = zf.read("xl/workbook.xml").decode("utf-8")
    assert 'name="發布日誌"' in workbook
    assert "違規清單" not in workbook and "_opsbook" not in workbook

"""Write-back over every Excel-made workbook in ../shared/corpus/xlsxwriter (993 files):
marks, notes and new sheets lose nothing, and clear undoes them.  The full corpus runs
(under a minute); `python tests/corpus_check.py DIR` runs the same check over any folder."""

from pathlib import Path

import pytest
from corpus_check import check_one
from paths import SHARED

CORPUS = SHARED / "corpus" / "xlsxwriter"
FILES = sorted(p for p in CORPUS.glob("*") if p.suffix in (".xlsx", ".xlsm"))


def test_the_corpus_is_there():
    assert len(FILES) >= 900, f"expected the shared corpus at {CORPUS}"


@pytest.mark.corpus
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_lossless_write_and_clear(tmp_path, path: Path):
    assert check_one(path, tmp_path) == []

"""The bundled sample workbooks: every seeded violation is found on its row with its clause,
and nothing else is reported.  The samples are regenerated from their builders here, and the
committed copies must match what the builders make."""

import pytest
from paths import ROOT

from opsbook.config import load_config
from opsbook.engine import as_of_moment
from opsbook.pipeline import check_file, read_sheets
from opsbook.samples.bundled import BUILDERS


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_seeded_violations_exactly(tmp_path, name):
    path = tmp_path / name
    seeds = BUILDERS[name](path)
    checked = check_file(path, load_config(), as_of_moment("2026-11-26"))
    f = checked.report.frame
    got = {
        (s, None if r != r or r is None else int(r), c, rule)
        for s, r, c, rule in zip(f["sheet"], f["row"], f["clause"], f["rule"])
    }
    want = {(s.sheet, s.row, s.clause, s.rule) for s in seeds}
    assert got == want


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_committed_sample_matches_its_builder(tmp_path, name):
    fresh = tmp_path / name
    BUILDERS[name](fresh)
    committed = [s.rows for s in read_sheets(ROOT / "workbooks" / name)]
    assert committed == [s.rows for s in read_sheets(fresh)], (
        "run `python -m opsbook.samples` to refresh"
    )

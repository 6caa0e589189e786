"""Issue 29: a seeded mutation run of our own.  Each of the three samples corrupted in one
XML part at a time (every mutation of tests/mutations.py on every sample), then
`validate --write`, `clear` and `validate --output` on each; every case in a worker
process, so a Rust abort or a hang is a result, not the end of the run.

Judged per case: no crash (an abort, a traceback, an internal error shown as a refusal), no
hang, no data loss (the user's cell values and the backup), no malformed part written, and
every refusal one line naming its file."""

from __future__ import annotations

from pathlib import Path

import pytest
from mutations import MUTATIONS, Case, make_cases, run

SAMPLES = [
    Path(__file__).parent.parent / "workbooks" / name
    for name in ("發布日誌.xlsx", "入戶安檢記錄.xlsx", "平面設計費用.xlsx")
]


def _problems(outcomes) -> list[str]:
    return [
        f"{o.id} ({o.part}): crashes={o.crashes} hang={o.hang} lost={o.data_loss} "
        f"malformed={o.malformed} refusals={o.bad_refusals}"
        for o in outcomes
        if o.crashes or o.hang or o.data_loss or o.malformed or o.bad_refusals
    ]


def test_every_mutation_of_every_sample(tmp_path):
    cases = make_cases(29, len(MUTATIONS) * len(SAMPLES), SAMPLES, tmp_path / "cases")
    assert {c.mutation for c in cases} == set(MUTATIONS)
    outcomes = run(cases, tmp_path / "work")
    assert [o.id for o in outcomes] == [c.id for c in cases]
    assert not _problems(outcomes), "\n".join(_problems(outcomes))
    assert any(o.refused for o in outcomes)  # the run did meet files to refuse


def test_an_abort_or_a_hang_in_a_case_is_seen_and_the_run_goes_on(tmp_path):
    good = make_cases(30, 2, SAMPLES[:1], tmp_path / "cases")
    cases = [
        Case("abort", SAMPLES[0].name, "-", "_abort", good[0].file),
        good[0],
        Case("hang", SAMPLES[0].name, "-", "_hang", good[1].file),
        good[1],
    ]
    outcomes = run(cases, tmp_path / "work", timeout=60)
    assert [o.id for o in outcomes] == [c.id for c in cases]
    assert "signal 6" in outcomes[0].crashes[0]
    assert outcomes[2].hang
    assert not _problems([outcomes[1], outcomes[3]])


@pytest.mark.slow
@pytest.mark.soak
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_a_long_mutation_run(tmp_path, seed):
    cases = make_cases(seed, 150, SAMPLES, tmp_path / "cases")
    outcomes = run(cases, tmp_path / "work")
    assert not _problems(outcomes), "\n".join(_problems(outcomes))

"""Issue 23's clause findings and the interpretations the code makes: each sentence is in
the coverage matrix, next to its clause's rules."""

import pytest

from opsbook.coverage import render_coverage

NOTES = {
    "R1-4.5.1": "counts posts, not distinct update days",
    "R3-4.6.1": 'applies only under `posts.profile = "R3"`',
    "R3-4.3.3": 'applies only under `posts.profile = "R3"`',
    "R3-3.12": "settlement month is its order month",
    "R3-2.3.1": "budgets are per requesting department",
    "R2-1.3": "要求其賠償經濟損失 is checked from a 要求賠償",
    "R2-1.4.1": "安排入戶檢查確定是否盜氣 is checked from an 安排入戶檢查",
    "R3-3.10": "告知需求部門用途 is checked from a 已告知用途",
    "R1-6.5": "不得發布影響市場部業務運作的信息 is checked from a self-check column",
    "R2-1.3.3": "consecutive visits is reported on the later visit",
}


@pytest.mark.parametrize("clause", sorted(NOTES))
def test_the_matrix_says_it_on_the_clauses_row(clause):
    row = next(line for line in render_coverage().splitlines() if line.startswith(f"| {clause} |"))
    assert NOTES[clause] in row
    assert "`" in row.split("|")[4]  # and the rules that check the rest are listed there

"""The clause register: every clause of the regulations, with the id scheme of CLAUSES.md.

Each kind declares its part in ``opsbook/kinds/<kind>/clauses.py`` (a regulation may be
shared: 運營規章制度3's §四 is the posts kind's, the rest design_costs'); registering the
kind adds it here.  A clause whose ``check`` is set (row, agg or sum) is checked by rules or
a summary (docs/coverage.md, generated, shows which); the others carry the reason no
workbook data can show them kept or broken.  A test fails when a checkable clause has no
rule or a rule cites an unknown clause.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clause:
    id: str
    gloss: str
    check: str | None  # row / agg / sum / None (not checkable from workbook data)
    reason: str = ""  # why not checkable, or which rules cover it indirectly


DUTY = "duties and organisation: not recorded in any workbook"
CONDUCT = "conduct during visits: not recorded in the inspection sheet"
MEETING = "a meeting: not recorded in workbook data"


def many(prefix: str, numbers, gloss: str, reason: str) -> list[Clause]:
    return [Clause(f"{prefix}{n}", gloss, None, reason) for n in numbers]


# Filled by ``add`` (when a kind registers): regulation title → its clauses, titles in order
# and a shared regulation's parts in clause order; and every clause by id.
REGULATIONS: dict[str, list[Clause]] = {}
CLAUSES: dict[str, Clause] = {}
_PARTS: dict[str, list[list[Clause]]] = {}


def _order(clause_id: str) -> tuple:
    regulation, _, number = clause_id.partition("-")
    return (regulation, *(int(n) for n in number.split(".") if n.isdigit()))


def add(title: str, clauses: list[Clause]) -> None:
    """Add a kind's part of a regulation.  Clause ids are unique across the register."""
    taken = [c.id for c in clauses if c.id in CLAUSES]
    if taken:
        raise ValueError(f"clauses already registered: {', '.join(taken)}")
    parts = sorted([*_PARTS.get(title, []), list(clauses)], key=lambda p: _order(p[0].id))
    _PARTS[title] = parts
    CLAUSES.update((c.id, c) for c in clauses)
    ordered = {t: [c for part in _PARTS[t] for c in part] for t in sorted(_PARTS)}
    REGULATIONS.clear()
    REGULATIONS.update(ordered)


def remove(clauses: list[Clause]) -> None:
    ids = {c.id for c in clauses}
    for title in list(_PARTS):
        _PARTS[title] = [p for p in _PARTS[title] if not ids & {c.id for c in p}]
        if not _PARTS[title]:
            del _PARTS[title]
            REGULATIONS.pop(title, None)
        else:
            REGULATIONS[title] = [c for part in _PARTS[title] for c in part]
    for i in ids:
        CLAUSES.pop(i, None)

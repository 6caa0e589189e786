"""``opsbook rules check``: the rulebook itself validated before anything runs.  One line per
problem, naming the sheet and cell: an unknown table or column, an expression that does not
parse or a predicate with the wrong arguments, a clause not in the register, a setting that
is not one or has a value of the wrong type, overlapping dates of one id, a Python rule whose
code was edited as if it were text."""

from __future__ import annotations

import datetime as dt
from typing import cast

from .model import AGGREGATE, PYTHON, RULE, SETTING, Rulebook

FAR_PAST, FAR_FUTURE = dt.date.min, dt.date.max


def problems(book: Rulebook) -> list[str]:
    from .. import kinds, regulations
    from ..catalog.base import RowRule
    from ..catalog.vocabulary import (
        TableColumn,
        VocabularyError,
        columns_used,
        parse,
        settings_used,
        walk,
    )
    from ..config import DEFAULTS

    out: list[str] = []
    src = book.source

    def bad(i: int, f: str, why: str) -> None:
        out.append(f"{src} {book.cell(i, f)}: {why}")

    builtin = {r.id: r for r in kinds.all_rules()}
    for i, e in enumerate(book.entries):
        kind = kinds.get(e.kind)
        section = kind.settings
        if e.type == SETTING:
            sec, _, name = e.id.rpartition(".")
            sec = sec or section or ""  # None and "" are both no section of DEFAULTS
            if sec not in DEFAULTS or name not in DEFAULTS[sec]:
                bad(
                    i,
                    "id",
                    f"no setting {e.id!r} (the [{section}] section has "
                    f"{', '.join(DEFAULTS.get(section or '', {}))})",
                )
                continue
            expected = type(DEFAULTS[sec][name])
            ok = isinstance(e.value, expected) or (expected is float and isinstance(e.value, int))
            if not ok or (expected is int and isinstance(e.value, bool)):
                bad(i, "value", f"{e.id} must be {expected.__name__}, got {e.value!r}")
            continue
        if e.clause not in regulations.CLAUSES:
            bad(i, "clause", f"clause {e.clause!r} is not in the register (CLAUSES.md)")
        original = builtin.get(e.id)
        if e.type in (PYTHON, AGGREGATE):
            if original is None or original.table != e.table:
                bad(
                    i,
                    "id",
                    f"{e.id!r} is not one of opsbook's Python rules: only a 規則 row can be added",
                )
            elif e.type == PYTHON and e.target != _target_text(cast(RowRule, original).target):
                bad(i, "target", "a Python rule's 標註欄 is part of its code: not editable")
            if e.when or e.fails_if:
                bad(
                    i,
                    "when" if e.when else "fails_if",
                    "a Python rule's 條件/違規條件 are its code: leave them empty",
                )
            continue
        specs = {t.name: t for t in kind.tables}
        spec = specs.get(e.table)
        if spec is None:
            bad(i, "table", f"no table {e.table!r} in {kind.title} ({', '.join(specs)})")
            continue
        keys = {c.key for c in spec.columns}
        for t in e.targets or ("",):
            if t not in keys:
                bad(i, "target", f"標註欄 {t!r} is not a column of {e.table}")
        if not e.fails_if:
            bad(i, "fails_if", "違規條件 is empty")
        for f in ("when", "fails_if"):
            text = getattr(e, f)
            if not text:
                continue
            try:
                expr = parse(text)
            except VocabularyError as exc:
                bad(i, f, str(exc))
                continue
            for k in columns_used(expr):
                if k not in keys:
                    bad(i, f, f"{k!r} is not a column of {e.table}")
            for node in walk(expr):
                if isinstance(node, TableColumn):
                    other = specs.get(node.table)
                    if other is None or node.column not in {c.key for c in other.columns}:
                        bad(i, f, f"no table column {node.table}.{node.column}")
            for ref in settings_used(expr):
                ref_sec = ref.section or section
                if ref.name not in DEFAULTS.get(ref_sec or "", {}):
                    bad(i, f, f"no setting {{{ref.name}}} in [{ref_sec}]")
    out += _overlaps(book)
    rule_ids = set(builtin) | {e.id for e in book.entries}
    for w in book.waivers:
        if not w.approver:
            out.append(f"{src} {w.where}: the waiver of {w.rule} has no approver (核准人)")
        if w.rule not in rule_ids and w.rule not in regulations.CLAUSES:
            out.append(f"{src} {w.where}: {w.rule!r} is neither a rule id nor a clause")
    return out


def _target_text(target) -> str:
    return target if isinstance(target, str) else ", ".join(target)


def _overlaps(book: Rulebook) -> list[str]:
    """Two versions of one id in force on one day: the later row's 生效日 is named."""
    out = []
    by_id: dict[tuple, list[int]] = {}
    for i, e in enumerate(book.entries):
        by_id.setdefault((e.kind, e.id), []).append(i)
    for (_, rid), at in by_id.items():
        spans = sorted(at, key=lambda i: book.entries[i].since or FAR_PAST)
        for a, b in zip(spans, spans[1:]):
            ea, eb = book.entries[a], book.entries[b]
            if (eb.since or FAR_PAST) <= (ea.until or FAR_FUTURE):
                out.append(
                    f"{book.source} {book.cell(b, 'since')}: {rid} is in force from "
                    f"{eb.since or '(always)'}, while the version of {book.cell(a, 'since')} "
                    f"runs to {ea.until or '(no end)'}: one version a day"
                )
    for i, e in enumerate(book.entries):
        if e.since and e.until and e.until < e.since:
            out.append(
                f"{book.source} {book.cell(i, 'until')}: 失效日 {e.until} is before 生效日 {e.since}"
            )
    return out


RULE_TYPES = (RULE, PYTHON, AGGREGATE)

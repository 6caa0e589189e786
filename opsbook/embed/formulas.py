"""Predicates as spreadsheet formula fragments: the second back end of the row rules.

Every fragment is a boolean formula for ONE row, written for the row marker ``§`` (the
compiler puts the first data row there for a conditional format, and each row's own number
for the differential tests).  Column references are absolute in the column and relative in
the row (``$J§``), so a conditional format applied to a whole column range reads each row.

Only functions every target evaluates the same way are used (Excel 2010+, WPS, LibreOffice):
AND, OR, NOT, IF, IFERROR, LEN, TRIM, SUBSTITUTE, ISNUMBER, INT, ROUND, YEAR, MONTH, DATE, INDEX,
MATCH (exact), SUMPRODUCT.  No dynamic arrays (LET, LAMBDA, XLOOKUP, FILTER), no wildcard
lookups (COUNTIF/MATCH on text would treat * and ? in a cell as wildcards: text is compared
with ``=`` inside SUMPRODUCT instead), and other sheets only through defined names (see
docs/embed.md for why).

How the engine's notions map (and where the formula is narrower, by design):

- ``blank``: LEN(TRIM(x))=0 — Excel's TRIM strips spaces only; a cell holding only a tab
  is blank to the engine but not here.
- text compared "folded": the engine folds case, width, Traditional/Simplified and all
  white space; the formula removes spaces and compares with ``=`` (case-insensitive in
  every target), against each word in both its written and its folded (Simplified,
  lower-case) form.  Full-width letters typed in a cell are not folded here.
- ``yes``/``no``: the cell, spaces removed, equals one of the engine's own words (the
  named lists on the calendar sheet, both scripts); TRUE and 1 count as yes (their text
  is "TRUE"/"1").
- dates: a real date (a number) only; a date typed as text is unreadable to the formula
  (the data validation the same command adds asks for a real date).
"""

from __future__ import annotations

from functools import lru_cache

from ..text import fold
from ..workbook.specs import TableSpec

ROW = "§"
NAME_ON = "_opsbook_on"
NAME_YES = "_opsbook_yes"
NAME_NO = "_opsbook_no"
NAME_CAL_DATE = "_opsbook_cal_date"
NAME_CAL_COUNT = "_opsbook_cal_count"


@lru_cache(maxsize=1)
def _to_traditional():
    import opencc

    return opencc.OpenCC("s2t")


def forms(words) -> list[str]:
    """Each word as written, as the engine folds it (Simplified, lower case) and in
    Traditional script: a cell written in either script matches (duplicates dropped)."""
    out: list[str] = []
    for w in words:
        folded = fold(str(w))
        for form in (str(w).replace(" ", ""), folded, _to_traditional().convert(folded)):
            if form and form.lower() not in {o.lower() for o in out}:
                out.append(form)
    return out


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class Columns:
    """The column letters of one recognised table; ``ref(key)`` is ``$L§``."""

    def __init__(self, spec: TableSpec, letters: dict[str, str]):
        self.spec = spec
        self.letters = letters

    def has(self, key: str) -> bool:
        return key in self.letters

    def ref(self, key: str) -> str:
        return f"${self.letters[key]}{ROW}"


def all_of(*parts: str) -> str:
    parts = tuple(p for p in parts if p != "TRUE")
    if not parts:
        return "TRUE"
    return parts[0] if len(parts) == 1 else "AND(" + ",".join(parts) + ")"


def any_of(*parts: str) -> str:
    parts = tuple(p for p in parts if p != "FALSE")
    if not parts:
        return "FALSE"
    return parts[0] if len(parts) == 1 else "OR(" + ",".join(parts) + ")"


def negate(part: str) -> str:
    return {"TRUE": "FALSE", "FALSE": "TRUE"}.get(part, f"NOT({part})")


def squeezed(ref: str) -> str:
    return f'SUBSTITUTE({ref}," ","")'


def blank(ref: str) -> str:
    return f"LEN(TRIM({ref}))=0"


def filled(ref: str) -> str:
    return f"LEN(TRIM({ref}))>0"


def _listed(ref: str, name: str) -> str:
    return f"SUMPRODUCT(({squeezed(ref)}={name})*1)>0"


def yes(ref: str) -> str:
    return _listed(ref, NAME_YES)


def no(ref: str) -> str:
    return _listed(ref, NAME_NO)


def one_of(ref: str, words) -> str:
    text = squeezed(ref)
    return any_of(*(f"{text}={quoted(w)}" for w in forms(words)))


def number(ref: str) -> str:
    return f"ISNUMBER({ref})"


def when_numbers(refs, condition: str) -> str:
    """``condition`` where every ref holds a number, else FALSE.  IF, not AND: AND evaluates
    every argument, and INT of a text cell is #VALUE!, which would make the whole formula
    an error — and an error inside NOT or OR is not FALSE."""
    guard = all_of(*(number(r) for r in refs))
    return f"IF({guard},{condition},FALSE)"


def later_than(a: str, b: str) -> str:
    """a after b; whole days when either was written without a time (catalog.base.later_than)."""
    return when_numbers((a, b), f"IF(OR(INT({a})={a},INT({b})={b}),INT({a})>INT({b}),{a}>{b})")


def working_days_after(day: str, n: int) -> str:
    """The n-th working day after ``day`` (a date serial; the day itself never counts): the
    first date of the calendar whose running working-day count is the day's count + n."""
    count = f"INDEX({NAME_CAL_COUNT},MATCH(INT({day}),{NAME_CAL_DATE},0))"
    return f"INDEX({NAME_CAL_DATE},MATCH({count}+{int(n)},{NAME_CAL_COUNT},0))"


def in_roster(ref: str, name_range: str, role_range: str, roles) -> str:
    """The cell's name is on the roster with one of ``roles`` (both compared without spaces)."""
    role_test = "+".join(f"({squeezed(role_range)}={quoted(r)})" for r in forms(roles))
    return f"SUMPRODUCT(({squeezed(name_range)}={squeezed(ref)})*(({role_test})>0))>0"


def live(condition: str) -> str:
    """The conditional format's formula: the switch name first, so every rule opsbook
    embeds names it (that is also how clear finds them) and a team can turn them all off
    by setting _opsbook_on to FALSE in the Name Manager."""
    return f"AND({NAME_ON},{condition})"


def at_row(formula: str, row: int) -> str:
    return formula.replace(ROW, str(row))

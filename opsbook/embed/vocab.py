"""The vocabulary's expression trees (opsbook.catalog.vocabulary) compiled to formulas.

A rule declared in the vocabulary (``when=`` / ``fails_if=``) is compiled by walking its
tree: each predicate becomes the fragment of the same name in opsbook.embed.formulas.  A
predicate a formula cannot express (``matches``: a regular expression; anything about
``as_of``, the moment of the run) raises ``NotAFormula`` with the reason, which the 說明
sheet shows.  Rules still written in Python go through opsbook.embed.mapping.
"""

from __future__ import annotations

from ..catalog.vocabulary import AS_OF, And, Call, Not, Or, resolve
from . import formulas as f


class NotAFormula(Exception):
    """The expression uses something a spreadsheet formula cannot express (the reason)."""


def table_name(table: str, column: str) -> str:
    return f"_opsbook_{table}_{column}"


class Compiler:
    """Compiles one rule's tree for one table: ``cols`` its column letters, ``env`` the
    engine's own resolver of settings and ``target`` (catalog.predicates.Env), ``names``
    collects the companion-table columns a lookup needs (defined names to add)."""

    def __init__(self, cols: f.Columns, env, names: set[tuple[str, str]]):
        self.cols, self.env, self.names = cols, env, names

    def __call__(self, expr) -> str:
        if isinstance(expr, And):
            return f.all_of(*(self(e) for e in expr.items))
        if isinstance(expr, Or):
            return f.any_of(*(self(e) for e in expr.items))
        if isinstance(expr, Not):
            return f.negate(self(expr.item))
        if isinstance(expr, Call):
            args = [resolve(a, self.env) for a in expr.args]
            kwargs = {k: resolve(v, self.env) for k, v in expr.kwargs}
            method = getattr(self, "p_" + expr.name, None)
            if method is None:
                raise NotAFormula(f"predicate {expr.name}() has no formula")
            if any(a == AS_OF for a in args):
                raise NotAFormula("judged against the moment of the run (as_of)")
            columns = [a for a in args if isinstance(a, str) and self._is_column(a)]
            if any(not self.cols.has(c) for c in columns):
                return "FALSE"  # the vocabulary: a predicate about a missing column is False
            return method(*args, **kwargs)
        raise NotAFormula(f"unknown expression {expr!r}")

    def _is_column(self, key: str) -> bool:
        try:
            self.cols.spec.column(key)
            return True
        except KeyError:
            return False

    def _ref(self, key: str) -> str:
        return self.cols.ref(key)

    def _type(self, key: str) -> str:
        return self.cols.spec.column(key).type

    # predicates -----------------------------------------------------------------------
    def p_blank(self, k):
        return f.blank(self._ref(k))

    def p_filled(self, k):
        return f.filled(self._ref(k))

    def p_known(self, k):
        kind = self._type(k)
        if kind in ("date", "datetime", "number"):
            return f.number(self._ref(k))
        if kind == "bool":
            return f.any_of(f.yes(self._ref(k)), f.no(self._ref(k)))
        return f.filled(self._ref(k))

    def p_unknown(self, k):
        return f.negate(self.p_known(k))

    def p_yes(self, k):
        return f.yes(self._ref(k))

    def p_no(self, k):
        return f.no(self._ref(k))

    def p_one_of(self, k, words):
        return f.one_of(self._ref(k), words)

    def p_matches(self, k, pattern):
        raise NotAFormula("a regular expression: no spreadsheet function in all three programs")

    def p_between(self, k, low, high):
        r = self._ref(k)
        return f.when_numbers((r,), f"AND({r}>={low},{r}<={high})")

    def p_nonzero(self, k):
        r = self._ref(k)
        return f.all_of(f.number(r), f"{r}<>0")

    def p_exceeds(self, a, b):
        x, y = self._ref(a), self._ref(b)
        return f.when_numbers((x, y), f"{x}>{y}")

    def p_later_than(self, a, b, n=0, unit=None):
        x, y = self._ref(a), self._ref(b)
        if unit is None:
            if n:
                raise NotAFormula("later_than(a, b, n) without a unit")
            return f.later_than(x, y)
        if unit == "hours":
            # Whole seconds: a serial date's binary fraction would put "exactly n h" either side.
            return f.when_numbers((x, y), f"ROUND(({x}-{y})*86400,0)>{int(n * 3600)}")
        if unit == "days":
            return f.when_numbers((x, y), f"INT({x})>INT({y})+{int(n)}")
        if unit == "working_days":
            deadline = f.working_days_after(y, int(n))
            return f.when_numbers((x, y), f"IFERROR(INT({x})>{deadline},FALSE)")
        raise NotAFormula(f"later_than unit {unit}")

    def p_before(self, a, b):
        return self.p_later_than(b, a)

    def p_in_table(self, k, ref, where=None, among=None):
        table, column = ref
        self.names.add((table, column))
        names = table_name(table, column)
        if where is None:
            test = f"({f.squeezed(names)}={f.squeezed(self._ref(k))})*1"
        else:
            self.names.add(where)
            roles = table_name(*where)
            role_test = "+".join(f"({f.squeezed(roles)}={f.quoted(r)})" for r in f.forms(among))
            test = f"({f.squeezed(names)}={f.squeezed(self._ref(k))})*(({role_test})>0)"
        # An empty cell is in no table (the engine's folded value is NA), whatever the
        # empty cells below the companion table's last row would match.
        return f.all_of(f.filled(self._ref(k)), f"SUMPRODUCT({test})>0")

"""The rule vocabulary: a row rule written as TEXT, parsed into a tree of plain dataclasses.

A row rule is declared as three expressions (see ``RowRule``)::

    when     = "one_of(platform, {website_platforms})"          # the rows it governs
    fails_if = "filled(reviewed_at) and later_than(reviewed_at, published_at)"
    target   = "reviewed_at"                                      # the cell it marks

The same text can live in a spreadsheet cell (the rulebook of issue 23) and be compiled by
another back end (Excel formulas, issue 23's embed): every back end walks the same tree.

Grammar (a subset of Python's expression syntax, parsed with ``ast``; nothing is evaluated)::

    expr     := expr "and" expr | expr "or" expr | "not" expr | "(" expr ")" | call
    call     := NAME "(" [arg ("," arg)*] ["," NAME "=" arg ...] ")"     # a predicate
    arg      := NAME            a column key of the rule's table (``reviewer``);
                                ``target``: the column the rule marks (the first of its
                                targets the sheet has); ``as_of``: the run's "now";
                                as a ``unit=`` value: a unit name (days, working_days, hours)
              | NAME "." NAME   a column of a companion table (``roster.name``)
              | "{" NAME "}"    a setting of the kind's section (``{news_working_days}``), or
                "{" NAME "." NAME "}" one of another section (``{posts.website_platforms}``)
              | "-" arg         a negated number or setting
              | STRING | NUMBER | "[" literal ("," literal)* "]"

The tree (``Expr``): ``And(items)``, ``Or(items)``, ``Not(item)`` and ``Call(name, args,
kwargs)`` are boolean; a call's arguments are ``Column(key)``, ``Target()``, ``AsOf()``,
``TableColumn(table, column)``, ``Setting(name, section)``, ``Negative(of)`` or
``Literal(value)`` (a str, int, float, bool or a tuple of them).  ``parse(text)`` checks every
call against the registry (name, arity, argument types) and raises ``VocabularyError`` with
the text and the reason; ``to_text(expr)`` writes the tree back (``parse(to_text(e)) == e``).

Predicates are registered once, by name, the way pandera registers check methods
(``pandera.extensions.register_check_method``)::

    @predicate("blank", COLUMN, doc="the cell is empty as written")
    def _blank(env, key): ...

Each ``Predicate`` has a name, typed parameters (``Param(name, type, default)``; the types
are ``COLUMN``, ``TABLE_COLUMN``, ``VALUE``, ``VALUES``, ``NUMBER``, ``UNIT``) and its pandas
implementation, ``fn(env, *args) -> bool Series`` (arguments resolved: a column key as str, a
setting as its value, a table column as ``(table, column)``).  The pandas implementations are
in ``opsbook.catalog.predicates``; a kind may register its own.  ``settings_used(expr)`` and
``columns_used(expr)`` list what an expression reads.

Semantics every back end keeps: a predicate about a column the sheet does not have is False on
every row (so ``not`` of it is True: "no 狀態 column" means "not returned"); a predicate is
never NA (an empty or unreadable value makes it False, except ``blank``/``unknown``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

# Argument types ------------------------------------------------------------------------

COLUMN = "column"  # a column key of the rule's table, ``target`` or ``as_of``
TABLE_COLUMN = "table_column"  # table.column of a companion table
VALUE = "value"  # one literal (or a setting)
VALUES = "values"  # a list of literals (or a setting holding a list)
NUMBER = "number"  # a number, a setting, or either negated
UNIT = "unit"  # a unit name: days, working_days, hours

UNITS = ("days", "working_days", "hours")


class VocabularyError(ValueError):
    """A rule's text does not parse, or names an unknown predicate or a wrong argument."""


# The tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str


@dataclass(frozen=True)
class Target:
    """The column the rule marks (the first of its targets present in the sheet)."""


@dataclass(frozen=True)
class AsOf:
    """The run's "now" (``--as-of``), as a column of equal timestamps."""


@dataclass(frozen=True)
class TableColumn:
    table: str
    column: str


@dataclass(frozen=True)
class Setting:
    name: str
    section: str | None = None  # None: the kind's own section


@dataclass(frozen=True)
class Negative:
    of: Any  # a Literal number or a Setting


@dataclass(frozen=True)
class Literal:
    value: Any  # str, int, float, bool, or a tuple of them


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: Any


Expr = And | Or | Not | Call
Arg = Column | Target | AsOf | TableColumn | Setting | Negative | Literal


# The registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any = field(default=None)
    required: bool = True


@dataclass(frozen=True)
class Predicate:
    name: str
    params: tuple[Param, ...]
    fn: Callable
    doc: str = ""


PREDICATES: dict[str, Predicate] = {}


def param(name: str, type: str, default: Any = None) -> Param:  # noqa: A002 - named as in the declarations
    """An optional parameter (with its default); a bare type in ``predicate`` is required."""
    return Param(name, type, default, required=False)


def predicate(name: str, *params: str | Param, doc: str = ""):
    """Register ``fn(env, *args)`` as the predicate ``name``.  A name is registered once."""
    spec = tuple(
        p if isinstance(p, Param) else Param(f"arg{i}", p) for i, p in enumerate(params, 1)
    )

    def register(fn: Callable) -> Callable:
        if name in PREDICATES:
            raise ValueError(f"predicate {name!r} is already registered")
        PREDICATES[name] = Predicate(name, spec, fn, doc or (fn.__doc__ or "").strip())
        return fn

    return register


# Parsing --------------------------------------------------------------------------------


@cache
def parse(text: str) -> Expr:
    """The tree of ``text``, every call checked against the registry."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        raise VocabularyError(f"{text!r}: not an expression ({e.msg})") from None
    return _bool(node, text)


def _bool(node: ast.AST, text: str) -> Expr:
    if isinstance(node, ast.BoolOp):
        items = tuple(_bool(v, text) for v in node.values)
        return And(items) if isinstance(node.op, ast.And) else Or(items)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return Not(_bool(node.operand, text))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _call(node, text)
    raise VocabularyError(f"{text!r}: expected a predicate call, and/or/not, got {_src(node)}")


def _call(node: ast.Call, text: str) -> Call:
    name = node.func.id  # type: ignore[attr-defined]
    pred = PREDICATES.get(name)
    if pred is None:
        raise VocabularyError(f"{text!r}: unknown predicate {name!r} (known: {known()})")
    if len(node.args) > len(pred.params):
        raise VocabularyError(f"{text!r}: {name} takes at most {len(pred.params)} arguments")
    args = tuple(_arg(a, p.type, text) for a, p in zip(node.args, pred.params))
    by_name = {p.name: p for p in pred.params}
    kwargs = []
    for kw in node.keywords:
        p = by_name.get(kw.arg or "")
        if p is None or any(q.name == kw.arg for q in pred.params[: len(args)]):
            raise VocabularyError(f"{text!r}: {name} has no keyword {kw.arg!r}")
        kwargs.append((p.name, _arg(kw.value, p.type, text)))
    given = {p.name for p in pred.params[: len(args)]} | {k for k, _ in kwargs}
    missing = [p.name for p in pred.params if p.required and p.name not in given]
    if missing:
        raise VocabularyError(f"{text!r}: {name} is missing {', '.join(missing)}")
    return Call(name, args, tuple(kwargs))


def _arg(node: ast.AST, type: str, text: str) -> Arg:  # noqa: A002 - named as in the declarations
    def wrong(what: str) -> VocabularyError:
        return VocabularyError(f"{text!r}: {_src(node)} is not {what}")

    if type == UNIT:
        if isinstance(node, ast.Name) and node.id in UNITS:
            return Literal(node.id)
        raise wrong(f"a unit ({', '.join(UNITS)})")
    if type == COLUMN:
        if isinstance(node, ast.Name):
            special: dict[str, Arg] = {"target": Target(), "as_of": AsOf()}
            return special.get(node.id) or Column(node.id)
        raise wrong("a column key")
    if type == TABLE_COLUMN:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return TableColumn(node.value.id, node.attr)
        raise wrong("table.column")
    if isinstance(node, ast.Set) and len(node.elts) == 1:
        ref = node.elts[0]
        if isinstance(ref, ast.Name):
            return Setting(ref.id)
        if isinstance(ref, ast.Attribute) and isinstance(ref.value, ast.Name):
            return Setting(ref.attr, ref.value.id)
        raise wrong("a setting name")
    if type == NUMBER and isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _arg(node.operand, NUMBER, text)
        if isinstance(inner, Literal):
            return Literal(-inner.value)
        return Negative(inner)
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise wrong("a literal or a {setting}") from None
    if type == VALUES:
        if not isinstance(value, list | tuple):
            raise wrong("a list")
        return Literal(tuple(value))
    if type == NUMBER and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise wrong("a number")
    return Literal(value)


def _src(node: ast.AST) -> str:
    return repr(ast.unparse(node))


def known() -> str:
    return ", ".join(sorted(PREDICATES))


# Writing back and walking ---------------------------------------------------------------


def to_text(expr: Expr | Arg) -> str:
    """The text of a tree; ``parse(to_text(e)) == e``."""
    if isinstance(expr, And | Or):
        word = " and " if isinstance(expr, And) else " or "
        return word.join(_grouped(i, expr) for i in expr.items)
    if isinstance(expr, Not):
        return "not " + _grouped(expr.item, expr)
    if isinstance(expr, Call):
        parts = [to_text(a) for a in expr.args] + [f"{k}={to_text(v)}" for k, v in expr.kwargs]
        return f"{expr.name}({', '.join(parts)})"
    if isinstance(expr, Column):
        return expr.key
    if isinstance(expr, Target):
        return "target"
    if isinstance(expr, AsOf):
        return "as_of"
    if isinstance(expr, TableColumn):
        return f"{expr.table}.{expr.column}"
    if isinstance(expr, Setting):
        return "{" + (f"{expr.section}." if expr.section else "") + expr.name + "}"
    if isinstance(expr, Negative):
        return "-" + to_text(expr.of)
    if isinstance(expr, Literal):
        value = expr.value
        if isinstance(value, tuple):
            return "[" + ", ".join(_literal(v) for v in value) + "]"
        if isinstance(value, str) and value in UNITS:
            return value  # a unit= name is written bare
        return _literal(value)
    raise TypeError(f"not a vocabulary node: {expr!r}")


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def _grouped(item: Expr, parent: Expr) -> str:
    # `not` binds tighter than `and`, `and` tighter than `or`: parenthesise a looser child.
    rank = {Or: 0, And: 1, Not: 2, Call: 3}
    text = to_text(item)
    return f"({text})" if rank[type(item)] < rank[type(parent)] else text


def conjoin(*exprs: Expr) -> Expr:
    """``a and b and …`` as one flat ``And`` (as the text of it parses)."""
    items: list = []
    for e in exprs:
        items += e.items if isinstance(e, And) else [e]
    return items[0] if len(items) == 1 else And(tuple(items))


def walk(expr: Expr | Arg):
    """Every node of the tree, parents first."""
    yield expr
    if isinstance(expr, And | Or):
        for item in expr.items:
            yield from walk(item)
    elif isinstance(expr, Not):
        yield from walk(expr.item)
    elif isinstance(expr, Call):
        for a in expr.args:
            yield from walk(a)
        for _, v in expr.kwargs:
            yield from walk(v)
    elif isinstance(expr, Negative):
        yield from walk(expr.of)


def settings_used(expr: Expr) -> tuple[Setting, ...]:
    """The settings an expression reads, in order of appearance, once each."""
    return tuple(dict.fromkeys(n for n in walk(expr) if isinstance(n, Setting)))


def columns_used(expr: Expr) -> tuple[str, ...]:
    """The column keys of the rule's own table an expression reads."""
    return tuple(dict.fromkeys(n.key for n in walk(expr) if isinstance(n, Column)))


def tables_used(expr: Expr) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n.table for n in walk(expr) if isinstance(n, TableColumn)))


# Evaluating (the pandas back end) -------------------------------------------------------


def evaluate(expr: Expr, env) -> Any:
    """The boolean Series of ``expr`` over ``env``'s rows (pandas back end).  ``env`` gives
    the rows, their columns, settings and companion tables (``opsbook.catalog.predicates``)."""
    if isinstance(expr, And):
        out = evaluate(expr.items[0], env)
        for item in expr.items[1:]:
            out = out & evaluate(item, env)
        return out
    if isinstance(expr, Or):
        out = evaluate(expr.items[0], env)
        for item in expr.items[1:]:
            out = out | evaluate(item, env)
        return out
    if isinstance(expr, Not):
        return ~evaluate(expr.item, env)
    pred = PREDICATES[expr.name]
    kwargs = {k: resolve(v, env) for k, v in expr.kwargs}
    return pred.fn(env, *(resolve(a, env) for a in expr.args), **kwargs)


def resolve(arg: Arg, env) -> Any:
    """An argument as a predicate's implementation receives it."""
    if isinstance(arg, Column):
        return arg.key
    if isinstance(arg, Target):
        return env.target
    if isinstance(arg, AsOf):
        return AS_OF
    if isinstance(arg, TableColumn):
        return (arg.table, arg.column)
    if isinstance(arg, Setting):
        return env.setting(arg.name, arg.section)
    if isinstance(arg, Negative):
        return -resolve(arg.of, env)
    return arg.value


AS_OF = "\0as_of"  # the column key ``as_of`` resolves to (no sheet column can be named so)

# The built-in predicates register themselves (their module imports this one's names, all
# defined by now), so importing the vocabulary is enough to parse and walk any rule.
from . import predicates as _builtin  # noqa: E402, F401

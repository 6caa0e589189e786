"""Each table of a kind as a pandera ``DataFrameSchema``, built from the rule declarations,
and the row rules run through it.

One check per row rule, named by the rule id (``name=``), its ``error`` the clause and the
message.  A rule declared in the vocabulary is a call of the registered check method
``opsbook_rule`` whose statistics are the rule's text (``when``, ``fails_if``), its target
and the settings it reads, so pandera serialises it (``schema.to_yaml()``) and reads it back
(``pandera.io.pandas_io.from_yaml``) with opsbook installed — the check method is registered
when this module is imported.  A rule kept in Python is a plain ``pa.Check`` in the schema the
engine runs and is left out of the serialised one (its description lists it).

The engine runs the schema lazily (every check, never stopping at the first failure) over
the table's typed values and takes each failing check's rows from what pandera reports, the
check's output Series (``SchemaError.check_output``): one vectorised step per rule.  pandera
is asked for one failure case per check only: building a case per failing row costs seconds
on a 100k-row sheet where every row breaks a rule (measured, see docs/kinds.md).

The engine's schema declares the columns without types: the reader has already typed the
values with Excel's rules (serial dates, 是/否, Chinese dates), which pandera's coercion does
not know.  The exported schema (``opsbook schema KIND``) declares each column's type with
``coerce=True`` for a data team that starts from plain values.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import pandas as pd

from .base import RowRule
from .predicates import Env, FrameTable
from .vocabulary import conjoin, evaluate, parse, settings_used

if TYPE_CHECKING:
    from ..workbook.specs import TableSpec
    from ..workbook.tables import Table
    from .base import Context

CHECK_METHOD = "opsbook_rule"
# The table and context of the run in progress: the registered check reads them, so the
# schema a data team loads (no opsbook run) and the engine's run share one check method.
_RUN: ContextVar[tuple[Any, Any] | None] = ContextVar("opsbook_rule_run", default=None)

PANDERA_TYPES = {
    "text": "str",
    "number": "float64",
    "bool": "boolean",
    "date": "datetime64[ns]",
    "datetime": "datetime64[ns]",
}


def _register() -> None:
    from pandera import extensions
    from pandera.api.checks import Check

    if CHECK_METHOD in Check.REGISTERED_CUSTOM_CHECKS:
        return

    def opsbook_rule(
        df: pd.DataFrame, *, fails_if: str, when: str | None, target: list, section, settings
    ) -> pd.Series:
        """True on the rows that keep the rule (pandera's sense of a check)."""
        expr = parse(fails_if) if when is None else conjoin(parse(when), parse(fails_if))
        run = _RUN.get()
        if run is not None:
            table, ctx = run
            key = next((k for k in target if table.has(k)), None)
            env = Env.of(table, ctx, ctx.section, key)
        else:
            # Outside a run (a schema a data team loaded): "now" is as-of, the calendar
            # the default one.
            from ..config import DEFAULTS
            from ..workcalendar import calendar_for

            frame = FrameTable(df)
            key = next((k for k in target if k in df.columns), None)
            now = pd.Timestamp.now().floor("s")
            calendar = calendar_for(DEFAULTS["general"]["calendar"])
            env = Env(frame, settings, section, as_of=now, calendar=calendar, target=key)
        return ~evaluate(expr, env)

    extensions.register_check_method(
        opsbook_rule, statistics=["fails_if", "when", "target", "section", "settings"]
    )
    registered = Check.REGISTERED_CUSTOM_CHECKS[CHECK_METHOD]

    def named(*args, name: str | None = None, **kwargs):
        # pandera names a registered check after its method and refuses name= (so its own
        # to_script output would not run); the rule id is the name the report and the
        # serialised schema carry.  The wrapped function keeps the method's name, where
        # Check.registry_name looks for the registration when serialising.
        check = registered(*args, **kwargs)
        check._check_fn.__name__ = CHECK_METHOD
        if name is not None:
            check.name = name
        return check

    Check.REGISTERED_CUSTOM_CHECKS[CHECK_METHOD] = named


_register()


def rule_check(rule: RowRule, settings: dict, section: str | None, n_failure_cases=None):
    """The rule as one named pandera check (a registered one when it is declared)."""
    import pandera.pandas as pa

    error = f"{rule.clause} {rule.message}"
    if rule.declared:
        used: dict[str | None, dict] = {}
        for text in (rule.when, rule.fails_if):
            if text is None:
                continue
            for ref in settings_used(parse(text)):
                sec = ref.section or section
                used.setdefault(sec, {})[ref.name] = settings[sec][ref.name]
        targets = [rule.target] if isinstance(rule.target, str) else list(rule.target)
        return pa.Check.opsbook_rule(
            name=rule.id,
            fails_if=rule.fails_if,
            when=rule.when,
            target=targets,
            section=section,
            settings=used,
            error=error,
            ignore_na=False,
            n_failure_cases=n_failure_cases,
        )

    def python_rule(df: pd.DataFrame, rule: RowRule = rule) -> pd.Series:
        run = _RUN.get()
        if run is None:
            raise RuntimeError(f"{rule.id} is checked in Python by opsbook itself")
        table, ctx = run
        return ~rule.failing(table, ctx).reindex(df.index, fill_value=False).astype(bool)

    return pa.Check(
        python_rule, name=rule.id, error=error, ignore_na=False, n_failure_cases=n_failure_cases
    )


def table_schema(
    spec: TableSpec,
    rules: list,
    settings: dict,
    section: str | None,
    typed: bool = True,
    keys: list[str] | None = None,
    n_failure_cases: int | None = None,
):
    """The pandera schema of one table: its columns (``keys``: those the sheet has; all by
    default), typed and coerced when ``typed``, and one check per row rule of the table."""
    import pandera.pandas as pa

    row_rules = [r for r in rules if isinstance(r, RowRule) and r.table == spec.name]
    columns = {
        c.key: pa.Column(
            PANDERA_TYPES[c.type] if typed else None,
            nullable=True,
            required=False,
            coerce=typed,
            title=c.aliases[1] if len(c.aliases) > 1 else c.key,
            description=" / ".join(c.aliases[1:]) or None,
        )
        for c in spec.columns
        if keys is None or c.key in keys
    }
    checks = [
        rule_check(r, settings, section, n_failure_cases)
        for r in row_rules
        if typed is False or r.declared
    ]
    python = [r.id for r in row_rules if not r.declared]
    description = f"{spec.title} ({spec.kind})"
    if typed and python:
        description += "; checked by opsbook in Python, not here: " + ", ".join(python)
    return pa.DataFrameSchema(
        columns, checks=checks, name=spec.name, description=description, strict=False
    )


def failing_rows(table: Table, rules: list[RowRule], ctx: Context) -> dict[str, pd.Index]:
    """Run the row rules as the table's lazy pandera schema: rule id → the rows (worksheet
    rows, the table's index) pandera found breaking it."""
    if not rules or table.data.empty:
        return {}
    from pandera.errors import SchemaError, SchemaErrors

    schema = table_schema(
        table.spec,
        rules,
        ctx.settings,
        ctx.section,
        typed=False,
        keys=list(table.data.columns),
        n_failure_cases=1,
    )
    token = _RUN.set((table, ctx))
    try:
        schema.validate(table.data, lazy=True)
    except SchemaErrors as errors:
        found: dict[str, pd.Index] = {}
        for error in errors.schema_errors:
            output = getattr(error, "check_output", None)
            if output is None:  # the check itself raised: a bug in a rule, never hidden
                raise _check_error(error) from None
            passed = output.to_numpy(dtype=bool)
            found[error.check.name] = output.index[~passed]
        return found
    except SchemaError as error:  # pragma: no cover - lazy validation raises SchemaErrors
        raise _check_error(error) from None
    finally:
        _RUN.reset(token)
    return {}


def _check_error(error) -> Exception:
    cause = getattr(error, "__cause__", None) or error
    return RuntimeError(f"rule {getattr(error.check, 'name', '?')} failed to run: {cause}")

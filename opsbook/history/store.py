"""The run history: every `validate` run and its violations, in SQLite or PostgreSQL.

One code path for both through SQLAlchemy Core.  A run is written in one transaction (its
row, its files, its violations), so a reader never sees half a run and two runs written at
once never mix: on SQLite the transaction takes the write lock up front (``BEGIN
IMMEDIATE``) and a second writer waits for it (busy timeout); on PostgreSQL each run gets its
own id from the sequence.  The schema carries its version in ``opsbook_schema`` and is
migrated forward, one step at a time, when a database is opened (under a lock, so two runs
opening a new database at once do not both create it).
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from .. import __version__
from ..errors import OpsbookError
from .records import file_name

DEFAULT_NAME = ".opsbook-history.sqlite"
SCHEMA_VERSION = 2


def _tables(md: sa.MetaData, version: int) -> tuple[sa.Table, sa.Table, sa.Table, sa.Table]:
    """The tables as schema ``version`` has them."""
    schema = sa.Table("opsbook_schema", md, sa.Column("version", sa.Integer, nullable=False))
    run = sa.Table(
        "runs",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.String(32), nullable=False),  # UTC, ISO 8601
        sa.Column("finished_at", sa.String(32), nullable=False),
        sa.Column("as_of", sa.String(32), nullable=False),
        sa.Column("paths", sa.Text, nullable=False),  # JSON list: what was checked, as given
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("opsbook", sa.String(32), nullable=False),
        sa.Column("files", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("options", sa.Text, nullable=False),  # JSON: --kind, --from/--to, --cluster …
    )
    files = sa.Table(
        "run_files",
        md,
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("file", sa.String(1024), nullable=False),  # identity (file name) across runs
        sa.Column("path", sa.Text, nullable=False),  # as the run named it
        sa.Column("kind", sa.String(32)),
        sa.Column("error", sa.Text),  # could not be read
        sa.Column("output", sa.Text),  # annotated copy written
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        *([sa.Column("team", sa.String(255))] if version >= 2 else []),
    )
    found = sa.Table(
        "violations",
        md,
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("file", sa.String(1024), nullable=False),
        sa.Column("sheet", sa.String(255), nullable=False),
        sa.Column("row", sa.Integer),
        sa.Column("cell", sa.String(16)),
        sa.Column("clause", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("message", sa.Text),
        *([sa.Column("month", sa.String(7))] if version >= 2 else []),  # YYYY-MM of the record
    )
    return schema, run, files, found


metadata = sa.MetaData()
schema_table, runs, run_files, violations = _tables(metadata, SCHEMA_VERSION)


def _v1(conn) -> None:
    """The first schema: runs, their files and violations (no team, no record month)."""
    v1 = sa.MetaData()
    _, *tables = _tables(v1, 1)
    v1.create_all(conn, tables=tables)


def _v2(conn) -> None:
    """Teams and record months for the overview's trend; indexes for the diff."""
    conn.execute(sa.text("ALTER TABLE run_files ADD COLUMN team VARCHAR(255)"))
    conn.execute(sa.text("ALTER TABLE violations ADD COLUMN month VARCHAR(7)"))
    conn.execute(sa.text("CREATE INDEX ix_violations_run ON violations (run_id, file)"))
    conn.execute(sa.text("CREATE INDEX ix_run_files_file ON run_files (file, run_id)"))


MIGRATIONS = [_v1, _v2]  # MIGRATIONS[i] takes a database from version i to i + 1
assert len(MIGRATIONS) == SCHEMA_VERSION


class HistoryError(OpsbookError):
    pass


def resolve_target(target: str | Path | None, checked: Iterable[Path] = ()) -> str:
    """A database URL for ``--history``: a URL as given, a path as a SQLite file, nothing as
    the default file in the (first) folder checked."""
    if target is None or str(target) == "":
        first = next(iter(checked), Path("."))
        folder = first if first.is_dir() else first.parent
        target = folder / DEFAULT_NAME
    text = str(target)
    if "://" in text:
        return text
    return "sqlite:///" + Path(text).absolute().as_posix()


def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 120}, poolclass=sa.pool.NullPool)

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection, record):  # SQLAlchemy's recipe for SQLite transactions
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin(conn):  # take the write lock up front: no deadlock between two writers
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        return sa.create_engine(url, poolclass=sa.pool.NullPool)
    except ModuleNotFoundError as exc:
        raise HistoryError(
            f"--history {url.split('://')[0]}://…: the database driver is not installed "
            f"({exc.name}); pip install 'opsbook[postgres]'"
        ) from None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class Diff:
    """Violations of run ``b`` against run ``a`` (or, with no ``a``, against each file's
    previous run), counted per file, clause and severity."""

    a: int | None
    b: int
    files: list[str]  # compared (checked in both, readable in both)
    table: pd.DataFrame  # file, clause, severity, new, fixed, open

    @property
    def new(self) -> int:
        return int(self.table["new"].sum())

    @property
    def fixed(self) -> int:
        return int(self.table["fixed"].sum())

    @property
    def still_open(self) -> int:
        return int(self.table["open"].sum())


class History:
    """``History(target)`` opens (creating or migrating) the database named by a path or
    URL."""

    def __init__(self, target: str | Path):
        self.url = resolve_target(target)
        if self.url.startswith("sqlite:///"):
            Path(self.url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = _engine(self.url)
        try:
            self._migrate()
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(
                f"history {self.display}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
            ) from None

    @property
    def display(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- schema -------------------------------------------------------------------------
    def version(self) -> int:
        with self.engine.connect() as conn:
            return self._version(conn)

    def _version(self, conn) -> int:
        if not sa.inspect(conn).has_table("opsbook_schema"):
            return 0
        return int(conn.execute(sa.select(sa.func.max(schema_table.c.version))).scalar() or 0)

    def _migrate(self, upto: int = SCHEMA_VERSION) -> None:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # one migrator at a time
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7262616)"))
            current = self._version(conn)
            if current > SCHEMA_VERSION:
                raise HistoryError(
                    f"history {self.display}: schema version {current} is newer than this "
                    f"opsbook ({SCHEMA_VERSION}); upgrade opsbook"
                )
            if current == 0:
                schema_table.create(conn, checkfirst=True)
                conn.execute(schema_table.insert().values(version=0))
            for step in range(current, upto):
                MIGRATIONS[step](conn)
                conn.execute(schema_table.update().values(version=step + 1))

    # --- writing ------------------------------------------------------------------------
    def record(
        self,
        report,
        paths: Iterable[str | Path] = (),
        started_at: str | None = None,
        options: dict | None = None,
        teams: dict[str, str] | None = None,
    ) -> int:
        """Store one run (``report``: an ``opsbook.report.Report`` whose frame may carry the
        ``month``/``fingerprint`` columns of ``opsbook.history.records.enrich``); returns
        its id."""
        frame = report.frame
        identity = file_identities([f.file for f in report.files])
        teams = teams or {}
        if len(frame) and ("fingerprint" not in frame or frame["fingerprint"].isna().any()):
            raise HistoryError(
                "the report's violations carry no fingerprints (opsbook.history.records.enrich)"
            )
        counts = (
            frame.groupby(["file", "severity"]).size().unstack(fill_value=0)
            if len(frame)
            else pd.DataFrame()
        )
        file_rows = []
        for f in report.files:
            errors = (
                int(counts.loc[f.file, "error"])
                if f.file in counts.index and "error" in counts
                else 0
            )
            warnings = (
                int(counts.loc[f.file, "warning"])
                if f.file in counts.index and "warning" in counts
                else 0
            )
            file_rows.append(
                dict(
                    file=identity[f.file],
                    path=f.file,
                    kind=f.kind,
                    error=f.error,
                    output=f.output,
                    errors=errors,
                    warnings=warnings,
                    team=teams.get(f.file),
                )
            )
        v = frame
        violation_rows = (
            [
                dict(
                    file=identity.get(file, file_name(file)),
                    sheet=sheet,
                    row=_int(row),
                    cell=cell,
                    clause=clause,
                    rule=rule,
                    severity=severity,
                    fingerprint=fp,
                    message=message,
                    month=month if isinstance(month, str) else "",
                )
                for file, sheet, row, cell, clause, rule, severity, fp, message, month in zip(
                    v["file"],
                    v["sheet"],
                    v["row"],
                    v["cell"],
                    v["clause"],
                    v["rule"],
                    v["severity"],
                    v["fingerprint"],
                    v["message"],
                    v["month"] if "month" in v else [""] * len(v),
                )
            ]
            if len(v)
            else []
        )
        run = dict(
            started_at=started_at or _now(),
            finished_at=_now(),
            as_of=report.as_of.isoformat(),
            paths=json.dumps([str(p) for p in paths], ensure_ascii=False),
            host=socket.gethostname(),
            opsbook=__version__,
            files=len(report.files),
            errors=report.errors,
            warnings=report.warnings,
            options=json.dumps(options or {}, ensure_ascii=False, default=str),
        )
        try:
            with self.engine.begin() as conn:
                inserted = conn.execute(runs.insert().values(**run)).inserted_primary_key
                run_id = inserted[0]  # type: ignore[index]  # None only for executemany
                if file_rows:
                    conn.execute(run_files.insert(), [{**r, "run_id": run_id} for r in file_rows])
                for start in range(0, len(violation_rows), 5000):
                    conn.execute(
                        violations.insert(),
                        [{**r, "run_id": run_id} for r in violation_rows[start : start + 5000]],
                    )
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(
                f"history {self.display}: could not record the run: {str(exc).splitlines()[0]}"
            ) from None
        return int(run_id)

    # --- reading ------------------------------------------------------------------------
    def runs(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            frame = pd.DataFrame(
                conn.execute(sa.select(runs).order_by(runs.c.id)).mappings().all(),
                columns=[c.name for c in runs.columns],
            )
        return frame

    def files(self, run_ids: Iterable[int] | None = None) -> pd.DataFrame:
        query = sa.select(run_files, runs.c.as_of).join(runs, runs.c.id == run_files.c.run_id)
        if run_ids is not None:
            query = query.where(run_files.c.run_id.in_(list(run_ids)))
        with self.engine.connect() as conn:
            return pd.DataFrame(
                conn.execute(query).mappings().all(),
                columns=[c.name for c in run_files.columns] + ["as_of"],
            )

    def violations(self, run_ids: Iterable[int]) -> pd.DataFrame:
        query = sa.select(violations).where(violations.c.run_id.in_(list(run_ids)))
        with self.engine.connect() as conn:
            return pd.DataFrame(
                conn.execute(query).mappings().all(), columns=[c.name for c in violations.columns]
            )

    def last_run(self) -> int | None:
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(sa.func.max(runs.c.id))).scalar()
        return None if value is None else int(value)

    def diff(self, a: int | None = None, b: int | None = None) -> Diff:
        """New, fixed and still-open violations of run ``b`` (default: the last) against
        run ``a``; with no ``a``, each file of ``b`` against the last earlier run that read
        that file.  Only files read in both are compared; violations are matched by file
        and fingerprint, as many times as they occur."""
        b = self.last_run() if b is None else b
        if b is None:
            raise HistoryError(f"history {self.display}: no runs recorded yet")
        files = self.files()
        known = set(files["run_id"])
        for run in (a, b):
            if run is not None and run not in known:
                raise HistoryError(f"history {self.display}: no run {run}")
        readable = files[files["error"].isna()]
        mine = readable[readable["run_id"] == b]
        if a is not None:
            theirs = readable[readable["run_id"] == a]
            pairs = {f: a for f in set(mine["file"]) & set(theirs["file"])}
        else:
            earlier = readable[(readable["run_id"] < b) & readable["file"].isin(mine["file"])]
            pairs = earlier.groupby("file")["run_id"].max().astype(int).to_dict()
        old = self.violations(set(pairs.values())) if pairs else _empty_violations()
        old = old[
            pd.Series(
                [pairs.get(f) == r for f, r in zip(old["file"], old["run_id"])],
                index=old.index,
                dtype=bool,
            )
        ]
        new = self.violations([b])
        new = new[new["file"].isin(pairs)]
        table = compare(old, new)
        return Diff(a=a, b=b, files=sorted(pairs), table=table)

    def trend(self, severity: str = "error") -> pd.DataFrame:
        """Violations of ``severity`` per month and clause over the recorded runs: for each
        month (of a run's as-of) and workbook, the last run of that month that read it."""
        files = self.files()
        files = files[files["error"].isna()].copy()
        if not len(files):
            return pd.DataFrame(columns=["month", "clause", "count"])
        files["month"] = files["as_of"].str[:7]
        last = files.sort_values(["as_of", "run_id"]).groupby(["month", "file"]).tail(1)
        found = self.violations(set(last["run_id"]))
        found = found[found["severity"] == severity]
        found = found.drop(columns=["month"]).merge(
            last[["run_id", "file", "month"]], on=["run_id", "file"]
        )
        table = found.groupby(["month", "clause"]).size().rename("count").reset_index()
        months = pd.DataFrame({"month": sorted(set(last["month"]))})
        # a month with runs and no violation still shows (as zero) in the trend
        return (
            months.merge(table, how="left", on="month").fillna({"count": 0}).astype({"count": int})
        )


def compare(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Per file, clause and severity: new, fixed and still-open counts (fingerprints matched
    as multisets)."""
    keys = ["file", "clause", "severity", "fingerprint"]
    a = old.groupby(keys).size().rename("a")
    b = new.groupby(keys).size().rename("b")
    both = pd.concat([a, b], axis=1).fillna(0).astype(int)
    both["new"] = (both["b"] - both["a"]).clip(lower=0)
    both["fixed"] = (both["a"] - both["b"]).clip(lower=0)
    both["open"] = both[["a", "b"]].min(axis=1)
    if not len(both):
        return pd.DataFrame(columns=["file", "clause", "severity", "new", "fixed", "open"])
    table = (
        both.groupby(level=["file", "clause", "severity"])[["new", "fixed", "open"]]
        .sum()
        .reset_index()
    )
    return table.sort_values(["file", "clause", "severity"], ignore_index=True)


def file_identities(labels: Iterable[str]) -> dict[str, str]:
    """How a run's files are matched with other runs': by file name, or by folder/name when
    two files of the run share a name."""
    labels = list(labels)
    names = [file_name(x) for x in labels]
    out = {}
    for label, name in zip(labels, names):
        if names.count(name) > 1:
            parent = file_name(str(Path(label.replace("\\", "/")).parent)) or "."
            out[label] = f"{parent}/{name}"
        else:
            out[label] = name
    return out


def _empty_violations() -> pd.DataFrame:
    return pd.DataFrame(columns=[c.name for c in violations.columns])


def _int(value) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return None


def default_history_path(checked: Iterable[Path]) -> Path:
    first = next(iter(checked), Path("."))
    folder = first if first.is_dir() else first.parent
    return folder / DEFAULT_NAME

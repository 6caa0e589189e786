"""Past one machine: the workbooks of a batch as tasks on a Dask distributed cluster
(``validate --cluster tcp://HOST:8786`` or ``--cluster local:N``).

Each task is one workbook: the same function the ``--jobs`` processes run, called on a
worker, returning the same picklable report; the client gathers them in the order of the
files, so the report, the overview and the history are those of a local run.  A worker that
dies mid-task (killed, out of memory, machine lost) has its tasks rescheduled by the
scheduler on the other workers; each file's result is taken once, from its one future.

The workers open the workbooks themselves: every file (and the ``--output`` folder) must be
reachable at the same path on every worker — a shared folder mounted at the same place.
For a remote cluster the paths are made absolute before they are sent.  Dask is imported
only here, only when ``--cluster`` is used (``pip install 'opsbook[cluster]'``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import OpsbookError

LOCAL = re.compile(r"^local(?::(\d+))?$")
REMOTE = re.compile(r"^(tcp|tls)://[^/\s]+:\d+$")


class ClusterError(OpsbookError):
    pass


@dataclass(frozen=True)
class Target:
    local_workers: int | None  # local:N
    address: str | None  # tcp://HOST:PORT

    @property
    def remote(self) -> bool:
        return self.address is not None


def parse(spec: str) -> Target:
    """``local:N`` (N worker processes on this machine, loopback only) or
    ``tcp://HOST:PORT`` (a running scheduler)."""
    spec = spec.strip()
    local = LOCAL.match(spec)
    if local:
        n = int(local.group(1) or 2)
        if n < 1:
            raise ClusterError(f"--cluster {spec}: at least one worker")
        return Target(local_workers=n, address=None)
    if REMOTE.match(spec):
        return Target(local_workers=None, address=spec)
    raise ClusterError(f"--cluster {spec}: use tcp://HOST:PORT (a Dask scheduler) or local:N")


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            "--cluster needs Dask distributed: pip install 'opsbook[cluster]'"
        ) from None
    return distributed


@contextmanager
def client(spec: str | Target, timeout: float = 30):
    """A connected ``distributed.Client``; a local cluster is started (on 127.0.0.1, no
    dashboard) and stopped with it."""
    target = parse(spec) if isinstance(spec, str) else spec
    distributed = _import_distributed()
    cluster = None
    try:
        if target.remote:
            try:
                conn = distributed.Client(target.address, timeout=timeout)
            except OSError as exc:
                raise ClusterError(
                    f"--cluster {target.address}: cannot reach the scheduler ({exc})"
                ) from None
        else:
            cluster = distributed.LocalCluster(
                n_workers=target.local_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=40,
            )
            conn = distributed.Client(cluster, timeout=timeout)
        try:
            yield conn
        finally:
            conn.close()
    finally:
        if cluster is not None:
            cluster.close()


def run_tasks(
    fn: Callable[..., Any],
    tasks: list[tuple[Path, dict]],
    spec: str | Target,
    on_error: Callable[[Path, dict, BaseException], Any] | None = None,
    conn=None,
) -> Iterator[Any]:
    """``fn(path, kwargs)`` for each task on the cluster; results in the order of the tasks.
    A task that raised (on every allowed try) gives ``on_error(path, kwargs, exc)`` when
    given, else the exception propagates.  ``conn``: an already connected client."""
    target = parse(spec) if isinstance(spec, str) else spec
    if target.remote:  # the workers' working folder is not ours
        tasks = [(Path(path).absolute(), _absolute(kwargs)) for path, kwargs in tasks]
    if conn is None:
        with client(target) as conn:
            yield from _run(conn, fn, tasks, on_error)
    else:
        yield from _run(conn, fn, tasks, on_error)


def _run(conn, fn, tasks, on_error) -> Iterator[Any]:
    futures = [
        conn.submit(fn, path, kwargs, key=f"opsbook-{i}-{Path(path).name}", pure=False)
        for i, (path, kwargs) in enumerate(tasks)
    ]
    try:
        for (path, kwargs), future in zip(tasks, futures):
            try:
                result = future.result()
            except Exception as exc:  # the task's own error, or KilledWorker
                if on_error is None:
                    raise
                result = on_error(path, kwargs, exc)
            future.release()
            yield result
    finally:
        for future in futures:
            future.cancel()


def _absolute(kwargs: dict) -> dict:
    out = dict(kwargs)
    for key in ("output", "config_path"):
        if out.get(key) is not None:
            out[key] = Path(out[key]).absolute()
    return out

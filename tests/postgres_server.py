"""A throwaway PostgreSQL server for the history tests: Debian's postgresql package, a new
cluster in a temporary folder, listening on 127.0.0.1 only, stopped when the tests end.

As root (CI), the cluster runs as the ``postgres`` user the package creates (PostgreSQL
refuses to run as root); otherwise as the current user.  ``start()`` returns the server or
the reason it cannot start (no package, no ``postgres`` user …), which the tests skip with.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass


@dataclass
class Server:
    folder: str
    port: int
    bin: str
    runas: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def new_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run(
            [
                *self.runas,
                f"{self.bin}/pg_ctl",
                "-D",
                f"{self.folder}/data",
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start() -> Server | str:
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not versions:
        return "PostgreSQL is not installed (Debian package postgresql; .ci/run installs it)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'opsbook[postgres]')"
    bindir = os.path.dirname(versions[-1])
    runas: list[str] = []
    folder = tempfile.mkdtemp(prefix="opsbook-pg-")
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            return "running as root without runuser: cannot start PostgreSQL as another user"
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            return "no 'postgres' user to run the server as"
        os.chown(folder, pw.pw_uid, pw.pw_gid)
        runas = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = f"{folder}/data"
    init = subprocess.run(
        [
            *runas,
            f"{bindir}/initdb",
            "-D",
            data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if init.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        return f"initdb failed: {init.stderr.strip()[-300:]}"
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
    )
    started = subprocess.run(
        [
            *runas,
            f"{bindir}/pg_ctl",
            "-D",
            data,
            "-o",
            options,
            "-l",
            f"{folder}/log",
            "-w",
            "-t",
            "60",
            "start",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    server = Server(folder, port, bindir, runas)
    if started.returncode:
        log = (
            open(f"{folder}/log", encoding="utf-8", errors="replace").read()[-500:]
            if os.path.exists(f"{folder}/log")
            else ""
        )
        server.stop()
        return f"PostgreSQL did not start: {started.stderr.strip()[-300:]} {log}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    return "PostgreSQL started but does not accept connections on 127.0.0.1"

"""The project's tasks: `nox -s lint`, `nox -s test-fast`, `nox -s test`.

The sessions run in the environment they are started from (`venv_backend="none"`): the tests
need that environment's heavy packages and the system's LibreOffice, Chromium and PostgreSQL
(see .ci/run), so nox does not build a virtualenv of its own per session. Install once with
`python3 -m pip install -e ".[test]"`.
"""

from __future__ import annotations

import tempfile

import nox

nox.options.sessions = ["lint", "test-fast"]
PATHS = ["opsbook", "tests", "bench", "noxfile.py"]

# Left out of test-fast: the long tests (marked slow) and the run over the shared corpus of
# Excel-made workbooks (marked corpus); `nox -s test` and CI run them.
FAST = "not slow and not corpus"


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, mypy, and the docs built strictly (a broken link fails)."""
    session.run("ruff", "check", *PATHS)
    session.run("ruff", "format", "--check", *PATHS)
    session.run("mypy")  # its files and settings: [tool.mypy] in pyproject.toml
    with tempfile.TemporaryDirectory() as site:
        session.run("mkdocs", "build", "--strict", "--quiet", "--site-dir", site)


@nox.session(name="test-fast", venv_backend="none")
def test_fast(session: nox.Session) -> None:
    """Everything but the slow and corpus tests, for the edit-test loop."""
    session.run("python3", "-m", "pytest", "-m", FAST, *session.posargs)


@nox.session(venv_backend="none")
def test(session: nox.Session) -> None:
    """Every test, as CI runs it: the README's `python3 -m pytest`."""
    session.run("python3", "-m", "pytest", *session.posargs)


@nox.session(venv_backend="none")
def soak(session: nox.Session) -> None:
    """The long profiles left out of every other run (pytest's addopts deselect them)."""
    session.run("python3", "-m", "pytest", "-m", "soak", *session.posargs)

"""Fixtures every test module may ask for.

The helper modules beside the tests (helpers, paths, excel_standin, postgres_server …) are
importable because pyproject.toml's pytest settings put this folder on the path
(`pythonpath = ["tests"]`), not through a sys.path edit here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from paths import ROOT, SHARED


@pytest.fixture(scope="session")
def root() -> Path:
    """The checkout."""
    return ROOT


@pytest.fixture(scope="session")
def shared() -> Path:
    """The project's shared/ folder beside the checkout; a missing one is one clear failure."""
    if not SHARED.is_dir():
        pytest.fail(
            f"{SHARED} is missing: the tests expect the project's shared/ beside the checkout"
        )
    return SHARED


@pytest.fixture
def samples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled sample workbooks in workbooks/ of a fresh folder, made current."""
    shutil.copytree(ROOT / "workbooks", tmp_path / "workbooks")
    monkeypatch.chdir(tmp_path)
    return tmp_path

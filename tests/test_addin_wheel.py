"""The wheel carries the add-in's sources (the top-level macros/ folder, as opsbook.macros): build it, install it (no dependencies) into a fresh
virtual environment whose other packages come from this one, and build opsbook.xlam from
there, in a folder with no checkout nearby."""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from addin_read import sources, vba_bin
from paths import ROOT

from opsbook.excel.addin.sources import crlf

pytestmark = pytest.mark.slow  # builds the wheel and installs it into a fresh environment


def run(*args, **kwargs):
    # without PYTHONPATH: the installed wheel, not a checkout on the path, must be what runs
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        list(map(str, args)), capture_output=True, text=True, timeout=300, env=env, **kwargs
    )
    assert out.returncode == 0, (args, out.stdout[-1500:], out.stderr[-1500:])
    return out.stdout


def test_installed_wheel_builds_the_addin(tmp_path):
    src = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("opsbook", "macros"):  # the add-in is built from the top-level macros/
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        dist,
        src,
    )
    wheel = next(dist.glob("opsbook-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        bas = zf.read("opsbook/macros/opsbook.bas")  # macros/ shipped as opsbook.macros
        shipped = {n.split("/")[-1] for n in zf.namelist() if n.startswith("opsbook/macros/")}
    assert shipped == {p.name for p in (ROOT / "macros").iterdir()}  # all the add-in is built from
    assert b"\r\n" in bas and b"\n" not in bas.replace(b"\r\n", b"")  # CRLF in the package

    env_dir = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", env_dir)
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel)
    site = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    )
    # the dependencies (pandas, xlwings, xlsxwriter …) from this environment; its editable
    # opsbook is a .pth import hook there, which a path added this way does not run
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    work = tmp_path / "elsewhere"
    work.mkdir()
    location = run(python, "-c", "import opsbook; print(opsbook.__file__)", cwd=work)
    assert Path(location.strip()).is_relative_to(env_dir), location
    opsbook_cli = env_dir / ("Scripts/opsbook.exe" if sys.platform == "win32" else "bin/opsbook")
    run(opsbook_cli, "excel", "addin", "build", "--output", "X.xlam", cwd=work)
    built = sources(vba_bin(work / "X.xlam"))
    assert (
        built["opsbook"] == crlf(bas.decode("ascii"))
        and "xlwings" in built
        and "Dictionary" in built
    )

"""A batch survives its files: any failure is one line for that file, the others are checked,
exit code 2; --debug shows the traceback; Ctrl-C is exit 130 and one line."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import write_xlsx

from opsbook import pipeline
from opsbook.cli import cli, main

GOOD = {
    "發布日誌": [
        ["平台", "標題", "發布日期", "審核人", "負責人"],
        ["官網", "a", "2026-10-05", "陳經理", "張"],
    ]
}
BAD = {
    "發布日誌": [
        ["平台", "標題", "發布日期", "審核人", "負責人"],
        ["官網", "a", "2026-10-05", None, "張"],
    ]
}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def folder(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", GOOD)
    write_xlsx(tmp_path / "boom.xlsx", GOOD)
    write_xlsx(tmp_path / "c.xlsx", BAD)
    return tmp_path


def _explode_on_boom(real):
    def check_file(path, *args, **kwargs):
        if Path(path).name == "boom.xlsx":
            raise ZeroDivisionError("a bug that only this file triggers")
        return real(path, *args, **kwargs)

    return check_file


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unexpected_failure_is_one_line_and_the_others_are_checked(folder, monkeypatch, jobs):
    # Worker processes are forked, so they see the patch too.
    if jobs == "2" and multiprocessing.get_start_method() != "fork":
        pytest.skip("the patch reaches worker processes only when they are forked")
    monkeypatch.setattr(pipeline, "check_file", _explode_on_boom(pipeline.check_file))
    result = run("validate", folder, "--as-of", "2026-11-26", "--jobs", jobs)
    assert result.exit_code == 2
    failed = [ln for ln in result.output.splitlines() if ln.startswith("✗")]
    assert len(failed) == 1 and "boom.xlsx" in failed[0] and "ZeroDivisionError" in failed[0]
    assert "a.xlsx  [posts]" in result.output and "c.xlsx  [posts]" in result.output
    assert "Traceback" not in result.output


def test_debug_prints_the_traceback(folder, monkeypatch):
    monkeypatch.setattr(pipeline, "check_file", _explode_on_boom(pipeline.check_file))
    result = run("validate", folder, "--as-of", "2026-11-26", "--jobs", "1", "--debug")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "ZeroDivisionError" in result.stderr
    assert "Traceback" not in result.stdout


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the patch must reach the worker"
)
def test_a_worker_that_dies_is_one_line_and_the_batch_goes_on(folder, monkeypatch):
    real = pipeline.check_and_write

    def die_on_boom(path, **kwargs):
        if Path(path).name == "boom.xlsx":
            os._exit(9)  # as the kernel's OOM killer would leave it: no exception, no report
        return real(path, **kwargs)

    monkeypatch.setattr(pipeline, "check_and_write", die_on_boom)
    result = run("validate", folder, "--as-of", "2026-11-26", "--jobs", "2")
    assert result.exit_code == 2
    failed = [ln for ln in result.output.splitlines() if ln.startswith("✗")]
    assert len(failed) == 1 and "boom.xlsx" in failed[0] and "stopped" in failed[0]
    assert "a.xlsx  [posts]" in result.output and "c.xlsx  [posts]" in result.output


def test_a_writer_fault_is_a_write_error_and_the_file_is_untouched(folder, monkeypatch):
    from opsbook.writers import annotate

    def broken_save(*args, **kwargs):
        raise RuntimeError("zip copier: member sizes disagree")

    monkeypatch.setattr(annotate, "save_package", broken_save)
    before = (folder / "c.xlsx").read_bytes()
    result = run("validate", folder / "c.xlsx", "--as-of", "2026-11-26", "--write", "--no-backup")
    assert result.exit_code == 2
    assert "✗ 未寫入:" in result.output and "RuntimeError: zip copier" in result.output
    assert "R1-4.2.3" in result.output  # the check itself stands
    assert (folder / "c.xlsx").read_bytes() == before
    assert "Traceback" not in result.output


def test_ctrl_c_is_exit_130_and_one_line(folder, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "check_files", interrupted)
    with pytest.raises(SystemExit) as info:
        main(["validate", str(folder)])
    assert info.value.code == 130
    err = capsys.readouterr().err
    assert [ln for ln in err.splitlines() if ln.strip()] == ["opsbook: interrupted"]
    assert "Aborted" not in err


def test_a_real_sigint_exits_130(folder):
    """The signal itself, in a process of its own (no timing: the process signals itself
    while checking)."""
    script = (
        "import os, signal, sys\n"
        "from opsbook import pipeline\n"
        "real = pipeline.check_file\n"
        "def check_file(*a, **k):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(*a, **k)\n"
        "pipeline.check_file = check_file\n"
        "from opsbook.cli import main\n"
        f"main(['validate', {str(folder)!r}, '--jobs', '1'])\n"
    )
    # The child starts with SIGINT at its default: a process started with SIGINT ignored
    # (a background job of a non-interactive shell, as a CI runner or `pytest … &` starts
    # it) passes that on, Python then installs no KeyboardInterrupt handler, the signal is
    # ignored and the run ends normally with exit 1.  That was the flake.
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_default_sigint,
    )
    assert proc.returncode == 130, proc.stderr
    assert "opsbook: interrupted" in proc.stderr and "Traceback" not in proc.stderr


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_a_real_sigint_exits_130_even_when_started_with_sigint_ignored(folder):
    """The flake made deterministic: the same run, its parent ignoring SIGINT (as a
    background job's does), still exits 130."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        test_a_real_sigint_exits_130(folder)
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_crash_outside_the_batch_is_exit_2_not_1(monkeypatch, capsys, tmp_path):
    from opsbook import config

    def broken(*args, **kwargs):
        raise TypeError("unexpected")

    monkeypatch.setattr(config, "dump_config", broken)
    monkeypatch.setattr("opsbook.cli.dump_config", broken)
    with pytest.raises(SystemExit) as info:
        main(["config", "--show", str(tmp_path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "TypeError" in err and "Traceback" not in err
    with pytest.raises(SystemExit):
        main(["--debug", "config", "--show", str(tmp_path)])
    assert "Traceback" in capsys.readouterr().err


def test_clear_reports_errors_on_stderr(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    good = write_xlsx(tmp_path / "good.xlsx", GOOD)
    result = run("clear", bad, good)
    assert result.exit_code == 2
    assert "✗" in result.stderr and "bad.xlsx" in result.stderr
    assert "✗" not in result.stdout and "good.xlsx" in result.stdout

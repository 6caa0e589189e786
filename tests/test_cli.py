"""The command line: exit codes, the JSON report's shape, and one clear line for bad input."""

import json
import subprocess
import sys
import zipfile

import click
import pytest
from click.testing import CliRunner
from helpers import write_xlsx

from opsbook.cli import cli

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


def test_exit_0_when_clean_1_on_errors(tmp_path):
    assert (
        run("validate", write_xlsx(tmp_path / "good.xlsx", GOOD), "--as-of", "2026-11-26").exit_code
        == 0
    )
    assert (
        run("validate", write_xlsx(tmp_path / "bad.xlsx", BAD), "--as-of", "2026-11-26").exit_code
        == 1
    )


def test_json_report_shape(tmp_path):
    out = tmp_path / "out.json"
    result = run(
        "validate", write_xlsx(tmp_path / "bad.xlsx", BAD), "--as-of", "2026-11-26", "--report", out
    )
    assert result.exit_code == 1
    report = json.loads(out.read_text(encoding="utf-8"))
    assert {"violations", "not_checked", "summary", "files"} <= set(report)
    v = next(v for v in report["violations"] if v["rule"] == "posts.website.review_missing")
    assert v["file"].endswith("bad.xlsx") and v["sheet"] == "發布日誌"
    assert (v["row"], v["column"], v["cell"], v["clause"], v["severity"]) == (
        2,
        "審核人",
        "D2",
        "R1-4.2.3",
        "error",
    )
    assert "運營經理" in v["message"] and v["message_en"] and v["value"] is None
    assert all(
        {"rule", "reason", "clause", "sheet", "file"} <= set(n) for n in report["not_checked"]
    )
    assert report["summary"]["errors"] >= 1 and "R1-4.2.3" in report["summary"]["by_clause"]


@pytest.mark.parametrize(
    "name,content,says",
    [
        ("not-a-zip.xlsx", b"hello, I am text", "not a zip"),
        ("empty.xlsx", b"", "empty"),
        ("encrypted.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "save as .xlsx"),
        ("data.csv", b"a,b\n1,2\n", "not a workbook"),
        ("binary.xlsb", b"PK\x03\x04", ".xlsb"),
    ],
)
def test_bad_input_one_line_exit_2_and_batch_goes_on(tmp_path, name, content, says):
    bad = tmp_path / name
    bad.write_bytes(content)
    good = write_xlsx(tmp_path / "good.xlsx", GOOD)
    before = bad.read_bytes()
    result = run("validate", bad, good, "--as-of", "2026-11-26")
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.startswith("✗")]
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in result.output
    assert "good.xlsx" in result.output  # the other file was still checked
    assert bad.read_bytes() == before


def test_corrupt_zip(tmp_path):
    path = write_xlsx(tmp_path / "corrupt.xlsx", GOOD)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    result = run("validate", path)
    assert result.exit_code == 2 and "damaged" in result.output


def test_console_script_no_traceback(tmp_path):
    """The installed entry point, as a user runs it."""
    bad = tmp_path / "x.xlsx"
    bad.write_text("nope")
    proc = subprocess.run(
        [sys.executable, "-m", "opsbook", "validate", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout


def test_folder_of_workbooks(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", GOOD)
    write_xlsx(tmp_path / "b.xlsx", BAD)
    (tmp_path / "~$a.xlsx").write_bytes(b"lock")
    out = tmp_path / "checked"
    result = run("validate", tmp_path, "--as-of", "2026-11-26", "--output", out)
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["a.xlsx", "b.xlsx"]


def test_kind_override_and_period(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", BAD)
    out = tmp_path / "r.json"
    assert run("validate", path, "--as-of", "2026-11-26").exit_code == 1  # recognised as a post log
    # As an inspections workbook the post log is no known table: nothing to check, exit 0.
    result = run(
        "validate", path, "--kind", "inspections", "--as-of", "2026-11-26", "--report", out
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    assert result.exit_code == 0 and report["files"][0]["kind"] == "inspections"
    assert (
        report["violations"] == []
        and report["files"][0]["skipped_sheets"][0]["sheet"] == "發布日誌"
    )
    assert run("validate", path, "--from", "2026-10-01", "--to", "nonsense").exit_code == 2


def test_config_show_and_unknown_key(tmp_path):
    result = run("config", "--show", tmp_path)
    assert result.exit_code == 0 and "website_posts_per_week = 3" in result.output
    (tmp_path / "opsbook.toml").write_text(
        "[posts]\nwebsite_posts_per_weak = 2\n", encoding="utf-8"
    )
    result = run("config", "--show", tmp_path)
    assert result.exit_code == 2 and "unknown setting posts.website_posts_per_weak" in result.output


def test_opsbook_toml_beside_the_workbook_is_used(tmp_path):
    bad = write_xlsx(tmp_path / "bad.xlsx", BAD)
    out = tmp_path / "o.json"
    run("validate", bad, "--report", out)
    default = json.loads(out.read_text(encoding="utf-8"))["violations"]
    assert default and all(v["message"] != v["message_en"] for v in default)  # Chinese by default
    (tmp_path / "opsbook.toml").write_text('[general]\nlanguage = "en"\n', encoding="utf-8")
    run("validate", bad, "--report", out)
    english = json.loads(out.read_text(encoding="utf-8"))["violations"]
    assert len(english) == len(default) and all(v["message"] == v["message_en"] for v in english)


def test_every_command_and_option_is_documented():
    # The reference is docs/ (commands.md, and the page of any command that has its own).
    docs_dir = __import__("pathlib").Path(__file__).parent.parent / "docs"
    docs = "\n".join(p.read_text(encoding="utf-8") for p in sorted(docs_dir.rglob("*.md")))
    for path, command in _commands(cli):  # subcommands too: opsbook history diff …
        name = " ".join(path)
        assert name in docs, f"docs/ do not show `{name}`"
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in docs, f"docs/ do not document {name} {opt}"


def _commands(group, path=("opsbook",)):
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_command_and_option_has_help():
    missing = [
        f"{' '.join(path)} {param.opts[0]}"
        for path, command in _commands(cli)
        for param in command.params
        if isinstance(param, click.Option) and not param.help
    ]
    assert missing == []
    assert all(command.help for _, command in _commands(cli))


def test_every_command_of_the_cli_module_ends_in_examples_kept_as_written():
    """`\\b` keeps click from rewrapping the example lines into one paragraph."""
    ours = [
        (path, c)
        for path, c in _commands(cli)
        if c.callback and c.callback.__module__ == "opsbook.cli"
    ]
    assert len(ours) >= 7
    for path, command in ours:
        assert "\b\n    Examples:\n      opsbook " in command.callback.__doc__, " ".join(path)
        shown = run(*path[1:], "--help").output
        examples = shown[shown.index("Examples:") :].splitlines()[1:]
        assert examples[0].strip().startswith(f"opsbook {path[1]}"), shown


def test_annotated_copy_is_a_zip(tmp_path):
    out = tmp_path / "checked.xlsx"
    run("validate", write_xlsx(tmp_path / "bad.xlsx", BAD), "--output", out)
    assert zipfile.ZipFile(out).testzip() is None


def _found(report_path):
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return sorted((v["sheet"], v["cell"] or "", v["rule"]) for v in report["violations"])


@pytest.mark.parametrize("sample", ["發布日誌.xlsx", "入戶安檢記錄.xlsx", "平面設計費用.xlsx"])
def test_an_annotated_workbook_validates_again_like_the_original(tmp_path, sample):
    """Checking a workbook opsbook already wrote into (the usual second run) skips opsbook's
    own sheets and finds what the original gives; writing into it again replaces the run."""
    from pathlib import Path

    source = Path(__file__).parent.parent / "workbooks" / sample
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    r1 = run(
        "validate",
        source,
        "--as-of",
        "2026-11-26",
        "--output",
        first,
        "--report",
        tmp_path / "r1.json",
    )
    r2 = run(
        "validate",
        first,
        "--as-of",
        "2026-11-26",
        "--output",
        second,
        "--report",
        tmp_path / "r2.json",
    )
    assert r1.exit_code == r2.exit_code == 1, r2.output
    assert _found(tmp_path / "r2.json") == _found(tmp_path / "r1.json")
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(second) as b:
        assert a.namelist() == b.namelist()
        assert all(
            a.read(n) == b.read(n) for n in a.namelist() if n.startswith("xl/worksheets/")
        ), [n for n in a.namelist() if a.read(n) != b.read(n)]


@pytest.mark.parametrize(
    "lang, header, severity",
    [
        (
            None,
            ["工作表", "儲存格", "行", "欄位", "條款", "規則", "嚴重程度", "說明", "值"],
            "錯誤",
        ),
        (
            "zh-Hans",
            ["工作表", "储存格", "行", "栏位", "条款", "规则", "严重程度", "说明", "值"],
            "错误",
        ),
        (
            "en",
            ["Sheet", "Cell", "Row", "Column", "Clause", "Rule", "Severity", "Message", "Value"],
            "error",
        ),
    ],
)
def test_the_violations_sheet_follows_lang(tmp_path, lang, header, severity):
    """--lang labels 違規清單 too (its name stays: both writers and clear find it by it)."""
    from openpyxl import load_workbook

    out = tmp_path / "out.xlsx"
    args = [
        "validate",
        write_xlsx(tmp_path / "bad.xlsx", BAD),
        "--as-of",
        "2026-11-26",
        "--output",
        out,
    ]
    result = run(*args, *(["--lang", lang] if lang else []))
    assert result.exit_code == 1, result.output
    sheet = load_workbook(out)["違規清單"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == header
    assert severity in {r[6] for r in rows[1:]}

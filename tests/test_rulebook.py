"""The rulebook (issue 23): rules and settings as data with the dates they are in force.

Export → load both ways (xlsx, TOML) gives the same rules; ``rules check`` names each
problem's cell; the exported rulebook judges the samples byte-identically to the built-in
catalog; a threshold changed from a date judges each side of the boundary day by its own
version."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import check, settings
from openpyxl import load_workbook

from opsbook.rulebook.check import problems
from opsbook.rulebook.model import SETTING, Entry, Rulebook, dump_toml, from_kinds, load
from opsbook.rulebook.xlsx import COLUMNS, write_xlsx

ROOT = Path(__file__).resolve().parents[1]
COL = {f: chr(ord("A") + i) for i, (_, f) in enumerate(COLUMNS)}


def exported(tmp_path: Path, suffix=".xlsx", kind=None) -> Path:
    book = from_kinds(settings(), kind)
    path = tmp_path / f"規則{suffix}"
    if suffix == ".toml":
        path.write_text(dump_toml(book), encoding="utf-8")
    else:
        write_xlsx(book, path)
    return path


def test_xlsx_and_toml_load_the_same_rules(tmp_path):
    book = from_kinds(settings())
    assert {e.type for e in book.entries} == {"rule", "python", "aggregate", "setting"}
    from_xlsx = load(exported(tmp_path, ".xlsx"))
    from_toml = load(exported(tmp_path, ".toml"))
    assert from_xlsx.entries == book.entries
    assert from_toml.entries == book.entries
    assert from_xlsx.digest() == from_toml.digest() == book.digest()
    # and back again: the TOML of the workbook's rules is the TOML of the catalog's
    assert dump_toml(from_xlsx) == dump_toml(book)
    # YAML too (PyYAML: the schema/test extras)
    from opsbook.rulebook.model import dump_yaml

    (tmp_path / "規則.yaml").write_text(dump_yaml(from_toml), encoding="utf-8")
    assert load(tmp_path / "規則.yaml").entries == book.entries
    assert problems(from_xlsx) == []


def test_instruction_sheet_has_an_example_per_predicate(tmp_path):
    from opsbook.catalog.vocabulary import PREDICATES

    wb = load_workbook(exported(tmp_path))
    assert wb.sheetnames[:2] == ["說明", "清單"]
    rows = [r for r in wb["說明"].iter_rows(values_only=True)]
    listed = {str(r[0]).split("(")[0]: r for r in rows if r[0] and "(" in str(r[0])}
    for name in PREDICATES:
        assert name in listed, name
        assert name + "(" in listed[name][2]  # the example uses the predicate
    ws = wb["發布日誌"]
    validated = {str(r) for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
    for f in ("type", "table", "target", "when", "fails_if", "severity", "enabled"):
        assert any(r.startswith(COL[f] + "2:") for r in validated), f


def _row_of(ws, rule_id: str) -> int:
    return next(c.row for c in ws["B"] if c.value == rule_id)


def test_check_names_each_problem_cell(tmp_path):
    path = exported(tmp_path, kind="posts")
    wb = load_workbook(path)
    ws = wb["發布日誌"]
    r1 = _row_of(ws, "posts.website.review_missing")
    r2 = _row_of(ws, "posts.new_media.review_missing")
    r3 = _row_of(ws, "posts.website.reviewed_after_publication")
    r4 = _row_of(ws, "posts.new_media.owner_missing")
    r5 = _row_of(ws, "posts.self_check.unverified")
    r6 = _row_of(ws, "posts.account_unregistered")
    r7 = _row_of(ws, "inquiries.unanswered")
    ws[f"{COL['fails_if']}{r1}"] = "blank(reviewr)"  # unknown column
    ws[f"{COL['fails_if']}{r2}"] = "blank(reviewer"  # does not parse
    ws[f"{COL['fails_if']}{r3}"] = "later_than(reviewed_at)"  # wrong arguments
    ws[f"{COL['clause']}{r4}"] = "R1-99.9"  # not in the register
    ws[f"{COL['table']}{r5}"] = "nosuch"  # unknown table
    ws[f"{COL['when']}{r6}"] = "blank(account)"  # a Python rule's code edited
    ws[f"{COL['until']}{r7}"] = "2026-12-31"
    r8 = _row_of(ws, "posts.inquiry_reply_hours")
    r9 = _row_of(ws, "posts.promo_days_ahead")
    ws[f"{COL['id']}{r8}"] = "posts.inquiry_reply_hour"  # no such setting
    ws[f"{COL['value']}{r9}"] = '"三天"'  # a number is expected
    new = [None] * len(COLUMNS)
    for f, v in dict(
        type="規則",
        id="inquiries.unanswered",
        clause="R1-6.7",
        table="inquiries",
        fails_if="blank(replied_at)",
        target="replied_at",
        severity="警告",
        since="2026-06-01",
        enabled="是",
    ).items():
        new[list(COL).index(f)] = v
    ws.append(new)  # overlaps the row above, which now runs to 2026-12-31
    overlap_row = ws.max_row
    wb.save(path)
    lines = problems(load(path))
    expect = {
        f"發布日誌!{COL['fails_if']}{r1}": "'reviewr' is not a column",
        f"發布日誌!{COL['fails_if']}{r2}": "blank(reviewer",
        f"發布日誌!{COL['fails_if']}{r3}": "missing arg2",
        f"發布日誌!{COL['clause']}{r4}": "R1-99.9",
        f"發布日誌!{COL['table']}{r5}": "no table 'nosuch'",
        f"發布日誌!{COL['when']}{r6}": "Python rule",
        f"發布日誌!{COL['since']}{overlap_row}": "one version a day",
        f"發布日誌!{COL['id']}{r8}": "no setting 'posts.inquiry_reply_hour'",
        f"發布日誌!{COL['value']}{r9}": "posts.promo_days_ahead must be int",
    }
    assert len(lines) == len(expect), lines
    for cell, words in expect.items():
        line = next((x for x in lines if f" {cell}: " in x), None)
        assert line is not None and words in line, (cell, lines)
        assert line.startswith(str(path))
    # the command: one line each, exit 2; validate with it runs nothing
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "opsbook", "rules", "check", str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == len(expect)
    out = tmp_path / "out.xlsx"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "opsbook",
            "validate",
            str(ROOT / "workbooks" / "發布日誌.xlsx"),
            "--rules",
            str(path),
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 2 and not out.exists()


def _run(path: Path, out: Path, rules: Path | None):
    from opsbook.engine import as_of_moment
    from opsbook.pipeline import check_and_write

    report = check_and_write(path, as_of_moment("2026-11-26"), output=out, rules=rules)
    data = json.loads(report.to_json())
    data["files"][0].pop("output")
    return data, out.read_bytes()


@pytest.mark.parametrize("sample", sorted(p.name for p in (ROOT / "workbooks").glob("*.xlsx")))
def test_exported_rulebook_judges_the_samples_as_built_in(tmp_path, sample):
    path = ROOT / "workbooks" / sample
    book = exported(tmp_path)
    builtin, builtin_book = _run(path, tmp_path / "a.xlsx", None)
    ruled, ruled_book = _run(path, tmp_path / "b.xlsx", book)
    named = ruled["summaries"].pop("rulebook")
    assert named == [
        {
            "file": str(path),
            "rulebook": book.name,
            "sha256": load(book).digest(),
            "versions_from": [],
        }
    ]
    assert "rulebook" not in builtin["summaries"]
    assert ruled == builtin and builtin["violations"]
    assert ruled_book == builtin_book


def test_a_rulebook_edited_to_change_nothing_gives_the_same_report(tmp_path):
    path = ROOT / "workbooks" / "發布日誌.xlsx"
    book = exported(tmp_path)
    ruled, ruled_book = _run(path, tmp_path / "b.xlsx", book)
    # edited in ways that change nothing: rows reordered, a note retyped, a column widened
    wb = load_workbook(book)
    for ws in wb.worksheets[2:]:
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
        ws.delete_rows(2, ws.max_row)
        for row in reversed(rows):
            ws.append(row)
        ws[f"{COL['title']}2"] = "我們的註記"
        ws.column_dimensions["A"].width = 33
    (tmp_path / "edited").mkdir()
    edited = tmp_path / "edited" / book.name
    wb.save(edited)
    assert edited.read_bytes() != book.read_bytes()
    again, again_book = _run(path, tmp_path / "c.xlsx", edited)
    assert again == ruled and again_book == ruled_book


# A threshold changed from a date ------------------------------------------------------------

POSTS = [["平台", "標題", "類別", "負責人", "發布時間", "審核人", "審核日期"]]
ROSTER = [["姓名", "職位"], ["陳經理", "運營經理"]]


def dated(tmp_path, *entries: Entry, suffix=".toml") -> Path:
    book = from_kinds(settings(), "posts")
    book.entries += list(entries)
    path = tmp_path / f"dated{suffix}"
    if suffix == ".toml":
        path.write_text(dump_toml(book), encoding="utf-8")
    else:
        write_xlsx(book, path)
    assert problems(load(path)) == []
    return path


def _versioned_setting(book_entries, name, old, new, day: dt.date):
    """The setting ``name`` at ``old`` through the day before ``day``, ``new`` from it."""
    out = [e for e in book_entries if e.id != f"posts.{name}"]
    out.append(
        Entry("posts", SETTING, f"posts.{name}", value=old, until=day - dt.timedelta(days=1))
    )
    out.append(Entry("posts", SETTING, f"posts.{name}", value=new, since=day))
    return out


def _checked(path: Path, sheets: dict):
    cfg = settings()
    cfg["general"]["rules"] = str(path)
    return check(sheets, cfg=cfg)


@pytest.mark.parametrize("suffix", [".toml", ".xlsx"])
def test_reply_hours_changed_from_a_day_judge_each_side_by_its_version(tmp_path, suffix):
    boundary = dt.date(2026, 3, 10)
    book = from_kinds(settings(), "posts")
    book.entries = _versioned_setting(book.entries, "inquiry_reply_hours", 12, 24, boundary)
    path = tmp_path / f"規則{suffix}"
    path.write_text(dump_toml(book), encoding="utf-8") if suffix == ".toml" else write_xlsx(
        book, path
    )
    assert problems(load(path)) == []
    t = dt.datetime
    inquiries = [
        ["留言時間", "回覆時間"],
        [t(2026, 3, 9, 8), t(2026, 3, 10, 4)],  # 20 h, the day before: 12 h → late
        [t(2026, 3, 10, 8), t(2026, 3, 11, 4)],  # 20 h, the boundary day: 24 h → in time
        [t(2026, 3, 10, 0), t(2026, 3, 11, 1)],  # 25 h, the boundary day: 24 h → late
        [t(2026, 3, 9, 23), t(2026, 3, 10, 12)],  # 13 h, the day before → late
    ]
    checked = _checked(path, {"發布日誌": POSTS, "留言諮詢記錄": inquiries})
    f = checked.report.frame
    late = f[f["rule"] == "inquiries.reply_late"]
    assert sorted(late["row"]) == [2, 4, 5]
    by_row = dict(zip(late["row"], late["message"]))
    assert "超過 12 小時" in by_row[2] and "超過 24 小時" in by_row[4]
    assert "2026-03-10 起生效的版本" in by_row[4] and "起生效的版本" not in by_row[2]
    # the built-in catalog (12 h throughout) finds the boundary day's 20-hour reply late
    plain = check({"發布日誌": POSTS, "留言諮詢記錄": inquiries})
    builtin_rows = plain.report.frame.query("rule == 'inquiries.reply_late'")["row"]
    assert sorted(builtin_rows) == [2, 3, 4, 5]
    assert checked.report.summaries["rulebook"][0]["versions_from"] == ["2026-03-10"]


def test_weekly_minimum_changed_judges_a_week_by_its_last_day(tmp_path):
    # 3 a week through Sunday 10-11, 1 a week from Monday 10-12: 1 post, then 2 posts.
    book = from_kinds(settings(), "posts")
    book.entries = _versioned_setting(
        book.entries, "website_posts_per_week", 3, 1, dt.date(2026, 10, 12)
    )
    path = tmp_path / "規則.toml"
    path.write_text(dump_toml(book), encoding="utf-8")
    posts = POSTS + [
        [
            "官網",
            f"第{i}篇",
            "行業資訊",
            "張",
            dt.datetime(2026, 10, d, 9),
            "陳經理",
            dt.date(2026, 10, d),
        ]
        for i, d in enumerate((5, 12, 18), start=1)
    ]
    sheets = {"發布日誌": posts, "人員表": ROSTER}
    checked = _checked(path, sheets)
    f = checked.report.frame
    weekly = f[f["rule"] == "posts.website.weekly_posts"]
    # 10-05..10-11 judged under 3 a week; 10-12..10-18 under 1 passes
    assert len(weekly) == 1 and "2026-W41" in weekly["message"].iloc[0]
    assert "最少應更新 3 次" in weekly["message"].iloc[0]
    plain = check(sheets).report.frame
    plain_weeks = plain[plain["rule"] == "posts.website.weekly_posts"]
    assert len(plain_weeks) == 2


def test_a_departments_own_rule_from_its_day(tmp_path):
    own = Entry(
        "posts",
        "rule",
        "dept.activity_owner",
        clause="R1-4.2.2",
        table="posts",
        when='one_of(category, ["重大活動"])',
        fails_if="blank(owner)",
        target="owner",
        severity="warning",
        message="活動類稿件須有負責人",
        message_en="an activity post needs an owner",
        since=dt.date(2026, 10, 1),
    )
    off = replace(
        next(
            e
            for e in from_kinds(settings(), "posts").entries
            if e.id == "posts.new_media.owner_missing"
        ),
        enabled=False,
    )
    book = from_kinds(settings(), "posts")
    book.entries = [e for e in book.entries if e.id != off.id] + [own, off]
    path = tmp_path / "規則.xlsx"
    write_xlsx(book, path)
    assert problems(load(path)) == []
    posts = POSTS + [
        [
            "公眾號",
            "活動一",
            "重大活動",
            None,
            dt.datetime(2026, 9, 30, 9),
            "陳經理",
            dt.date(2026, 9, 30),
        ],
        [
            "公眾號",
            "活動二",
            "重大活動",
            None,
            dt.datetime(2026, 10, 1, 9),
            "陳經理",
            dt.date(2026, 10, 1),
        ],
    ]
    f = _checked(path, {"發布日誌": posts, "人員表": ROSTER}).report.frame
    assert sorted(f.loc[f["rule"] == "dept.activity_owner", "row"]) == [3]
    assert not (f["rule"] == off.id).any()  # turned off (啟用 否)
    assert (check({"發布日誌": posts, "人員表": ROSTER}).report.frame["rule"] == off.id).sum() == 2
    assert Rulebook  # the model is importable from tests (used above through from_kinds)


def test_opsbook_toml_names_the_rulebook_relative_to_itself(tmp_path):
    """`rules = "規則.toml"` in opsbook.toml: the CLI, the buttons and the formulas all load
    their settings with load_config beside the workbook, so all of them follow it."""
    from opsbook.config import load_config

    book = from_kinds(settings(), "posts")
    own = [e for e in book.entries if e.id == "inquiries.reply_late"][0]
    book.entries = [e for e in book.entries if e.id != own.id] + [replace(own, enabled=False)]
    (tmp_path / "規則.toml").write_text(dump_toml(book), encoding="utf-8")
    (tmp_path / "opsbook.toml").write_text('[general]\nrules = "規則.toml"\n', encoding="utf-8")
    cfg = load_config(near=tmp_path)
    assert cfg["general"]["rules"] == str(tmp_path / "規則.toml")
    t = dt.datetime
    sheets = {
        "發布日誌": POSTS,
        "留言諮詢記錄": [["留言時間", "回覆時間"], [t(2026, 3, 9, 8), t(2026, 3, 10, 8)]],
    }
    assert (check(sheets).report.frame["rule"] == own.id).any()
    followed = check(sheets, cfg=cfg)
    assert not (followed.report.frame["rule"] == own.id).any()
    assert followed.report.summaries["rulebook"][0]["rulebook"] == "規則.toml"


@pytest.mark.corpus
def test_exported_rulebook_judges_the_corpus_as_built_in(tmp_path):
    """Every workbook of the shared corpus: the same report with the exported rulebook as
    with the built-in catalog (but the rulebook's own line)."""
    from conftest import SHARED

    from opsbook.engine import as_of_moment
    from opsbook.pipeline import check_file

    files = sorted(p for p in (SHARED / "corpus" / "xlsxwriter").glob("*.xlsx"))
    assert len(files) >= 900
    book = exported(tmp_path, ".toml")
    moment = as_of_moment("2026-11-26")
    plain, ruled = settings(), settings()
    ruled["general"]["rules"] = str(book)
    for path in files:
        a = json.loads(check_file(path, plain, moment).report.to_json())
        b = json.loads(check_file(path, ruled, moment).report.to_json())
        named = b["summaries"].pop("rulebook", None)
        assert a == b, path.name
        assert named is None or named[0]["sha256"] == load(book).digest()

"""The report files written from columns (opsbook.writers.reportfile): the JSON is byte for
byte the record-by-record reference (Report.to_json) on every bundled sample and on edge
cases; JSON Lines and Parquet carry the same violations."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from opsbook.config import load_config
from opsbook.engine import as_of_moment
from opsbook.errors import ConfigError
from opsbook.pipeline import check_file
from opsbook.report import VIOLATION_FIELDS, FileResult, Report, empty_violations
from opsbook.writers.reportfile import json_chunks, report_json, write_report

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "workbooks").glob("*.xlsx"))


@pytest.fixture(scope="module", params=SAMPLES, ids=lambda p: p.name)
def sample_report(request) -> Report:
    return check_file(
        request.param, load_config(None, near=request.param), as_of_moment("2026-11-26")
    ).report


def test_json_is_the_reference_byte_for_byte(sample_report):
    assert len(sample_report.frame) > 0
    assert report_json(sample_report) == sample_report.to_json()


def test_json_in_small_chunks_is_the_same(sample_report):
    assert b"".join(json_chunks(sample_report, chunk=7)).decode() == sample_report.to_json()


def _edge_report() -> Report:
    """Values of every type a violation can carry, missing cells and rows, aggregate rows,
    text that JSON must escape."""
    rows = [
        [
            "a.xlsx",
            "表1",
            5,
            "金額",
            "C5",
            "R1-1",
            "x.rule",
            "error",
            '說明 "引號" \\ \n 換行\t',
            "msg",
            12,
            (5,),
        ],
        ["a.xlsx", "表1", None, None, None, "R1-2", "x.agg", "warning", "無行", "no row", None, ()],
        ["a.xlsx", "表1", 7, "日期", "D7", "R1-3", "x.rule", "error", "m", "m", 2.5, (7, 9, 11)],
        ["a.xlsx", "表1", 8, "是否", "E8", "R1-3", "x.rule", "error", "m", "m", True, (8,)],
        [
            "a.xlsx",
            "表1",
            9,
            "文字",
            "F9",
            "R1-3",
            "x.rule",
            "error",
            "m",
            "m",
            " 值\u2028\x01",
            [9],
        ],
        [
            "a.xlsx",
            "表1",
            10,
            "數",
            "G10",
            "R1-3",
            "x.rule",
            "error",
            "m",
            "m",
            float("nan"),
            (10,),
        ],
        ["a.xlsx", "表1", 11, "數", "G11", "R1-3", "x.rule", "error", "m", "m", 1e20, (11,)],
        [
            "a.xlsx",
            "表1",
            12,
            "數",
            "G12",
            "R1-3",
            "x.rule",
            "error",
            "m",
            "m",
            pd.Timestamp("2026-01-02"),
            (12,),
        ],
        # Equal values written differently (each distinct value is encoded once).
        ["a.xlsx", "表1", 13, "數", "G13", "R1-3", "x.rule", "error", "m", "m", 0.0, (13,)],
        ["a.xlsx", "表1", 14, "數", "G14", "R1-3", "x.rule", "error", "m", "m", -0.0, (14,)],
        ["a.xlsx", "表1", 15, "數", "G15", "R1-3", "x.rule", "error", "m", "m", 1, (15,)],
        ["a.xlsx", "表1", 16, "數", "G16", "R1-3", "x.rule", "error", "m", "m", 1.0, (16,)],
        ["a.xlsx", "表1", 17, "數", "G17", "R1-3", "x.rule", "error", "m", "m", True, (17,)],
    ]
    frame = pd.DataFrame(
        {
            name: pd.Series([r[i] for r in rows], dtype=object)
            for i, name in enumerate(VIOLATION_FIELDS)
        }
    )
    report = Report(
        as_of=as_of_moment("2026-11-26"), files=[FileResult(file="a.xlsx", kind="posts")]
    )
    report.frame = frame
    report.not_checked.append(
        {"file": "a.xlsx", "sheet": "表1", "rule": "r", "clause": "R1", "reason": "原因"}
    )
    return report


def test_json_edge_values_match_the_reference():
    report = _edge_report()
    assert report_json(report) == report.to_json()


def test_json_without_violations_matches_the_reference():
    report = Report(as_of=as_of_moment("2026-11-26"), files=[FileResult(file="a.xlsx")])
    report.frame = empty_violations()
    assert report_json(report) == report.to_json()
    assert json.loads(report_json(report))["violations"] == []


def test_jsonl_has_the_json_reports_violations(tmp_path, sample_report):
    write_report(sample_report, tmp_path / "r.jsonl", "jsonl")
    lines = (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()
    expected = json.loads(sample_report.to_json())["violations"]
    assert [json.loads(line) for line in lines] == expected
    # Each line is what json.dumps writes for that record.
    assert lines[0] == json.dumps(expected[0], ensure_ascii=False)
    loaded = pd.read_json(tmp_path / "r.jsonl", lines=True)
    assert list(loaded.columns) == VIOLATION_FIELDS and len(loaded) == len(expected)


def test_jsonl_edge_values(tmp_path):
    report = _edge_report()
    write_report(report, tmp_path / "r.jsonl", "jsonl")
    lines = (tmp_path / "r.jsonl").read_text(encoding="utf-8").split("\n")
    assert lines.pop() == ""  # one record a line, \u2028 inside a value is not a line break
    expected = json.loads(report.to_json())["violations"]
    assert lines == [json.dumps(v, ensure_ascii=False) for v in expected]


def test_parquet_has_the_violations_and_the_rest_of_the_report(tmp_path, sample_report):
    write_report(sample_report, tmp_path / "r.parquet", "parquet")
    table = pq.read_table(tmp_path / "r.parquet")
    expected = json.loads(sample_report.to_json())
    got = table.to_pylist()
    assert table.column_names == VIOLATION_FIELDS and len(got) == len(expected["violations"])
    for mine, ref in zip(got, expected["violations"]):
        assert {k: v for k, v in mine.items() if k != "value"} == {
            k: v for k, v in ref.items() if k != "value"
        }
        assert mine["value"] == (
            ref["value"]
            if ref["value"] is None or isinstance(ref["value"], str)
            else json.dumps(ref["value"])
        )
    rest = json.loads(table.schema.metadata[b"opsbook.report"])
    assert rest == {k: v for k, v in expected.items() if k != "violations"}


def test_parquet_edge_values_and_no_violations(tmp_path):
    write_report(_edge_report(), tmp_path / "e.parquet", "parquet")
    values = pq.read_table(tmp_path / "e.parquet").column("value").to_pylist()
    assert values == [
        "12",
        None,
        "2.5",
        "true",
        " 值\u2028\x01",
        None,
        "1e+20",
        "2026-01-02T00:00:00",
        "0.0",
        "-0.0",
        "1",
        "1.0",
        "true",
    ]
    empty = Report(as_of=as_of_moment("2026-11-26"))
    write_report(empty, tmp_path / "n.parquet", "parquet")
    assert pq.read_table(tmp_path / "n.parquet").num_rows == 0


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown report format"):
        write_report(Report(as_of=as_of_moment("2026-11-26")), tmp_path / "r.x", "xml")


def test_cli_report_formats(tmp_path):
    from click.testing import CliRunner

    from opsbook.cli import cli

    sample = SAMPLES[0]
    out = {}
    for fmt in ("json", "jsonl", "parquet"):
        out[fmt] = tmp_path / f"r.{fmt}"
        result = CliRunner().invoke(
            cli,
            [
                "validate",
                str(sample),
                "--as-of",
                "2026-11-26",
                "--report",
                str(out[fmt]),
                "--report-format",
                fmt,
                "--jobs",
                "1",
            ],
        )
        assert result.exit_code in (0, 1), result.output
    violations = json.loads(out["json"].read_text(encoding="utf-8"))["violations"]
    assert [
        json.loads(x) for x in out["jsonl"].read_text(encoding="utf-8").splitlines()
    ] == violations
    assert pq.read_table(out["parquet"]).num_rows == len(violations) > 0

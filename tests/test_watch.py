"""`opsbook watch` end to end: the watch runs in a subprocess over a temporary folder into
which the test copies, rewrites and half-copies workbooks; real local servers (127.0.0.1)
stand in for the WeCom and DingTalk robots, a JSON webhook and an SMTP server with
STARTTLS.  Asserted: what arrived, in what order, nothing twice, the originals untouched,
a bad workbook said and the watch going on, a scheduled report made, SIGTERM finishing the
workbook in hand."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT
from notify_servers import DING_SECRET, DING_TOKEN, HOOK_TOKEN, WECOM_KEY, MailServer, RobotServer

SAMPLES = ROOT / "workbooks"


def toml(
    robots: RobotServer, mail_port: int | None, cafile: Path | None, broken: bool = False
) -> str:
    text = f"""
[notify.wecom]
type = "wecom"
url = "{robots.url}/wecom"
key_env = "T_WECOM_KEY"
retries = 1
backoff_s = 0.05

[notify.ding]
type = "dingtalk"
url = "{robots.url}/dingtalk"
access_token_env = "T_DING_TOKEN"
secret_env = "T_DING_SECRET"
retries = 1
backoff_s = 0.05

[notify.hook]
type = "webhook"
url = "{robots.url}/hook"
token_env = "T_HOOK_TOKEN"
retries = 1
backoff_s = 0.05
"""
    if broken:
        text += f"""
[notify.broken]
type = "wecom"
url = "{robots.url}/wecom"
key_env = "T_WRONG_KEY"
retries = 1
backoff_s = 0.05
"""
    if mail_port:
        text += f"""
[notify.mail]
type = "email"
host = "127.0.0.1"
port = {mail_port}
sender = "opsbook@example.test"
to = ["ops@example.test"]
cafile = "{cafile.as_posix()}"
teams = ["A組"]
retries = 1
backoff_s = 0.05
"""
    return text


class Watcher:
    """The watch in a subprocess; its output lines collected as they come."""

    def __init__(self, folder: Path, *args: str):
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "T_WECOM_KEY": WECOM_KEY,
            "T_DING_TOKEN": DING_TOKEN,
            "T_DING_SECRET": DING_SECRET,
            "T_HOOK_TOKEN": HOOK_TOKEN,
            "T_WRONG_KEY": "not-the-key",
        }
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "opsbook", "watch", str(folder), "--settle", "0.4", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            env=env,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, predicate, timeout=60.0, what=""):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None and not predicate():
                raise AssertionError(f"watch ended ({self.proc.returncode}): {self.lines}")
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}: {self.lines}")

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self, timeout=60) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


def workbook_events(robots, path="/hook") -> list[tuple[str, str]]:
    """(event, file name) of what the webhook received, in order."""
    return [
        (r["payload"]["event"], Path(r["payload"]["key"]).name.split("@")[0])
        for r in robots.ok(path)
    ]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def servers(tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    with RobotServer() as robots, MailServer(ca) as mail:
        yield robots, mail, cafile


def test_watch_end_to_end(tmp_path, servers):
    robots, mail, cafile = servers
    inbox = tmp_path / "收件"
    inbox.mkdir()
    (inbox / "opsbook.toml").write_text(toml(robots, mail.port, cafile, True), encoding="utf-8")
    a = inbox / "A組_發布日誌.xlsx"
    shutil.copy(SAMPLES / "發布日誌.xlsx", a)  # already there when the watch starts
    # the clock starts just before Monday 12:30: the 週報 (R1-6.8) is due within seconds
    w = Watcher(
        inbox,
        "--history",
        "--overview",
        str(tmp_path / "總覽"),
        "--max-wait",
        "3",
        "--clock-start",
        "2026-11-16T12:29:52",
    )
    try:
        w.wait_for(lambda: ("workbook", a.name) in workbook_events(robots), what="A checked")

        # a half-copied workbook waits until it is whole
        b = inbox / "B組_入戶安檢記錄.xlsx"
        data = (SAMPLES / "入戶安檢記錄.xlsx").read_bytes()
        b.write_bytes(data[: len(data) // 2])
        w.wait_for(lambda: w.said("B組_入戶安檢記錄.xlsx: not a whole workbook yet"), what="B wait")
        assert ("workbook", b.name) not in workbook_events(robots)
        b.write_bytes(data)

        # a workbook open in Excel (its ~$ lock beside it) waits until it is closed
        c = inbox / "C組_平面設計費用.xlsx"
        lock = inbox / ("~$" + c.name)
        lock.write_bytes(b"owner")
        shutil.copy(SAMPLES / "平面設計費用.xlsx", c)
        w.wait_for(lambda: w.said("open in Excel/WPS"), what="C lock")
        w.wait_for(lambda: ("workbook", b.name) in workbook_events(robots), what="B checked")
        assert ("workbook", c.name) not in workbook_events(robots)
        lock.unlink()
        w.wait_for(lambda: ("workbook", c.name) in workbook_events(robots), what="C checked")

        # the scheduled 週報 for last week came with its report
        w.wait_for(lambda: ("report", "週報") in workbook_events(robots), what="週報")

        # a broken workbook is said once; the watch goes on
        bad = inbox / "D組_壞檔.xlsx"
        bad.write_bytes(b"this is not a workbook" * 100)
        w.wait_for(lambda: ("workbook", bad.name) in workbook_events(robots), 30, "D said")

        # A rewritten (new modification time, same content): checked again, compared
        time.sleep(0.05)
        shutil.copy(SAMPLES / "發布日誌.xlsx", a)
        os.utime(a, None)
        w.wait_for(lambda: workbook_events(robots).count(("workbook", a.name)) == 2, what="A again")
        time.sleep(1.5)  # time for anything doubled to show
        originals = {p.name: digest(p) for p in (a, b, c)}
    finally:
        code = w.stop()
    assert code == 0 and w.lines[-1] == "stopped", w.lines

    hook = workbook_events(robots)
    books = [name for event, name in hook if event == "workbook"]
    assert books == [a.name, b.name, c.name, bad.name, a.name]
    assert len(hook) == len(set(hook)) + 1  # only A twice (two versions), nothing else twice
    # every robot got the same messages in the same order, each signed/keyed correctly
    for path in ("/wecom", "/dingtalk"):
        assert len(robots.ok(path)) == len(hook)
    assert not [r for r in robots.received if r["path"] == "/dingtalk" and not r["ok"]]
    payloads = [r["payload"] for r in robots.ok("/hook")]
    first_a, second_a = (p for p in payloads if p["key"].endswith(a.name))
    assert first_a["data"]["changes"] == {"first": True, "new": 0, "fixed": 0}
    assert second_a["data"]["changes"] == {"first": False, "new": 0, "fixed": 0}
    assert first_a["data"]["errors"] > 0 and first_a["data"]["top_clauses"]
    copy = Path(first_a["data"]["output"])
    assert copy.parent == inbox / "opsbook-checked" and copy.exists()
    broken = next(p for p in payloads if p["key"].endswith(bad.name))
    assert broken["data"]["error"] and bad.name in broken["data"]["error"]
    weekly = next(p for p in payloads if p["event"] == "report")
    assert weekly["data"]["period"] == "2026-W46" and weekly["data"]["clause"] == "R1-6.8"
    assert Path(weekly["data"]["files"][0]).exists()
    # e-mail: team A only (its two checks and its 週報), over STARTTLS, copies attached
    subjects = [m["Subject"] for m in mail.messages]
    assert len(subjects) == 3 and all("A組_發布日誌" in s or "週報" in s for s in subjects)
    assert mail.tls_seen == [True] * 3
    attached = [p.get_filename() for m in mail.messages for p in m.iter_attachments()]
    assert attached.count(a.name) == 2 and any(n.startswith("週報_2026-W46") for n in attached)
    # the originals were never written; the overview and the history were
    assert {p.name: digest(p) for p in (a, b, c)} == originals
    assert digest(a) == digest(SAMPLES / "發布日誌.xlsx")
    assert (tmp_path / "總覽" / "總覽.xlsx").exists() and (
        inbox / ".opsbook-history.sqlite"
    ).exists()
    # the robot with the wrong key refused every message: each retried once, said, recorded
    refused = [r for r in robots.received if r["path"] == "/wecom" and not r["ok"]]
    assert len(refused) == 2 * len(hook)
    failed = [line for line in w.lines if line.startswith("notify broken:")]
    assert len(failed) == len(hook) and all("FAILED after 2 attempts" in x for x in failed)
    log = [
        json.loads(line)
        for line in (inbox / "opsbook-checked" / "opsbook-notify.jsonl")
        .read_text("utf-8")
        .splitlines()
    ]
    assert [e["ok"] for e in log if e["target"] == "broken"] == [False] * len(hook)
    assert len([e for e in log if e["target"] == "hook" and e["ok"]]) == len(hook)
    # nothing said carried a secret
    secrets = (WECOM_KEY, DING_SECRET, DING_TOKEN, "not-the-key")
    assert not [line for line in w.lines if any(x in line for x in secrets)]


def test_restart_checks_nothing_twice_and_polling_sees_arrivals(tmp_path, servers):
    robots, _, _ = servers
    inbox = tmp_path / "share"
    inbox.mkdir()
    (inbox / "opsbook.toml").write_text(toml(robots, None, None), encoding="utf-8")
    a = inbox / "A組_平面設計費用.xlsx"
    shutil.copy(SAMPLES / "平面設計費用.xlsx", a)
    w = Watcher(inbox, "--poll", "0.3", "--no-schedule", "--lang", "en")
    try:
        w.wait_for(lambda: len(robots.ok("/hook")) == 1, what="A checked")
    finally:
        assert w.stop() == 0
    # restarted: A is not checked again; a new arrival is seen by polling alone
    w = Watcher(inbox, "--poll", "0.3", "--no-schedule", "--lang", "en")
    try:
        w.wait_for(lambda: w.said("watching"), what="start")
        b = inbox / "sub" / "B組_平面設計費用.xlsx"
        b.parent.mkdir()
        shutil.copy(SAMPLES / "平面設計費用.xlsx", b)
        w.wait_for(lambda: len(robots.ok("/hook")) == 2, what="B checked")
        time.sleep(1.0)
    finally:
        assert w.stop() == 0
    titles = [r["payload"]["title"] for r in robots.ok("/hook")]
    assert len(titles) == 2 and "A組_平面設計費用.xlsx checked" in titles[0]
    assert "B組_平面設計費用.xlsx checked" in titles[1]  # English: --lang en
    assert (inbox / "opsbook-checked" / "sub" / b.name).exists()


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])  # SIGINT: what Ctrl-C sends
def test_a_stop_finishes_the_workbook_in_hand(tmp_path, servers, stop):
    robots, _, _ = servers
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "opsbook.toml").write_text(toml(robots, None, None), encoding="utf-8")
    w = Watcher(inbox, "--no-schedule", "--history")
    try:
        w.wait_for(lambda: w.said("watching"), what="start")
        book = inbox / "A組_入戶安檢記錄.xlsx"
        shutil.copy(SAMPLES / "入戶安檢記錄.xlsx", book)
        w.wait_for(lambda: w.said("checking"), what="checking")
        w.proc.send_signal(getattr(signal, stop))  # mid-check
        code = w.proc.wait(60)
    finally:
        if w.proc.poll() is None:
            w.proc.kill()
    assert code == 0 and w.lines[-1] == "stopped", w.lines
    assert (inbox / "opsbook-checked" / book.name).exists()
    assert [r["payload"]["key"] for r in robots.ok("/hook")] == [str(book)]


def _rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


# 500 by default; OPSBOOK_SOAK_ARRIVALS (a multiple of 25, at least 100) for a shorter run
ARRIVALS = int(os.environ.get("OPSBOOK_SOAK_ARRIVALS", "500"))


@pytest.mark.slow
@pytest.mark.soak
def test_soak_500_arrivals_nothing_lost_or_doubled_memory_flat(tmp_path):
    with RobotServer() as robots:
        inbox = tmp_path / "in"
        inbox.mkdir()
        (inbox / "opsbook.toml").write_text(toml(robots, None, None), encoding="utf-8")
        w = Watcher(inbox, "--no-schedule", "--history", "--overview", str(tmp_path / "ov"))
        sample = (SAMPLES / "平面設計費用.xlsx").read_bytes()
        memory = []
        sent = []
        try:
            w.wait_for(lambda: w.said("watching"), what="start")
            for batch in range(ARRIVALS // 25):  # batches of 25 arrivals
                names = [f"T{n % 7}組_{batch:02d}_{n:02d}.xlsx" for n in range(25)]
                for name in names:
                    (inbox / name).write_bytes(sample)
                sent += names
                total = len(sent)
                w.wait_for(lambda n=total: len(robots.ok("/hook")) == n, 300, f"batch {batch}")
                for name in names:  # done with: the folder (and the overview) stay small
                    (inbox / name).unlink()
                memory.append(_rss_mb(w.proc.pid))
            time.sleep(1.5)
        finally:
            assert w.stop() == 0
    keys = [Path(r["payload"]["key"]).name for r in robots.ok("/hook")]
    assert sorted(keys) == sorted(sent) and len(set(keys)) == ARRIVALS  # none lost, none twice
    for path in ("/wecom", "/dingtalk"):
        assert len(robots.ok(path)) == ARRIVALS
    if memory[0] is not None:
        warm, last = max(memory[1:3]), memory[-1]
        print("watch RSS (MB) after each batch:", memory)
        assert last - warm < 40, memory  # flat: no growth with the number of arrivals


def test_write_annotates_the_workbook_itself_once(tmp_path, servers):
    robots, _, _ = servers
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "opsbook.toml").write_text(toml(robots, None, None), encoding="utf-8")
    book = inbox / "A組_平面設計費用.xlsx"
    shutil.copy(SAMPLES / "平面設計費用.xlsx", book)
    w = Watcher(inbox, "--write", "--no-schedule", "--poll", "0.3")
    try:
        w.wait_for(lambda: len(robots.ok("/hook")) == 1, what="checked")
        time.sleep(2.0)  # the write changed the file: that must not count as a new arrival
    finally:
        assert w.stop() == 0
    assert len(robots.ok("/hook")) == 1, w.lines
    assert digest(book) != digest(SAMPLES / "平面設計費用.xlsx")  # annotated in place
    backup = inbox / "A組_平面設計費用.opsbook-backup.xlsx"
    assert backup.exists() and digest(backup) == digest(SAMPLES / "平面設計費用.xlsx")
    assert not (inbox / "opsbook-checked").exists()

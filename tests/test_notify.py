"""Notification targets against real local servers (127.0.0.1): the robots' payloads and
DingTalk's signature, e-mail over STARTTLS with the attachment, the generic webhook,
retries with back-off, refusals recorded, secrets never inline and never said."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from notify_servers import (
    DING_SECRET,
    DING_TOKEN,
    HOOK_TOKEN,
    WECOM_KEY,
    MailServer,
    RobotServer,
)

from opsbook.errors import ConfigError
from opsbook.notify import deliver, load_targets, workbook_message
from opsbook.notify.send import dingtalk_sign
from opsbook.report import FileResult


@pytest.fixture
def robots():
    with RobotServer() as server:
        yield server


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("T_WECOM_KEY", WECOM_KEY)
    monkeypatch.setenv("T_DING_TOKEN", DING_TOKEN)
    monkeypatch.setenv("T_DING_SECRET", DING_SECRET)
    monkeypatch.setenv("T_HOOK_TOKEN", HOOK_TOKEN)


def robot_targets(url: str, **extra) -> dict:
    common = {"retries": 2, "backoff_s": 0.01, **extra}
    return load_targets(
        {
            "wecom": {"type": "wecom", "url": f"{url}/wecom", "key_env": "T_WECOM_KEY", **common},
            "ding": {
                "type": "dingtalk",
                "url": f"{url}/dingtalk",
                "access_token_env": "T_DING_TOKEN",
                "secret_env": "T_DING_SECRET",
                **common,
            },
            "hook": {
                "type": "webhook",
                "url": f"{url}/hook",
                "token_env": "T_HOOK_TOKEN",
                **common,
            },
        }
    )


def a_message(tmp_path: Path, lang="zh-Hant", output: Path | None = None):
    frame = pd.DataFrame(
        {"clause": ["R1-4.5.1", "R1-4.5.1", "R1-5.5.1"], "severity": ["error", "error", "warning"]}
    )
    result = FileResult(file=str(tmp_path / "A組_發布日誌.xlsx"), kind="posts")
    result.output = str(output) if output else None
    return workbook_message(result, frame, {"first": False, "new": 2, "fixed": 1}, lang, "A組")


def test_dingtalk_sign_is_the_documented_hmac():
    # HMAC-SHA256 of "timestamp\nsecret", base64, URL-encoded: checked against a value
    # computed here independently of opsbook's code
    import base64
    import hashlib
    import hmac
    import urllib.parse

    stamp = 1_700_000_000_000
    raw = hmac.new(b"abc", b"1700000000000\nabc", hashlib.sha256).digest()
    assert dingtalk_sign("abc", stamp) == urllib.parse.quote_plus(base64.b64encode(raw).decode())


def test_robots_and_webhook_receive_the_documented_payloads(robots, env, tmp_path):
    message = a_message(tmp_path)
    for target in robot_targets(robots.url).values():
        delivery = deliver(target, message)
        assert delivery.ok and delivery.attempts == 1, delivery.line()
    wecom = robots.ok("/wecom")[0]["payload"]["markdown"]["content"]
    assert "A組_發布日誌.xlsx" in wecom and "錯誤 2、警告 1" in wecom and "R1-4.5.1 ×2" in wecom
    assert "新增 2，已修正 1" in wecom
    ding = robots.ok("/dingtalk")[0]["payload"]["markdown"]
    assert ding["title"].startswith("opsbook：A組_發布日誌.xlsx")
    hook = robots.ok("/hook")[0]["payload"]
    assert hook["event"] == "workbook" and hook["team"] == "A組"
    assert hook["data"]["errors"] == 2 and hook["data"]["top_clauses"] == {
        "R1-4.5.1": 2,
        "R1-5.5.1": 1,
    }


def test_messages_follow_the_language(robots, env, tmp_path):
    targets = robot_targets(robots.url)
    deliver(targets["wecom"], a_message(tmp_path, "en"))
    deliver(targets["wecom"], a_message(tmp_path, "zh-Hans"))
    en, hans = (r["payload"]["markdown"]["content"] for r in robots.ok("/wecom"))
    assert "2 errors, 1 warnings" in en and "Clauses broken most" in en
    assert "违反最多的条款" in hans and "錯誤" not in hans


def test_refusals_are_retried_with_back_off_then_recorded(robots, env, tmp_path, monkeypatch):
    monkeypatch.setenv("T_WECOM_KEY", "wrong-key")
    targets = robot_targets(robots.url)
    waits = []
    bad = deliver(targets["wecom"], a_message(tmp_path), sleep=waits.append)
    assert not bad.ok and bad.attempts == 3 and waits == [0.01, 0.02]  # doubling back-off
    assert "errcode 310000" in bad.line() and "wrong-key" not in bad.line()
    robots.fail_next["/hook"] = 2  # HTTP 503 twice, then accepted
    good = deliver(targets["hook"], a_message(tmp_path), sleep=waits.append)
    assert good.ok and good.attempts == 3


def test_a_server_that_is_down_is_one_line_without_the_key(env, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    targets = robot_targets(f"http://127.0.0.1:{port}", retries=1)
    bad = deliver(targets["wecom"], a_message(tmp_path), sleep=lambda s: None)
    assert not bad.ok and "cannot reach the server" in bad.error and WECOM_KEY not in bad.line()


def test_email_over_starttls_with_the_annotated_copy_attached(tmp_path, monkeypatch):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    copy = tmp_path / "A組_發布日誌.xlsx"
    copy.write_bytes(b"PK" + b"x" * 2000)
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK" + b"x" * 300_000)
    secret = tmp_path / "smtp-password"
    secret.write_text("hunter2\n")
    secret.chmod(0o600)
    with MailServer(ca) as mail:
        table = {
            "type": "email",
            "host": "127.0.0.1",
            "port": mail.port,
            "sender": "opsbook@example.test",
            "to": ["ops@example.test"],
            "cafile": str(cafile),
            "attach_max_mb": 0.1,
            "retries": 0,
        }
        target = load_targets({"mail": table})["mail"]
        assert deliver(target, a_message(tmp_path, output=copy)).ok
        assert deliver(target, a_message(tmp_path, output=big)).ok
        # without the private CA the server's certificate is not trusted: refused, said
        untrusted = load_targets({"m": {**table, "cafile": ""}})["m"]
        refused = deliver(untrusted, a_message(tmp_path), sleep=lambda s: None)
    assert mail.tls_seen == [True, True]
    first, second = mail.messages
    assert first["Subject"].startswith("opsbook：A組_發布日誌.xlsx 已檢查")
    names = [part.get_filename() for part in first.iter_attachments()]
    assert names == ["A組_發布日誌.xlsx"]
    assert list(second.iter_attachments()) == []  # over attach_max_mb: named, not attached
    assert "not attached" in second.get_body(("plain",)).get_content()
    assert not refused.ok and "CERTIFICATE_VERIFY_FAILED" in refused.error


def test_secrets_come_from_the_environment_or_a_private_file(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="key is a secret; give key_env"):
        load_targets({"w": {"type": "wecom", "key": "inline"}})
    with pytest.raises(ConfigError, match="OPSBOOK_NOPE"):
        load_targets({"w": {"type": "wecom", "key_env": "OPSBOOK_NOPE"}})
    shared = tmp_path / "key"
    shared.write_text("k-from-file")
    shared.chmod(0o644)
    if os.name == "posix":
        with pytest.raises(ConfigError, match="readable by others; run chmod 600"):
            load_targets({"w": {"type": "wecom", "key_file": str(shared)}})
    shared.chmod(0o600)
    target = load_targets({"w": {"type": "wecom", "key_file": str(shared)}})["w"]
    assert target.secrets == {"key": "k-from-file"}
    assert "k-from-file" not in repr(target)
    with pytest.raises(ConfigError, match="unknown setting colour"):
        load_targets({"w": {"type": "wecom", "key_file": str(shared), "colour": 1}})


def test_teams_choose_who_hears_what(tmp_path, monkeypatch):
    monkeypatch.setenv("K", "k")
    targets = load_targets(
        {
            "a": {"type": "wecom", "key_env": "K", "teams": ["A組"]},
            "reports": {"type": "wecom", "key_env": "K", "events": ["report"]},
        }
    )
    assert targets["a"].takes("workbook", "A組") and not targets["a"].takes("workbook", "B組")
    assert not targets["reports"].takes("workbook", "A組") and targets["reports"].takes(
        "report", "B組"
    )

"""Delivering a Message to a Target: the robots' documented webhook JSON, SMTP with
STARTTLS, a generic JSON webhook.  A target that refuses (an HTTP error, a robot's non-zero
``errcode``, an SMTP error, the network down) is retried a bounded number of times with a
doubling back-off; the outcome is returned as a Delivery and never raised, so one deaf
target costs neither the watch nor the other targets.  Nothing said here carries a secret:
the robots' URLs (whose query holds the key) are never put into an error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import mimetypes
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage

from .messages import Message
from .targets import Target

ROBOT_LIMIT = 4000  # bytes: WeCom's markdown content is at most 4096, DingTalk's similar


@dataclass
class Delivery:
    target: str
    event: str
    key: str
    ok: bool
    attempts: int
    error: str = ""

    def line(self) -> str:
        state = "sent" if self.ok else f"FAILED after {self.attempts} attempts: {self.error}"
        return f"notify {self.target}: {self.event} {self.key}: {state}"


class Refused(Exception):
    """The target answered, and said no (or could not be reached)."""


def deliver(target: Target, message: Message, sleep=time.sleep) -> Delivery:
    """Send with up to ``retries`` retries, the wait doubling from ``backoff_s``."""
    tries = 1 + int(target.settings["retries"])
    wait = float(target.settings["backoff_s"])
    error = ""
    for attempt in range(1, tries + 1):
        try:
            SENDERS[target.type](target, message)
            return Delivery(target.name, message.event, message.key, True, attempt)
        except (Refused, OSError, smtplib.SMTPException, ValueError) as exc:
            error = _one_line(exc)
        if attempt < tries:
            sleep(wait)
            wait *= 2
    return Delivery(target.name, message.event, message.key, False, tries, error)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _post_json(url: str, payload: dict, timeout: float, headers: dict | None = None) -> dict:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        raise Refused(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:  # the URL is left out: it may hold the key
        raise Refused(f"cannot reach the server ({exc.reason})") from None
    try:
        return json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        return {}


def _robot_answer(answer: dict) -> None:
    # Both robots answer HTTP 200 with {"errcode": 0, "errmsg": "ok"}; anything else is a no.
    if answer.get("errcode", 0) != 0:
        raise Refused(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


def _clip(text: str, limit: int = ROBOT_LIMIT) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 4].decode("utf-8", "ignore") + "\n…"


def send_wecom(target: Target, message: Message) -> None:
    """WeCom group robot: POST …/webhook/send?key=KEY, {"msgtype": "markdown", …}."""
    url = _with_query(target.settings["url"], key=target.secrets["key"])
    payload = {"msgtype": "markdown", "markdown": {"content": _clip(message.markdown())}}
    _robot_answer(_post_json(url, payload, target.settings["timeout_s"]))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加簽: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, base64,
    then URL-encoded."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def send_dingtalk(target: Target, message: Message) -> None:
    """DingTalk group robot: POST …/robot/send?access_token=T[&timestamp=MS&sign=S]."""
    query = f"access_token={urllib.parse.quote_plus(target.secrets['access_token'])}"
    if "secret" in target.secrets:
        stamp = int(time.time() * 1000)  # must be within an hour of DingTalk's clock
        query += f"&timestamp={stamp}&sign={dingtalk_sign(target.secrets['secret'], stamp)}"
    url = target.settings["url"] + ("&" if "?" in target.settings["url"] else "?") + query
    payload = {
        "msgtype": "markdown",
        "markdown": {"title": message.title, "text": _clip(message.markdown())},
    }
    _robot_answer(_post_json(url, payload, target.settings["timeout_s"]))


def send_webhook(target: Target, message: Message) -> None:
    """Any JSON endpoint: the message's title, text and structured data."""
    headers = {}
    if "token" in target.secrets:
        headers["Authorization"] = f"Bearer {target.secrets['token']}"
    payload = {
        "event": message.event,
        "key": message.key,
        "title": message.title,
        "text": message.text(),
        "team": message.team,
        "data": message.data,
    }
    _post_json(target.settings["url"], payload, target.settings["timeout_s"], headers)


def send_email(target: Target, message: Message) -> None:
    """SMTP with STARTTLS (the server's certificate verified; ``cafile`` for a private CA);
    the annotated copy or the report attached when all of it fits in ``attach_max_mb``."""
    s = target.settings
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = s["sender"]
    mail["To"] = ", ".join(s["to"])
    text = message.text()
    files = [f for f in message.attachments if f.is_file()]
    size = sum(f.stat().st_size for f in files)
    if size > s["attach_max_mb"] * 1024 * 1024:
        text += "\n\n(" + ", ".join(str(f) for f in files) + f": {size / 1e6:.1f} MB, not attached)"
        files = []
    mail.set_content(text)
    for f in files:
        kind = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
        main, sub = kind.split("/", 1)
        mail.add_attachment(f.read_bytes(), maintype=main, subtype=sub, filename=f.name)
    context = ssl.create_default_context(cafile=s["cafile"] or None)
    with smtplib.SMTP(s["host"], s["port"], timeout=s["timeout_s"]) as smtp:
        if s["starttls"]:
            smtp.starttls(context=context)
        if s["username"]:
            smtp.login(s["username"], target.secrets.get("password", ""))
        smtp.send_message(mail)


def _with_query(url: str, **params) -> str:
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params)


SENDERS = {
    "wecom": send_wecom,
    "dingtalk": send_dingtalk,
    "email": send_email,
    "webhook": send_webhook,
}

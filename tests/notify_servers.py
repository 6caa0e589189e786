"""Real local servers for the notification tests, on 127.0.0.1 only: an HTTP server standing
in for the WeCom and DingTalk robots and a generic webhook (checking the documented payload
shapes and DingTalk's signature), and an SMTP server (aiosmtpd) that requires STARTTLS with
a certificate from a CA made in the test (trustme)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DING_SECRET = "SECtest-signing-secret"
DING_TOKEN = "ding-token-123"
WECOM_KEY = "wecom-key-456"
HOOK_TOKEN = "hook-token-789"


class RobotServer:
    """POST /wecom?key=…, /dingtalk?access_token=…&timestamp=…&sign=…, /hook.  Every request
    is kept (``received``: path, query, payload, ok); a bad shape or signature answers as the
    robots do: HTTP 200 with a non-zero errcode.  ``fail_next[path] = n`` refuses the next n
    requests to that path with HTTP 503."""

    def __init__(self):
        self.received: list[dict] = []
        self.fail_next: dict[str, int] = {}
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with server.lock:
                    if server.fail_next.get(url.path, 0) > 0:
                        server.fail_next[url.path] -= 1
                        self.send_response(503)
                        self.end_headers()
                        return
                try:
                    payload = json.loads(body.decode("utf-8"))
                except ValueError:
                    payload = None
                error = server.check(url.path, query, payload, self.headers, url.query)
                with server.lock:
                    server.received.append(
                        dict(path=url.path, query=query, payload=payload, ok=not error, error=error)
                    )
                answer = (
                    {"errcode": 0, "errmsg": "ok"}
                    if not error
                    else {"errcode": 310000, "errmsg": error}
                )
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def check(self, path, query, payload, headers, raw_query) -> str:
        if not isinstance(payload, dict):
            return "not JSON"
        if path == "/wecom":
            if query.get("key") != [WECOM_KEY]:
                return "invalid webhook url, hint: bad key"
            md = payload.get("markdown", {})
            if payload.get("msgtype") != "markdown" or not isinstance(md.get("content"), str):
                return "bad wecom markdown payload"
            if len(md["content"].encode()) > 4096:
                return "content exceeds 4096 bytes"
            return ""
        if path == "/dingtalk":
            if query.get("access_token") != [DING_TOKEN]:
                return "token is not exist"
            stamp = query.get("timestamp", [""])[0]
            if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > 3600_000:
                return "invalid timestamp"
            digest = hmac.new(
                DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(), hashlib.sha256
            ).digest()
            # the sign arrives URL-encoded: the raw query carries it percent-encoded
            raw = dict(p.split("=", 1) for p in raw_query.split("&"))
            if urllib.parse.unquote_plus(raw.get("sign", "")) != base64.b64encode(digest).decode():
                return "sign not match"
            md = payload.get("markdown", {})
            if payload.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
                return "bad dingtalk markdown payload"
            return ""
        if path == "/hook":
            if headers.get("Authorization") != f"Bearer {HOOK_TOKEN}":
                return "unauthorised"
            if not {"event", "key", "title", "text", "data"} <= set(payload):
                return "bad webhook payload"
            return ""
        return "unknown path"

    def ok(self, path: str) -> list[dict]:
        with self.lock:
            return [r for r in self.received if r["path"] == path and r["ok"]]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class MailServer:
    """aiosmtpd on 127.0.0.1 requiring STARTTLS (the certificate issued by ``ca``, a
    trustme CA); ``messages`` holds what arrived, parsed."""

    def __init__(self, ca):
        import ssl

        from aiosmtpd.controller import Controller

        cert = ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(context)
        self.messages: list = []
        self.tls_seen: list[bool] = []
        server = self

        class Handler:
            async def handle_DATA(self, smtp, session, envelope):  # noqa: N802 - aiosmtpd calls it by this name
                server.tls_seen.append(session.ssl is not None)
                server.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 OK"

        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=_free_port(),
            tls_context=context,
            require_starttls=True,
        )

    @property
    def port(self) -> int:
        return self.controller.port

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

"""The HTTP face of `newsbot serve`: Bolt's WSGI adapter on waitress, `/healthz`, `/readyz`
and `/metrics`.

Why waitress (measured: docs/benchmarks.md): it parses and buffers each request in its I/O
loop and hands a worker thread only complete requests, so a slow or half-open client holds
no thread and is closed by its idle timeout; it refuses a Content-Length that is not
digits (400) or over the cap (413) and closes the connection without reading on.

What this module adds around it:
- A body Bolt's own parser cannot read (bad JSON, bad UTF-8, not an object) is a 400 and
  one log line; Bolt's adapter would raise, which logs a traceback per request.
- A request Bolt refuses for its signature (401) is logged once, without its body.
- Connections are capped below the process's descriptor limit, and an `accept()` that
  fails for want of descriptors pauses accepting for a second: waitress would retry it in
  a tight loop (one core spinning, a traceback per try).
"""

from __future__ import annotations

import errno
import io
import logging
import os
import resource
import threading
import time
from typing import Callable, Iterable

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.server import TcpWSGIServer

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack's payloads are a few KiB; 1 MiB is ample
THREADS = 8  # requests answered at once; Bolt acks fast and answers in its own pool
FD_RESERVE = 64  # descriptors kept for the bot itself (Slack's API, the store, logs)
ACCEPT_PAUSE = 1.0  # seconds without accepting after running out of descriptors
_OUT_OF_DESCRIPTORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}

Health = Callable[[], bool]
StartResponse = Callable[..., object]


def _reply(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    data = text.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]


def _peer(environ: dict) -> str:
    return environ.get("REMOTE_ADDR") or "?"


def _unreadable(raw: bytes, content_type: str | None) -> str | None:
    """Why Bolt's request parser would fail on this body, or None when it can read it."""
    from slack_bolt.request.internals import parse_body

    try:
        body = parse_body(raw.decode("utf-8"), content_type)
    except UnicodeDecodeError:
        return "body is not UTF-8"
    except ValueError:
        return "body is not valid JSON"
    if not isinstance(body, dict):
        return "body is not a JSON object"
    return None


def health_app(health: Health, ready: Health | None = None) -> Callable:
    """`GET /healthz` (the process answers: 200 while `health()` holds, else 503), `/readyz`
    (it can answer questions: `ready()`), `/metrics` (Prometheus text); 404 for the rest."""
    from bot.metrics import metrics_app

    metrics = metrics_app()
    checks = {"/healthz": health, "/readyz": ready or health}

    def app(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or path not in (*checks, "/metrics"):
            return _reply(start_response, "404 Not Found", "not found")
        if path == "/metrics":
            return metrics(environ, start_response)
        ok = checks[path]()
        return _reply(start_response, "200 OK" if ok else "503 Service Unavailable", "ok" if ok else "unavailable")

    return app


def slack_app(bolt_app, path: str, health: Health, ready: Health | None = None) -> Callable:
    """Slack's requests on `path` through Bolt's WSGI adapter, plus `health_app`'s routes."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    bolt = SlackRequestHandler(bolt_app, path)
    healthz = health_app(health, ready)

    def app(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != path or environ.get("REQUEST_METHOD") != "POST":
            return healthz(environ, start_response)  # waitress has read any body already
        length = int(environ.get("CONTENT_LENGTH") or 0)  # digits and ≤ MAX_BODY: waitress checked
        raw = environ["wsgi.input"].read(length)
        reason = _unreadable(raw, environ.get("CONTENT_TYPE"))
        if reason:
            log.warning("400 for a request from %s: %s", _peer(environ), reason)
            return _reply(start_response, "400 Bad Request", "bad request")
        environ["wsgi.input"] = io.BytesIO(raw)
        seen: list[str] = []

        def start(status: str, headers, exc_info=None):
            seen.append(status)
            return start_response(status, headers, exc_info)

        result = bolt(environ, start)
        if seen and seen[0].startswith("401"):
            log.warning("401 for a request from %s: missing, wrong or expired Slack signature", _peer(environ))
        return result

    return app


class _Listener(TcpWSGIServer):
    """waitress's TCP server, pausing `accept()` while the process is out of descriptors."""

    _resume_at = 0.0
    _last_warning = 0.0

    def accept(self):
        try:
            return super().accept()
        except OSError as exc:
            if exc.errno not in _OUT_OF_DESCRIPTORS:
                raise
            now = time.monotonic()
            self._resume_at = now + ACCEPT_PAUSE
            if now - self._last_warning > 60:
                self._last_warning = now
                log.warning("out of file descriptors (%s): not accepting connections for %.0f s at a time; "
                            "%d open", errno.errorcode.get(exc.errno, exc.errno), ACCEPT_PAUSE, len(self._map))
            return None

    def readable(self) -> bool:
        readable = super().readable()  # also closes idle channels (the read timeout)
        return readable and time.monotonic() >= self._resume_at


def connection_cap(wanted: int) -> int:
    """`wanted`, or fewer so that connections never take the descriptors the bot needs."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    try:
        in_use = len(os.listdir("/proc/self/fd"))
    except OSError:
        in_use = soft // 4
    return max(8, min(wanted, soft - in_use - FD_RESERVE))


class HttpFace:
    """A WSGI app served by waitress on `host:port` in a thread of its own."""

    def __init__(self, app: Callable, host: str, port: int, read_timeout: float, max_connections: int):
        adj = Adjustments(
            host=host, port=port, threads=THREADS, ident="newsbot",
            max_request_body_size=MAX_BODY, max_request_header_size=64 * 1024,
            channel_timeout=max(1, round(read_timeout)), cleanup_interval=max(1, min(round(read_timeout / 4), 30)),
            connection_limit=connection_cap(max_connections),
            asyncore_use_poll=True,  # select() cannot watch descriptors above 1024
            expose_tracebacks=False,
        )
        self._server = _Listener(app, map={}, adj=adj)
        self.host, self.port = self._server.effective_host, self._server.effective_port
        self._thread = threading.Thread(target=self._server.run, name=f"newsbot-http-{self.port}", daemon=True)

    def start(self) -> "HttpFace":
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop accepting, close every connection (in the I/O thread), stop the workers."""
        server = self._server
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        self._thread.join(5)
        server.task_dispatcher.shutdown(timeout=5)

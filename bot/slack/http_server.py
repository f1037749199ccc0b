"""HTTP mode: one path for Events API, interactivity and slash commands.

Bolt's own dev server is single-threaded; this one is the same few lines on a
`ThreadingHTTPServer`, so a slow client never holds up Slack's 3-second ack of another
request. Bolt verifies every request's signature and age (401 otherwise).
"""

from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from slack_bolt import App, BoltRequest, BoltResponse

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a burst of events (50 at once in
    # bench/slack_load.py) had connections reset before they were accepted.
    request_queue_size = 128
    daemon_threads = True


class SlackHTTPServer:
    def __init__(self, app: App, host: str, port: int, path: str = "/slack/events"):
        self.path = path
        bolt_app = app

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args) -> None:
                log.debug("%s %s", self.address_string(), format % args)

            def do_GET(self) -> None:
                if self.path.partition("?")[0] == "/healthz":
                    self._send(BoltResponse(status=200, body="ok"))
                else:
                    self._send(BoltResponse(status=404, body="not found"))

            def do_POST(self) -> None:
                request_path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                if request_path != path or length > MAX_BODY:
                    self._send(BoltResponse(status=404, body="not found"))
                    return
                body = self.rfile.read(length).decode("utf-8", errors="replace")
                request = BoltRequest(body=body, query=query, headers=dict(self.headers.items()))
                self._send(bolt_app.dispatch(request))

            def _send(self, response: BoltResponse) -> None:
                body = response.body if isinstance(response.body, str) else json.dumps(response.body)
                data = body.encode("utf-8")
                self.send_response(response.status)
                for name, values in response.headers.items():
                    if name.lower() == "content-length":
                        continue
                    for value in values:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = _Server((host, port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()

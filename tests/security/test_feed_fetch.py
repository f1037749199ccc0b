"""Feed URLs: one deadline for the whole fetch (a feed trickling a byte a second does not
hold the writer lock), and no fetches of loopback, private or link-local addresses unless
NEWSBOT_ALLOW_PRIVATE_FEEDS=1 (link-local, the cloud metadata service, never), whether the
URL names them or a redirect leads there. Every server here is on 127.0.0.1, and a guard
refuses any other connection, so nothing leaves the machine even on the old code."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import make_settings
from tests.ingest.conftest import RSS_FEED, send_rss, stored
from ingest.run import ingest_sources


class FeedServer:
    """/feed.xml, /slow (a byte every 0.3 s), /to-metadata and /to-feed (302 redirects)."""

    def __init__(self):
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests.append(self.path)
                if self.path == "/slow":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.end_headers()
                    try:
                        for byte in RSS_FEED.encode()[:60]:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(0.3)
                    except OSError:
                        pass
                    return
                if self.path.startswith("/to-"):
                    target = {"/to-metadata": "http://169.254.169.254/latest/meta-data/",
                              "/to-feed": "/feed.xml"}[self.path]
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                send_rss(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def feeds():
    server = FeedServer()
    yield server
    server.server.shutdown()


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Like tests/netguard: a connection to anything but loopback raises (and is recorded)."""
    import ipaddress

    attempts = []
    real = socket.socket.connect

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not ipaddress.ip_address(address[0]).is_loopback:
            attempts.append(address)
            raise ConnectionRefusedError(f"blocked by the test: {address!r}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def test_one_deadline_for_the_whole_fetch(tmp_path, feeds):
    settings = make_settings(tmp_path / "data", allow_private_feeds=True, feed_timeout=1.5)
    ingest_sources(settings, [])  # the store opened and its imports done: time the fetch alone
    started = time.monotonic()
    report = ingest_sources(settings, [feeds.url("/slow")])  # today: 18 s, one byte at a time
    took = time.monotonic() - started
    assert took < 1.5 + 3, f"the ingest took {took:.1f} s"
    assert len(report.skipped) == 1 and "1.5 s" in report.skipped[0]["reason"], report.skipped


def test_private_addresses_are_refused_by_default(tmp_path, feeds, loopback_only):
    settings = make_settings(tmp_path / "data")  # NEWSBOT_ALLOW_PRIVATE_FEEDS off
    report = ingest_sources(settings, [feeds.url("/feed.xml")])
    assert feeds.requests == [] and report.added == 0
    [skip] = report.skipped
    assert "127.0.0.1" in skip["reason"] and "NEWSBOT_ALLOW_PRIVATE_FEEDS" in skip["reason"]


def test_a_redirect_to_the_metadata_service_is_refused(tmp_path, feeds, loopback_only):
    settings = make_settings(tmp_path / "data", allow_private_feeds=True)
    report = ingest_sources(settings, [feeds.url("/to-metadata")])
    assert loopback_only == [], "a connection to 169.254.169.254 was attempted"
    [skip] = report.skipped
    assert "169.254.169.254" in skip["reason"] and "link-local" in skip["reason"], skip

    allowed = ingest_sources(settings, [feeds.url("/to-feed")])  # a redirect on the allowed network
    assert allowed.added == 2 and allowed.skipped == []
    assert {e["meta"]["title"] for e in stored(settings).values()} == {
        "River festival draws record crowds", "Library extends opening hours"}

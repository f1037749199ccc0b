"""Fetching a feed URL: one deadline for the whole fetch, and only public addresses.

A per-read timeout bounds nothing: a server sending a byte a second keeps every read
alive, and ingest holds the writer lock meanwhile. So the fetch gets one deadline
(NEWSBOT_FEED_TIMEOUT), from connecting to the last byte, redirects included; when it
passes, the sockets are shut down and the fetch fails with that reason.

A feed URL, or a redirect from it, can point into the network newsbot runs in: the cloud
metadata service (169.254.169.254), an admin page on 127.0.0.1 or 10.x. Every host, the
URL's and each redirect's, is resolved and its addresses checked before it is contacted,
and the connection goes to the checked address itself (a DNS answer that changes in
between cannot slip another one in; behind a proxy the URL's host is checked): loopback and private addresses
are refused unless NEWSBOT_ALLOW_PRIVATE_FEEDS=1 (feeds on your own network); link-local
addresses never hold a feed and are always refused.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
import time
import urllib.request
from urllib.error import URLError
from urllib.parse import urlsplit

CHUNK_BYTES = 1 << 16


class FetchRefused(Exception):
    """The fetch was not made (or stopped); the message says why."""


def refusal(address: str, allow_private: bool) -> str | None:
    """Why an IP address may not be fetched from, or None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_link_local:
        return f"{ip} is a link-local address (such as the cloud metadata service); feeds are never fetched from one"
    if ip.is_multicast:
        return f"{ip} is a multicast address"
    if not ip.is_global and not allow_private:
        return (f"{ip} is a loopback or private address; set NEWSBOT_ALLOW_PRIVATE_FEEDS=1 to fetch feeds "
                "from your own network")
    return None


def check_url(url: str, allow_private: bool) -> None:
    """An http(s) URL whose host resolves only to addresses we may fetch from."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(f"not an http(s) URL: {url}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        raise FetchRefused(f"cannot resolve {parts.hostname}: {exc}") from None
    for *_, sockaddr in infos:
        why = refusal(sockaddr[0], allow_private)
        if why:
            raise FetchRefused(f"{parts.hostname}: {why}")


class _Fetch:
    """The sockets of one fetch, shut down when its deadline passes."""

    def __init__(self, timeout: float, allow_private: bool):
        self.timeout = timeout
        self.allow_private = allow_private
        self.deadline = time.monotonic() + timeout
        self.expired = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def connection(self, base, check_peer: bool):
        fetch = self

        class Connection(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._create_connection = fetch.create_connection if check_peer else fetch.create_unchecked

        return Connection

    def create_unchecked(self, address, timeout=None, source_address=None, **kwargs):
        sock = socket.create_connection(address, self.remaining(), source_address, **kwargs)
        self.register(sock)
        return sock

    def create_connection(self, address, timeout=None, source_address=None, **kwargs):
        """Resolve, check every address, then connect to a checked one."""
        host, port = address
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        for *_, sockaddr in infos:
            why = refusal(sockaddr[0], self.allow_private)
            if why:
                raise FetchRefused(f"{host}: {why}")
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in infos:
            sock = socket.socket(family, kind, proto)
            self.register(sock)
            try:
                sock.settimeout(self.remaining())
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error or OSError(f"cannot connect to {host}")

    def register(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
            if self.expired:
                _shut(sock)

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.expire()
            raise FetchRefused(self.too_slow())
        return left

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                _shut(sock)

    def too_slow(self) -> str:
        return f"the feed took longer than {self.timeout:g} s (NEWSBOT_FEED_TIMEOUT)"


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _opener(fetch: _Fetch) -> urllib.request.OpenerDirector:
    class Http(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(fetch.connection(http.client.HTTPConnection, not req.has_proxy()), req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req):
            direct = not req.has_proxy() and not req._tunnel_host
            return self.do_open(fetch.connection(http.client.HTTPSConnection, direct), req,
                                context=self._context)

    class Redirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            try:
                check_url(newurl, fetch.allow_private)
            except FetchRefused as exc:
                raise FetchRefused(f"redirected to {newurl}: {exc}") from None
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(Http, Https, Redirects)


def fetch_url(url: str, *, max_bytes: int | None, timeout: float, allow_private: bool) -> bytes:
    """The body at `url` (redirects followed), at most `max_bytes`, within `timeout` seconds
    in all. Raises FetchRefused (a refused address, the deadline, the size cap) or OSError."""
    check_url(url, allow_private)
    fetch = _Fetch(timeout, allow_private)
    watchdog = threading.Timer(timeout, fetch.expire)
    watchdog.daemon = True
    watchdog.start()
    request = urllib.request.Request(url, headers={"User-Agent": "newsbot feed reader"})
    try:
        with _opener(fetch).open(request, timeout=timeout) as response:
            parts, size = [], 0
            while True:
                fetch.remaining()
                part = response.read(CHUNK_BYTES)
                if not part:
                    break
                parts.append(part)
                size += len(part)
                if max_bytes is not None and size > max_bytes:
                    raise FetchRefused(f"feed is over the NEWSBOT_MAX_ARTICLE_BYTES cap of {max_bytes:,}")
    except (URLError, OSError, http.client.HTTPException) as exc:
        if fetch.expired:
            raise FetchRefused(fetch.too_slow()) from None
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, FetchRefused):
            raise reason from None
        raise
    finally:
        watchdog.cancel()
    if fetch.expired:  # the shutdown can look like the end of the body
        raise FetchRefused(fetch.too_slow())
    return b"".join(parts)

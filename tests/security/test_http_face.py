"""The Slack HTTP face under hostile clients: the real `newsbot serve --http` process with the
real Bolt app against a fake Slack, spoken to over raw sockets where a client would lie.

Rules checked: bad or oversized bodies are refused without being read; malformed or unsigned
JSON gets a 4xx and one log line, never a traceback; an unread body never runs as a second
request; half-open connections are closed by the read timeout while others are served;
running out of descriptors does not spin a core; the default bind is loopback; Socket Mode
has a health port when asked; a replayed signed `/ask` is answered once; every mrkdwn text
the bot posts is `verbatim` (Slack auto-links nothing).
"""

from __future__ import annotations

import json
import os
import re
import resource
import selectors
import socket
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest


from tests.bot.slack.botproc import free_port, ingest_seeds_and_hostile, post, start_bot, stop_bot
from tests.bot.slack.fake_slack import BOT_USER, event_callback, mention, sign, slash_command


pytestmark = pytest.mark.slack

QUESTION = "How much money in waivers have Mexican programs received?"
HOSTILE_QUESTION = "What did the Riverton city council approve for the Harbor Bridge repairs?"
WORKING = (":mag:", ":hourglass_flowing_sand:")
READ_TIMEOUT = 2  # NEWSBOT_HTTP_READ_TIMEOUT for these bots: half-open connections go fast


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    return ingest_seeds_and_hostile(tmp_path_factory.mktemp("http-face-index"))


@pytest.fixture(scope="module")
def bot(tmp_path_factory, seeded):
    """HTTP mode started without `--host`: whatever the default bind is."""
    bot = start_bot(tmp_path_factory, seeded, http=True, host=None, NEWSBOT_HTTP_READ_TIMEOUT=str(READ_TIMEOUT))
    yield bot
    stop_bot(bot)


# --- raw HTTP ---------------------------------------------------------------------------


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def read_responses(sock: socket.socket, until_closed: bool = True) -> tuple[list[int], bool]:
    """Status codes of the responses read, and whether the server closed the connection."""
    data = b""
    closed = False
    try:
        while True:
            got = sock.recv(65536)
            if not got:
                closed = True
                break
            data += got
            if not until_closed and b"\r\n\r\n" in data:
                break
    except ConnectionResetError:
        closed = True
    except TimeoutError:
        pass
    return [int(s) for s in re.findall(rb"HTTP/1\.[01] (\d{3}) ", data)], closed


def log_lines(bot) -> list[str]:
    return bot.log().splitlines()


def listen_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.add(addr)
    return found


def healthz(port: int) -> tuple[int, str, float]:
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
        return resp.status, resp.read().decode(), time.monotonic() - started


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settled_descriptors(pid: int) -> int:
    """Descriptors the process holds once closing connections have been let go."""
    count = len(os.listdir(f"/proc/{pid}/fd"))
    for _ in range(40):
        time.sleep(0.5)
        now = len(os.listdir(f"/proc/{pid}/fd"))
        if now == count:
            break
        count = now
    return count


def signed_mention(bot, channel: str, question: str = QUESTION):
    message = bot.fake.user_message(channel, f"<@{BOT_USER}> {question}")
    body = json.dumps(event_callback(mention(message)))
    return message, post(bot.url, body, sign(body))


def final_update(fake, channel: str, timeout: float = 60.0):
    def find():
        done = [c for c in fake.calls_of("chat.update", channel=channel)
                if not str(c.args.get("text", "")).startswith(WORKING)]
        return done[-1] if done else None

    return fake.wait_for(find, timeout, f"the answer in {channel}")


# --- the tests --------------------------------------------------------------------------


def test_default_bind_is_loopback(bot):
    addresses = listen_addresses(bot.port)
    assert addresses == {"0100007F"}, f"listening on {addresses} (hex), not only 127.0.0.1"
    assert f"127.0.0.1:{bot.port}" in bot.log()


@pytest.mark.parametrize("length, sent", [
    ("-1", b"{" * 1024),
    ("abc", b"{" * 1024),
    (str(150 * 1024 * 1024), b"{" * 1024),
])
def test_bad_or_huge_content_length_is_refused_and_closed_without_reading(bot, length, sent):
    sock = connect(bot.port)
    head = (f"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()
    before = len(log_lines(bot))
    started = time.monotonic()
    sock.sendall(head + sent)  # and keep the connection open: a server that reads on waits
    statuses, closed = read_responses(sock)
    sock.close()
    assert statuses and statuses[0] in (400, 411, 413), f"Content-Length {length}: got {statuses}"
    assert closed and time.monotonic() - started < 5
    assert "Traceback" not in "\n".join(log_lines(bot)[before:])
    assert healthz(bot.port)[0] == 200


def test_malformed_or_unsigned_json_is_a_4xx_with_one_log_line(bot):
    cases = [
        ("signed, malformed JSON", '{"type": "event_callback", "event": {', True, "application/json", (400,)),
        ("unsigned, malformed JSON", '{"type": ', False, "application/json", (400, 401)),
        ("unsigned, valid JSON", json.dumps(event_callback({"type": "app_mention", "text": "x"})), False,
         "application/json", (401,)),
        ("signed form, malformed payload", urlencode({"payload": '{"type": "block_actions",'}), True,
         "application/x-www-form-urlencoded", (400,)),
        ("unsigned, newline in body", '{"a": "forged\nERROR fake line"', False, "application/json", (400, 401)),
    ]
    for name, body, signed, content_type, allowed in cases:
        before = len(log_lines(bot))
        status, _, _ = post(bot.url, body, sign(body) if signed else {}, content_type)
        time.sleep(0.3)
        new = log_lines(bot)[before:]
        assert status in allowed, f"{name}: {status}"
        assert len(new) == 1, f"{name}: {len(new)} log lines: {new[:8]}"
        assert "Traceback" not in new[0] and "fake line" not in new[0]
    assert bot.alive()


def test_body_on_an_unknown_path_is_not_run_as_a_second_request(bot):
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n"
    sock = connect(bot.port)
    sock.sendall(b"POST /not-slack HTTP/1.1\r\nHost: bot\r\nContent-Length: %d\r\n\r\n" % len(smuggled)
                 + smuggled
                 + b"GET /also-missing HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n\r\n")
    statuses, _ = read_responses(sock)
    sock.close()
    assert statuses == [404, 404], f"responses {statuses}: want one 404 per request, the body never run"


def test_half_open_connections_are_closed_while_others_are_served(bot):
    before = len(log_lines(bot))
    opened = time.monotonic()
    held = []
    for _ in range(400):
        sock = connect(bot.port)
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 10")  # never finished
        held.append(sock)
    status, body, seconds = healthz(bot.port)
    assert status == 200 and body == "ok" and seconds < 1.0, f"/healthz took {seconds:.2f} s"
    _, (status, _, seconds) = signed_mention(bot, "CSLOW")
    assert status == 200 and seconds < 3.0, f"event acked {status} after {seconds:.2f} s"
    final_update(bot.fake, "CSLOW")

    selector = selectors.DefaultSelector()
    for sock in held:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    open_count = len(held)
    deadline = opened + 60
    while open_count and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1):
            try:
                data = key.fileobj.recv(4096)
            except (ConnectionResetError, BlockingIOError):
                data = b""
            if not data:
                selector.unregister(key.fileobj)
                key.fileobj.close()
                open_count -= 1
    took = time.monotonic() - opened
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    assert open_count == 0, f"{open_count} of 400 half-open connections still open after {took:.0f} s"
    assert took < 60
    assert "Traceback" not in "\n".join(log_lines(bot)[before:])
    assert healthz(bot.port)[0] == 200


def test_running_out_of_descriptors_does_not_spin_a_core(bot):
    pid = bot.process.pid
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    in_use = settled_descriptors(pid)
    held = []
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (in_use + 20, hard))
    try:
        for _ in range(120):  # more than the process can accept: the rest wait in the backlog
            sock = socket.socket()
            sock.settimeout(5)
            sock.connect(("127.0.0.1", bot.port))
            held.append(sock)
        time.sleep(1.0)
        cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
        time.sleep(4.0)
        used = (cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
        assert used < 0.25, f"serve used {used:.0%} of a core while out of descriptors"
        assert bot.alive()
    finally:
        for sock in held:
            sock.close()
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
    deadline = time.monotonic() + 20
    while True:  # descriptors back: it serves again
        try:
            assert healthz(bot.port)[0] == 200
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_replayed_signed_ask_is_answered_once(bot):
    fake = bot.fake
    body = urlencode(slash_command(fake, "/ask", QUESTION, "UALICE", "CREPLAY"))
    headers = sign(body)
    for _ in range(3):  # the original and two replays of the same signed request
        status, _, _ = post(bot.url, body, headers, "application/x-www-form-urlencoded")
        assert status == 200
    final_update(fake, "CREPLAY")
    time.sleep(1.0)
    assert len(fake.calls_of("chat.postMessage", channel="CREPLAY")) == 1
    answers = [c for c in fake.calls_of("chat.update", channel="CREPLAY")
               if not str(c.args.get("text", "")).startswith(WORKING)]
    assert len(answers) == 1


def test_every_mrkdwn_text_posted_is_verbatim(bot):
    fake = bot.fake
    signed_mention(bot, "CVERB1", HOSTILE_QUESTION)
    final_update(fake, "CVERB1")
    body = urlencode(slash_command(fake, "/ask", "is https://evil.example/x about @here or #general?",
                                   "UALICE", "CVERB2"))
    post(bot.url, body, sign(body), "application/x-www-form-urlencoded")
    final_update(fake, "CVERB2")
    calls = [c for c in fake.calls if c.method in ("chat.postMessage", "chat.update")
             and c.args.get("channel") in ("CVERB1", "CVERB2")]
    texts = []
    for call in calls:
        blocks = call.args.get("blocks")
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        for block in blocks or []:
            if block["type"] == "section":
                texts += [block["text"], *block.get("fields", [])]
            elif block["type"] == "context":
                texts += block["elements"]
    mrkdwn = [t for t in texts if t.get("type") == "mrkdwn"]
    assert len(calls) >= 4 and len(mrkdwn) >= 4
    assert any("evil.example" in t["text"] for t in mrkdwn)
    not_verbatim = [t["text"][:60] for t in mrkdwn if t.get("verbatim") is not True]
    assert not not_verbatim, f"mrkdwn without verbatim: {not_verbatim}"


def test_socket_mode_has_a_loopback_health_port_when_set(tmp_path_factory, seeded):
    port = free_port()
    socket_bot = start_bot(tmp_path_factory, seeded, NEWSBOT_HEALTH_PORT=str(port))
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                status, body, seconds = healthz(port)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"nothing answers /healthz on port {port} in Socket Mode")
                time.sleep(0.2)
        assert status == 200 and body == "ok" and seconds < 1.0
        assert listen_addresses(port) == {"0100007F"}
    finally:
        stop_bot(socket_bot)

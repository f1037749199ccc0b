"""A fake Slack for the tests: Web API methods over HTTP, and Socket Mode over WebSocket.

Like slack-sdk's and slack-bolt's own test suites, this is a local aiohttp server that
answers the Web API methods the bot calls (`auth.test`, `chat.postMessage`, `chat.update`,
`conversations.replies`, `apps.connections.open`, ...) and records every call with its
arrival time. `apps.connections.open` hands out a `ws://` URL on the same server, which
speaks Socket Mode: `hello` on connect, envelopes pushed by the test, acks recorded by
`envelope_id`. Threads keep their messages (the test's and the bot's) for
`conversations.replies` and `conversations.history`; message timestamps come from the
real clock, as Slack's do, and a message posted with `metadata` keeps it (returned only
with `include_all_metadata`, as Slack documents).

Test-only knobs are plain attributes: `fail_next` (a method's next call fails), `hold`
(the next `chat.postMessage` is held until `release()`: "delivered", Slack keeps the
message and the reply never reaches the bot, or "lost", the request never reaches the
channel), `ai_apps`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-1234-5678-fakebottoken"
APP_TOKEN = "xapp-1-A111-2222-fakeapptoken"
SIGNING_SECRET = "fake-signing-secret-0123456789"
BOT_USER = "UNEWSBOT"
BOT_ID = "BNEWSBOT"
TEAM = "T0TEST"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float  # time.monotonic()
    token: str | None = None
    result: dict = field(default_factory=dict)  # what the fake answered

    @property
    def ts(self) -> str | None:
        return self.result.get("ts")


@dataclass
class Ack:
    envelope_id: str
    payload: Any
    at: float


@dataclass
class Thread:
    messages: list[dict] = field(default_factory=list)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.acks: dict[str, Ack] = {}
        self.connections = 0
        self._threads: dict[tuple[str, str], Thread] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0
        # The Agents & AI Apps feature: off, the status and streaming methods answer
        # `not_allowed` (an app without it); tests of the streamed answer turn it on.
        self.ai_apps = False
        self.streams: dict[str, dict] = {}  # ts → channel, thread_ts, chunks, stopped, blocks
        self.fail_next: dict[str, str] = {}  # method → the error its next call returns
        self.triggers: set[str] = set()  # trigger_ids handed out in payloads (views.open wants one)
        self.hold: str | None = None  # "delivered" or "lost": what the next chat.postMessage does
        self.held = threading.Event()  # set once a chat.postMessage is being held
        self._released = threading.Event()
        self._last_ts = 0.0

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> "FakeSlack":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def _stop() -> None:
            for ws in list(self._sockets):
                await ws.close()
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # --- the Web API -----------------------------------------------------------------

    def next_ts(self) -> str:
        """A message timestamp: the real clock, unique and increasing, as Slack's."""
        with self._lock:
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def release(self) -> None:
        """Let a held chat.postMessage (see `hold`) go on."""
        self._released.set()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        mode = None
        if method == "chat.postMessage" and self.hold:
            mode, self.hold = self.hold, None
        if mode == "lost":
            self.held.set()
            await self._until_released()
            return web.json_response({"ok": False, "error": "request_timeout"})
        args: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                args.update(json.loads(raw))
            else:
                args.update(parse_qsl(raw.decode()))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or args.get("token")
        at = time.monotonic()
        result = self._answer(method, args, token)
        with self._lock:
            self.calls.append(Call(method, args, at, token, result))
        if mode == "delivered":
            self.held.set()
            await self._until_released()
        return web.json_response(result)

    async def _until_released(self) -> None:
        while not self._released.is_set():
            await asyncio.sleep(0.05)

    def _answer(self, method: str, args: dict, token: str | None) -> dict:
        if method == "apps.connections.open":
            if token != APP_TOKEN:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link?ticket={uuid.uuid4()}"}
        if token != BOT_TOKEN:
            return {"ok": False, "error": "invalid_auth"}
        if method in self.fail_next:
            with self._lock:
                return {"ok": False, "error": self.fail_next.pop(method)}
        if method.startswith(("assistant.threads.", "chat.startStream", "chat.appendStream", "chat.stopStream")):
            return self._ai_app(method, args)
        if method == "views.open":
            trigger = args.get("trigger_id")
            if trigger not in self.triggers:
                return {"ok": False, "error": "invalid_trigger_id"}
            self.triggers.discard(trigger)
            view = args.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            if not isinstance(view, dict) or view.get("type") != "modal" or not view.get("title"):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "view": dict(view, id=f"V{uuid.uuid4().hex[:8].upper()}")}
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack/", "team": "Fake Team", "user": "newsbot",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "chat.postMessage":
            if args.get("channel", "").startswith("CNOTIN"):  # a channel the bot is not in
                return {"ok": False, "error": "not_in_channel"}
            ts = self.next_ts()
            message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "text": args.get("text"),
                       "ts": ts, "thread_ts": args.get("thread_ts")}
            if args.get("metadata"):
                meta = args["metadata"]
                message["metadata"] = json.loads(meta) if isinstance(meta, str) else meta
            self._thread_of(args["channel"], args.get("thread_ts") or ts).messages.append(message)
            return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}
        if method == "chat.update":
            for thread in self._threads.values():
                for m in thread.messages:
                    if m["ts"] == args.get("ts"):
                        m["text"] = args.get("text")
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts"), "text": args.get("text")}
        if method == "conversations.replies":
            messages = with_metadata_if_asked(self._thread_of(args["channel"], args["ts"]).messages, args)
            limit = int(args.get("limit") or 1000)
            return {"ok": True, "messages": messages[:limit], "has_more": len(messages) > limit}
        if method == "conversations.history":
            return self._history(args)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self.next_ts()}
        return {"ok": True}

    def _history(self, args: dict) -> dict:
        """conversations.history: the channel's top-level messages, newest first, strictly
        between `oldest` and `latest` (bounds included with `inclusive`), `limit` a page
        (default 100), the next page's `cursor` in response_metadata.next_cursor."""
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or time.time() + 1)
        inclusive = is_true(args.get("inclusive"))
        with self._lock:
            top = [m for (channel, ts), thread in self._threads.items() if channel == args["channel"]
                   for m in thread.messages if m["ts"] == ts]
        shown = [m for m in top if oldest < float(m["ts"]) < latest
                 or inclusive and float(m["ts"]) in (oldest, latest)]
        shown = with_metadata_if_asked(sorted(shown, key=lambda m: float(m["ts"]), reverse=True), args)
        start, limit = int(args.get("cursor") or 0), int(args.get("limit") or 100)
        page, more = shown[start : start + limit], start + limit < len(shown)
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    # --- the Agents & AI Apps methods (shapes and errors of docs.slack.dev) -----------

    def _ai_app(self, method: str, args: dict) -> dict:
        if not self.ai_apps:
            return {"ok": False, "error": "not_allowed"}
        channel = args.get("channel_id") if method.startswith("assistant.") else args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if channel.startswith("CNOTIN"):
            return {"ok": False, "error": "not_in_channel"}
        if method == "assistant.threads.setStatus":
            loading = args.get("loading_messages")
            if not args.get("thread_ts") or not isinstance(args.get("status"), str):
                return {"ok": False, "error": "invalid_arguments"}
            if loading is not None and (not isinstance(loading, list) or len(loading) > 10
                                        or not all(isinstance(m, str) for m in loading)):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True}
        if method == "assistant.threads.setSuggestedPrompts":
            prompts = args.get("prompts")
            if not isinstance(prompts, list) or not 1 <= len(prompts) <= 4 or not all(
                    isinstance(p, dict) and p.get("title") and p.get("message") for p in prompts):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True}
        if method == "assistant.threads.setTitle":
            if not args.get("thread_ts") or not args.get("title"):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True}
        chunks = args.get("chunks") or []
        if args.get("markdown_text"):
            chunks = [{"type": "markdown_text", "text": args["markdown_text"]}] + list(chunks)
        if any(len(c.get("text") or "") > 12000 for c in chunks):
            return {"ok": False, "error": "msg_too_long"}
        if method == "chat.startStream":
            if not args.get("thread_ts"):
                return {"ok": False, "error": "invalid_arguments"}
            if not channel.startswith("D") and not (args.get("recipient_user_id") and args.get("recipient_team_id")):
                return {"ok": False, "error": "invalid_arguments"}  # required when streaming to channels
            ts = self.next_ts()
            message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "text": "", "ts": ts,
                       "thread_ts": args["thread_ts"]}
            self._thread_of(channel, args["thread_ts"]).messages.append(message)
            with self._lock:
                self.streams[ts] = {"channel": channel, "thread_ts": args["thread_ts"], "chunks": chunks,
                                    "stopped": False, "blocks": None, "message": message}
            message["text"] = self.stream_text(ts)
            return {"ok": True, "channel": channel, "ts": ts}
        with self._lock:
            stream = self.streams.get(args.get("ts") or "")
        if stream is None or stream["channel"] != channel:
            return {"ok": False, "error": "message_not_found"}
        if stream["stopped"]:
            return {"ok": False, "error": "message_not_in_streaming_state"}
        if method == "chat.appendStream" and not chunks:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            stream["chunks"] = stream["chunks"] + chunks
            if method == "chat.stopStream":
                stream["stopped"] = True
                stream["blocks"] = args.get("blocks")
        stream["message"]["text"] = self.stream_text(args["ts"])
        return {"ok": True, "channel": channel, "ts": args["ts"]}

    def stream_text(self, ts: str) -> str:
        """The markdown text a streamed message shows so far."""
        return "".join(c.get("text", "") for c in self.streams[ts]["chunks"] if c.get("type") == "markdown_text")

    def issue_trigger(self) -> str:
        trigger = f"{next(self._ts)}.{uuid.uuid4().int % 10**8}.{uuid.uuid4().hex[:16]}"
        self.triggers.add(trigger)
        return trigger

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._lock:
            self.calls.append(Call("response_url", body, time.monotonic()))
        return web.Response(text="ok")

    def _thread_of(self, channel: str, thread_ts: str) -> Thread:
        with self._lock:
            return self._threads.setdefault((channel, thread_ts), Thread())

    def user_message(self, channel: str, text: str, user: str = "UALICE", thread_ts: str | None = None) -> dict:
        """A person's message, kept in its thread (for `conversations.replies`); its event."""
        ts = self.next_ts()
        message = {"type": "message", "user": user, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self._thread_of(channel, thread_ts or ts).messages.append(dict(message))
        return dict(message, channel=channel)

    # --- Socket Mode -----------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({
            "type": "hello", "num_connections": 1,
            "debug_info": {"host": "fake", "approximate_connection_time": 3600},
            "connection_info": {"app_id": "A0TEST"},
        }))
        with self._lock:
            self.connections += 1
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    data = json.loads(msg.data)
                    if "envelope_id" in data:
                        with self._lock:
                            self.acks[data["envelope_id"]] = Ack(data["envelope_id"], data.get("payload"), time.monotonic())
        finally:
            self._sockets.remove(ws)
        return ws

    def send_envelope(self, kind: str, payload: dict, retry_attempt: int = 0) -> str:
        """Push an `events_api` / `slash_commands` / `interactive` envelope; its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id, "type": kind, "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else "",
        }

        async def send() -> None:
            await self._sockets[-1].send_str(json.dumps(envelope))

        asyncio.run_coroutine_threadsafe(send(), self._loop).result(5)
        return envelope_id

    # --- what the tests look at ------------------------------------------------------

    def calls_of(self, method: str, **match: Any) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c.method == method and all(c.args.get(k) == v for k, v in match.items())]

    def wait_for(self, check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
        """Poll `check()` until it returns something truthy; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = check()
            if got:
                return got
            time.sleep(0.02)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; calls: {self.summary()}")

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        return self.wait_for(lambda: self.acks.get(envelope_id), timeout, f"ack of {envelope_id}")

    def summary(self) -> str:
        with self._lock:
            return "; ".join(f"{c.method}({str(c.args.get('text'))[:60]!r})" for c in self.calls[-20:])


def is_true(value: Any) -> bool:
    """A boolean argument as a form post or JSON body carries it."""
    return str(value).lower() in ("1", "true")


def with_metadata_if_asked(messages: list[dict], args: dict) -> list[dict]:
    """Slack returns a message's metadata only to a call with include_all_metadata."""
    if is_true(args.get("include_all_metadata")):
        return [dict(m) for m in messages]
    return [{k: v for k, v in m.items() if k != "metadata"} for m in messages]


# --- payload builders -----------------------------------------------------------------


def event_callback(event: dict, event_id: str | None = None) -> dict:
    return {
        "token": "legacy-verification-token", "team_id": TEAM, "api_app_id": "A0TEST",
        "event": dict(event, event_ts=event.get("ts")), "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}", "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }


def mention(message: dict) -> dict:
    return dict(message, type="app_mention")


def channel_message(message: dict, channel_type: str = "channel") -> dict:
    return dict(message, type="message", channel_type=channel_type)


def slash_command(fake: FakeSlack, command: str, text: str, user: str, channel: str) -> dict:
    return {
        "token": "legacy", "team_id": TEAM, "team_domain": "fake", "channel_id": channel,
        "channel_name": "news", "user_id": user, "user_name": user.lower(), "command": command,
        "text": text, "api_app_id": "A0TEST", "is_enterprise_install": "false",
        "response_url": f"http://127.0.0.1:{fake.port}/respond/{uuid.uuid4().hex}",
        "trigger_id": "1.2.3",
    }


def block_action(channel: str, message: dict, user: str, value: str) -> dict:
    return {
        "type": "block_actions", "team": {"id": TEAM, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0TEST", "token": "legacy", "trigger_id": "1.2.3",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel, "is_ephemeral": False},
        "channel": {"id": channel, "name": "news"}, "message": message,
        "response_url": "http://127.0.0.1:9/none",
        "actions": [{"type": "button", "action_id": f"feedback_{value}", "block_id": "feedback",
                     "value": value, "action_ts": str(time.time()),
                     "text": {"type": "plain_text", "text": "x"}}],
    }


def assistant_thread_started(channel: str, thread_ts: str, user: str = "UALICE") -> dict:
    """The event of a person opening the assistant pane (a new assistant thread)."""
    return {"type": "assistant_thread_started", "event_ts": thread_ts,
            "assistant_thread": {"user_id": user, "channel_id": channel, "thread_ts": thread_ts,
                                 "context": {"channel_id": "CNEWS1", "team_id": TEAM, "enterprise_id": None}}}


def assistant_message(message: dict) -> dict:
    """A person's message in an assistant thread: `message.im` with a thread_ts."""
    return dict(message, type="message", channel_type="im", team=TEAM)


def view_submission(view_id: str, callback_id: str, private_metadata: str, values: dict, user: str) -> dict:
    return {"type": "view_submission", "team": {"id": TEAM, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0TEST",
            "token": "legacy", "trigger_id": "1.2.4",
            "view": {"id": view_id, "type": "modal", "callback_id": callback_id,
                     "private_metadata": private_metadata, "state": {"values": values}}}


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's request signature headers for `body`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}

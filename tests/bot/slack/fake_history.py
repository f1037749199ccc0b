"""The fake Slack with what the watch tests need beyond it: `conversations.history` (with
message metadata, as Slack returns it with `include_all_metadata`), message timestamps
from the real clock (as Slack's), and a way to hold the next `chat.postMessage` so a test
can kill the bot between a watch's "posting" record and its "posted" record:
"delivered" (Slack keeps the message, the reply never reaches the bot) or "lost" (the
request never reaches the channel)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

from aiohttp import web

from tests.bot.slack.fake_slack import BOT_TOKEN, FakeSlack


class HistoryFakeSlack(FakeSlack):
    def __init__(self) -> None:
        super().__init__()
        self.hold: str | None = None  # "delivered" or "lost": what the next chat.postMessage does
        self.held = threading.Event()  # set once a call is being held
        self._released = threading.Event()
        self._last_ts = 0.0

    def next_ts(self) -> str:
        with self._lock:
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def release(self) -> None:
        self._released.set()

    async def _api(self, request: web.Request) -> web.Response:
        mode = None
        if request.match_info["method"] == "chat.postMessage" and self.hold:
            mode, self.hold = self.hold, None
        if mode == "lost":
            self.held.set()
            await self._until_released()
            return web.json_response({"ok": False, "error": "request_timeout"})
        response = await super()._api(request)
        if mode == "delivered":
            self.held.set()
            await self._until_released()
        return response

    async def _until_released(self) -> None:
        while not self._released.is_set():
            await asyncio.sleep(0.05)

    def _answer(self, method: str, args: dict, token: str | None) -> dict:
        if method == "conversations.history" and token == BOT_TOKEN:
            return self._history(args)
        result = super()._answer(method, args, token)
        if method == "chat.postMessage" and result.get("ok") and args.get("metadata"):
            meta = args["metadata"]
            result["message"]["metadata"] = json.loads(meta) if isinstance(meta, str) else meta
        return result

    def _history(self, args: dict) -> dict:
        if "conversations.history" in self.fail_next:
            with self._lock:
                return {"ok": False, "error": self.fail_next.pop("conversations.history")}
        oldest = float(args.get("oldest") or 0)
        with self._lock:
            top = [m for (channel, ts), thread in self._threads.items() if channel == args.get("channel")
                   for m in thread.messages if m["ts"] == ts and float(ts) > oldest]
        with_meta = str(args.get("include_all_metadata")).lower() in ("1", "true")
        messages = [m if with_meta else {k: v for k, v in m.items() if k != "metadata"}
                    for m in sorted(top, key=lambda m: float(m["ts"]), reverse=True)]
        return {"ok": True, "messages": messages, "has_more": False, "response_metadata": {"next_cursor": ""}}

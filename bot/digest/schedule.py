"""Scheduled digests (NEWSBOT_DIGESTS, e.g. `C0123:08:00:cyber security`): each entry is
posted once a day at its local time, in its channel, about its optional topic.

Guarantee: at most once per entry and day. The day is recorded as claimed *before* the
digest is posted, in a marker that survives restarts and `kill -9` (a file replaced
atomically in the data dir; in server mode a small Chroma collection every bot process
shares). A crash between the claim and the post loses that day's digest rather than
posting it twice. A time missed while the bot was down is posted once when it starts,
for today only: a bot down for a week does not post a week of digests.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Callable

from bot.periodic import run_every

log = logging.getLogger(__name__)
CHECK_EVERY = 30.0  # seconds between looks at the clock
# In server mode two bots may claim at once; each re-reads after this pause and only the
# one whose claim stands posts (the store keeps the last write).
SETTLE_SECONDS = 1.0


@dataclass(frozen=True)
class Entry:
    channel: str
    at: time
    topic: str | None = None

    @property
    def key(self) -> str:
        return f"{self.channel}|{self.at:%H:%M}|{self.topic or ''}"


def parse_entries(values: list[str]) -> list[Entry]:
    """`CHANNEL:HH:MM[:topic]` each; a bad one is an error naming it."""
    entries = []
    for value in values:
        parts = value.split(":", 3)
        try:
            if len(parts) < 3 or not parts[0].strip():
                raise ValueError
            at = time(int(parts[1]), int(parts[2]))
        except ValueError:
            raise ValueError(f"NEWSBOT_DIGESTS entry {value!r}: use CHANNEL:HH:MM[:topic], e.g. C0123:08:00:cyber security") from None
        entries.append(Entry(parts[0].strip(), at, (parts[3].strip() if len(parts) > 3 else "") or None))
    return entries


class FileMarkers:
    """Claimed days in one JSON file, replaced atomically and fsynced (embedded mode)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        try:
            return json.loads(self.path.read_text(encoding="utf-8")).get(key)
        except FileNotFoundError:
            return None

    def put(self, key: str, value: dict) -> None:
        with self._lock:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                data = {}
            data[key] = value
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "w", encoding="utf-8") as out:
                json.dump(data, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)


class ChromaMarkers:
    """Claimed days in a Chroma collection of the shared server (server mode)."""

    def __init__(self, client, name: str):
        from index.chroma_kvstore import ChromaKVStore

        self.kv = ChromaKVStore(client, name)

    def get(self, key: str) -> dict | None:
        return self.kv.get(key, collection="digests")

    def put(self, key: str, value: dict) -> None:
        self.kv.put(key, value, collection="digests")


def markers_for(settings, store):
    if settings.chroma_url:
        return ChromaMarkers(store.client, f"{settings.collection}-schedule")
    return FileMarkers(Path(settings.data_dir) / "digests-posted.json")


class Scheduler:
    """`tick()` posts every entry whose time today has come and whose day is not claimed."""

    def __init__(self, entries: list[Entry], markers, post: Callable[[Entry], None],
                 now: Callable[[], datetime] = datetime.now, settle: float = SETTLE_SECONDS,
                 sleep: Callable[[float], None] | None = None):
        self.entries, self.markers, self.post, self.now = entries, markers, post, now
        self.settle = settle
        self.sleep = sleep or threading.Event().wait
        self.me = uuid.uuid4().hex

    def tick(self) -> list[Entry]:
        posted = []
        now = self.now()
        for entry in self.entries:
            day = now.date().isoformat()
            if now.time() < entry.at or (self.markers.get(entry.key) or {}).get("day") == day:
                continue
            self.markers.put(entry.key, {"day": day, "by": self.me, "at": now.isoformat(timespec="seconds")})
            if self.settle:
                self.sleep(self.settle)
                if (self.markers.get(entry.key) or {}).get("by") != self.me:
                    continue  # another process claimed it too, after us: it posts
            try:
                self.post(entry)
                posted.append(entry)
            except Exception:  # the day stays claimed: at most once, never twice
                log.exception("scheduled digest for %s failed", entry.channel)
        return posted


def start_schedule(settings, bot, client, stop: threading.Event) -> Scheduler | None:
    """The scheduler thread of `newsbot serve` (nothing when NEWSBOT_DIGESTS is empty)."""
    entries = parse_entries(settings.digests)
    if not entries:
        return None
    from bot.digest.run import run_digest
    from bot.scope import channel_scope
    from bot.slack.digest_blocks import digest_blocks

    def post(entry: Entry) -> None:
        engine = bot.engine
        result = run_digest(settings, backend=engine.backend, topic=entry.topic, store=engine.store,
                            scope=channel_scope(settings, entry.channel),
                            llm=None if engine.backend == "none" else engine.llm)
        text, blocks = digest_blocks(result.to_dict())
        client.chat_postMessage(channel=entry.channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False)

    scheduler = Scheduler(entries, markers_for(settings, bot.engine.store), post)

    run_every(CHECK_EVERY, scheduler.tick, stop, "newsbot-digests")
    return scheduler

"""Watches and their post records, kept in the store itself (a `<collection>-watches` Chroma
collection beside the vectors, like the write log), so the CLI, the bot and every process
sharing a Chroma server see the same watches.

A watch: a channel, a query, who made it, and `mark`, the store revision up to which new
articles were scored against it (a new watch starts at the current revision: it never
posts the backlog). A post record: one story of one watch, with its state — "posting"
(written before chat.postMessage), "retrying", "posted" or "dropped" — the article ids
and the story's vectors, so a later report of the same story (another outlet, an update,
a re-index) is recognised and never posted again. A claim: one `newsbot serve`'s bid to run
the watch passes (bot/watch/leader.py). Records are JSON documents; Chroma wants a vector
per record, so each gets a 1-d zero.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from index.store import scan

_ZERO = [0.0]
POST_STATES = ("posting", "retrying", "posted", "dropped")


CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]+")  # Slack's public, private and direct-message ids


class WatchError(ValueError):
    """A watch request that cannot be done (unknown id, empty query); the message says why."""


@dataclass
class Watch:
    id: str
    channel: str
    query: str
    mark: int = 0
    created: str = ""
    by: str | None = None


@dataclass
class Post:
    watch: str
    key: str  # the story's lead article id when first posted
    channel: str
    state: str
    articles: list[str] = field(default_factory=list)
    body: list[float] = field(default_factory=list)  # the story's mean article vector
    head: list[float] = field(default_factory=list)  # its headline's vector
    at: str = ""
    ts: str | None = None  # the Slack message, once posted
    text: str = ""  # the message, kept so a retry after a crash posts the same one
    blocks: list = field(default_factory=list)

    @property
    def record_id(self) -> str:
        return post_id(self.watch, self.key)


@dataclass
class Claim:
    """A process's bid to run the watch passes: held since `since` until `expires` (epoch
    seconds). Each bid has an id of its own, so deleting an expired one never takes a
    newer bid of the same process with it."""

    id: str
    holder: str
    since: float
    expires: float


def post_id(watch: str, key: str) -> str:
    return f"post\x1f{watch}\x1f{key}"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def watches_name(collection: str) -> str:
    return f"{collection}-watches"


class WatchStore:
    """The watches collection of a store (`index.store.Store`). The collection handle is
    looked up at each call: an embedded store's client is replaced when another process
    wrote, and a handle of the old client would read through a closed one."""

    def __init__(self, store):
        self._store = store

    @property
    def _records(self):
        return self._store.client.get_or_create_collection(
            name=watches_name(self._store.settings.collection), metadata={"newsbot": "watches"},
            embedding_function=None,
        )

    def _put(self, record_id: str, body: dict, meta: dict) -> None:
        self._records.upsert(ids=[record_id], documents=[json.dumps(body)], metadatas=[meta], embeddings=[_ZERO])

    def _all(self, where: dict) -> list[dict]:
        return [json.loads(r.document) for r in scan(lambda: self._records, where=where, documents=True)]

    # --- watches ---------------------------------------------------------------------

    def add(self, channel: str, query: str, by: str | None = None) -> Watch:
        """A new watch on `channel`, scoring only articles added from now on."""
        query = " ".join((query or "").split())
        channel = (channel or "").strip()
        if not query:
            raise WatchError("a watch needs a query: the words of the stories to watch for")
        if not channel:
            raise WatchError("a watch needs a channel id (e.g. C0123) to post in")
        if not CHANNEL_ID.fullmatch(channel):
            raise WatchError(
                f"{channel!r} is not a Slack channel id: give the id (C…, G… or D… and capitals or digits, "
                "shown at the bottom of the channel's details in Slack), not its name"
            )
        self._store.collection  # made if missing: a watch may come before the first ingest
        watch = Watch(id="w" + uuid.uuid4().hex[:6], channel=channel, query=query,
                      mark=self._store.revision(), created=now_iso(), by=by)
        self.save(watch)
        return watch

    def save(self, watch: Watch) -> None:
        self._put(f"watch\x1f{watch.id}", asdict(watch), {"kind": "watch", "channel": watch.channel})

    def get(self, watch_id: str) -> Watch | None:
        got = self._records.get(ids=[f"watch\x1f{watch_id.strip()}"], include=["documents"])
        return Watch(**json.loads(got["documents"][0])) if got["ids"] else None

    def list(self, channel: str | None = None) -> list[Watch]:
        where = {"kind": "watch"} if channel is None else {"$and": [{"kind": "watch"}, {"channel": channel}]}
        return sorted((Watch(**w) for w in self._all(where)), key=lambda w: (w.created, w.id))

    def remove(self, watch_id: str, channel: str | None = None) -> Watch:
        """Delete a watch and its post records; `channel` (Slack): only a watch of that channel."""
        watch = self.get(watch_id)
        if watch is None or (channel is not None and watch.channel != channel):
            where = " in this channel" if channel is not None else ""
            raise WatchError(f"no watch {watch_id.strip()!r}{where}; list them with /watches or `newsbot watches list`")
        self._records.delete(where={"$and": [{"kind": "post"}, {"watch": watch.id}]})
        self._records.delete(ids=[f"watch\x1f{watch.id}"])
        return watch

    # --- post records ----------------------------------------------------------------

    def put_post(self, post: Post) -> None:
        if post.state not in POST_STATES:
            raise ValueError(f"post state {post.state!r} is not one of {POST_STATES}")
        self._put(post.record_id, asdict(post), {"kind": "post", "watch": post.watch, "state": post.state})

    def posts(self, watch_id: str) -> list[Post]:
        return [Post(**p) for p in self._all({"$and": [{"kind": "post"}, {"watch": watch_id}]})]

    def unfinished(self) -> list[Post]:
        """Posts begun and never recorded as posted or dropped (a process died between)."""
        return [Post(**p) for p in self._all({"$and": [{"kind": "post"}, {"state": {"$in": ["posting", "retrying"]}}]})]

    # --- claims (bot/watch/leader.py) ---------------------------------------------------

    def put_claim(self, claim: Claim) -> None:
        self._put(f"claim\x1f{claim.id}", asdict(claim), {"kind": "claim"})

    def claims(self) -> list[Claim]:
        return [Claim(**c) for c in self._all({"kind": "claim"})]

    def drop_claims(self, claim_ids: list[str]) -> None:
        if claim_ids:
            self._records.delete(ids=[f"claim\x1f{i}" for i in claim_ids])

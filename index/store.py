"""The Chroma store: embedded `PersistentClient` by default, a Chroma server when
`NEWSBOT_CHROMA_URL` is set. Everything that touches Chroma's client goes through here.

The collection records the embedding model it was built with; opening it with another
model is refused, because vectors from two models are not comparable.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlparse

from index import offline  # noqa: F401
from index.redact import redact, redact_url
from index.settings import Settings

log = logging.getLogger(__name__)

EMBEDDING_RUNTIME = "embedding_runtime"  # collection metadata: what computed the vectors
REEMBEDDING = "re-embedding to "  # collection metadata while `newsbot reembed` runs


class StoreError(RuntimeError):
    """A store problem the user can act on; the message says how."""


def chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def make_client(settings: Settings):
    """A Chroma client for the configured mode (embedded or server)."""
    import chromadb

    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise StoreError(f"NEWSBOT_CHROMA_URL={redact_url(settings.chroma_url)!r} is not a URL like http://host:8000")
        headers = {}
        if settings.chroma_token:
            headers["X-Chroma-Token"] = settings.chroma_token.get_secret_value()
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                headers=headers,
                settings=chroma_settings(),
            )
        except Exception as exc:  # chromadb raises bare ValueError/ConnectError here
            raise StoreError(
                f"cannot reach the Chroma server at {redact_url(settings.chroma_url)}: {redact(str(exc))}. "
                "Start it with `chroma run --path DIR --port PORT` or unset NEWSBOT_CHROMA_URL."
            ) from exc
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings())


def mismatch_message(settings: Settings, recorded: str, wanted: str) -> str:
    """Why a collection is refused, and the command that makes it usable: `newsbot
    reembed` recomputes its vectors in place with this process's model (resumable;
    index/reembed.py), or the runtime that built it keeps reading it as it is."""
    if recorded.startswith(REEMBEDDING):
        target = recorded[len(REEMBEDDING):]
        return (
            f"the collection {settings.collection!r} is being re-embedded with {target} (or a "
            f"re-embed was stopped); no process reads it until `newsbot reembed` finishes it"
            + ("" if target == wanted else f" with that runtime (this process embeds with {wanted})")
            + "."
        )
    previous = recorded.rpartition("@")[2].split("-")[0]
    if previous in ("torch", "onnx"):
        keep = f"NEWSBOT_EMBED_BACKEND={previous} with the newsbot version that built it"
    else:  # another model
        keep = "the newsbot version that built it"
    return (
        f"the collection {settings.collection!r} was built with {recorded}, but this process "
        f"embeds with {wanted}; one collection never mixes the two. Re-embed it in place with "
        f"`newsbot reembed` (resumable; sources are not read again), or keep it as it is "
        f"with {keep}."
    )


# Records per `get` of a scan: bounded pages keep a scan's memory flat at any collection size.
SCAN_PAGE = 5000
# Article ids per `$in` filter: a bounded list keeps each Chroma call (and its query) small.
ARTICLES_PER_FILTER = 200


class Record(NamedTuple):
    """One stored record of a scan: its id, metadata and (if asked for) document."""

    id: str
    metadata: dict
    document: str | None = None


def scan(collection: Callable[[], object], where: dict | None = None, documents: bool = False,
         page: int = SCAN_PAGE) -> Iterator[Record]:
    """Every record matching `where`, page by page in Chroma's order. `collection` is asked
    for each page, so a scan of a Store goes through its current client (one reopened
    mid-scan because another process wrote is not read through a retired one)."""
    include = ["metadatas", "documents"] if documents else ["metadatas"]
    offset = 0
    while True:
        got = collection().get(where=where, include=include, limit=page, offset=offset)
        texts = got["documents"] if documents else [None] * len(got["ids"])
        for record_id, meta, text in zip(got["ids"], got["metadatas"], texts):
            yield Record(record_id, meta or {}, text)
        if len(got["ids"]) < page:
            return
        offset += page


def articles_filter(article_ids: list[str]) -> dict:
    """The Chroma filter for every chunk of these articles (llama-index's `document_id`)."""
    if len(article_ids) == 1:
        return {"document_id": article_ids[0]}
    return {"document_id": {"$in": list(article_ids)}}


def delete_articles(collection, article_ids) -> None:
    """Delete every chunk of these articles from `collection`."""
    article_ids = list(article_ids)
    for start in range(0, len(article_ids), ARTICLES_PER_FILTER):
        collection.delete(where=articles_filter(article_ids[start : start + ARTICLES_PER_FILTER]))


RETIRED_CLIENT_SECONDS = 10.0  # a replaced client is closed this long after: no read lasts that long


class _Embedded:
    """This process's embedded Chroma client for each chroma dir, and the collection
    revision it is known to be current at.

    Chroma caches one client state per path per process and never looks at the disk again:
    its vector index stays as it was loaded while another process writes, so a long-lived
    reader reads stale results or fails with "Error finding id" once chunks were replaced.
    Collection metadata is read from SQLite each time, so the revision that every write
    bumps is seen at once (0.4-1 ms); when it moved past what this client has seen, the
    client is reopened (20-60 ms, plus reloading the vector index on the next query: about
    0.3 s for 30k chunks).
    Writes through the current client advance its revision without a reopen."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clients: dict[str, tuple[object, int]] = {}  # path -> (client, generation)
        # (path, collection) -> the revision that path's client is current at
        self.revisions: dict[tuple[str, str], int | None] = {}
        self.generation = 0
        self.writing: set[str] = set()  # paths whose writer lock this process holds
        self.retired: list[tuple[float, object]] = []  # (when, replaced chromadb System)
        # paths whose last writer died mid-write: its change is in no write-log record
        self.unlogged: set[str] = set()

    def client(self, settings: Settings) -> tuple[object, int]:
        path = str(settings.chroma_dir)
        with self.lock:
            if path not in self.clients:
                self._open(settings, path, None)
            return self.clients[path]

    def _open(self, settings: Settings, path: str, revision: int | None) -> None:
        """A new client (Chroma's per-path cache bypassed), current at least at `revision`,
        read before it was made; a first client reads it itself (it loads its vector index
        lazily, at the first query, so it is current at what it reads now)."""
        from chromadb.api.shared_system_client import SharedSystemClient as Shared

        reopening = path in self.clients
        with Shared._refcount_lock:
            old = Shared._identifier_to_system.pop(path, None)
            Shared._identifier_to_refcount.pop(path, None)
        if old is not None and reopening:
            self.retired.append((time.monotonic(), old))
        self.generation += 1
        client = make_client(settings)
        self.clients[path] = (client, self.generation)
        self.revisions[_key(settings)] = revision if reopening else _read_revision(client, settings)

    def _reap(self) -> None:
        """Free the vector indexes of replaced clients once the reads that had started on
        them are long done: left to the cycle collector, each would stay in memory until it runs."""
        now = time.monotonic()
        while self.retired and now - self.retired[0][0] > RETIRED_CLIENT_SECONDS:
            _, system = self.retired.pop(0)
            try:
                system.stop()
            except Exception as exc:  # freeing is best effort; reads never depend on it
                log.warning("could not close a replaced Chroma client: %s", exc)

    def sync(self, settings: Settings, revision: int) -> None:
        """Reopen when the collection's revision is not the one this client is current at.
        Not while this process holds the writer lock: then its client, refreshed when the
        lock was taken and written through since, is the current state, and reopening it
        would pull it from under the writer."""
        path = str(settings.chroma_dir)
        with self.lock:
            self._reap()
            if path in self.writing:
                self.revisions[_key(settings)] = revision
                return
            if self.revisions.get(_key(settings)) != revision and path in self.clients:
                log.info("the store changed in another process (revision %s → %s); reopening it",
                         self.revisions.get(_key(settings)), revision)
                self._open(settings, path, revision)

    def before_write(self, settings: Settings, crashed_writer: bool) -> None:
        """Called with the writer lock just taken: never write through a stale client. A
        writer that died mid-write left chunks without a revision bump: reopen then too."""
        path = str(settings.chroma_dir)
        with self.lock:
            self.writing.add(path)
            if crashed_writer:
                self.unlogged.add(path)
            if path not in self.clients:
                return
            revision = _read_revision(self.clients[path][0], settings)
            if crashed_writer or revision != self.revisions.get(_key(settings)):
                self._open(settings, path, revision)

    def after_write(self, settings: Settings) -> None:
        with self.lock:
            self.writing.discard(str(settings.chroma_dir))

    def reopen_after_error(self, settings: Settings) -> bool:
        """A read failed: another process may be between writing chunks and bumping the
        revision. Reopen, unless this process is the writer (then the failure is not
        staleness, and reopening would hide its own writes from its readers)."""
        path = str(settings.chroma_dir)
        with self.lock:
            if path in self.writing or path not in self.clients:
                return False
            self._open(settings, path, _read_revision(self.clients[path][0], settings))
            return True

    def bumped(self, settings: Settings, generation: int, old: int, new: int) -> None:
        """A write through a client of `generation` moved the revision from `old` to `new`:
        that client is still current if it was current at `old`; otherwise readers reopen."""
        path = str(settings.chroma_dir)
        with self.lock:
            current = self.clients.get(path)
            if current and current[1] == generation and self.revisions.get(_key(settings)) == old:
                self.revisions[_key(settings)] = new


EMBEDDED = _Embedded()


def _key(settings: Settings) -> tuple[str, str]:
    return str(settings.chroma_dir), settings.collection


def _read_revision(client, settings: Settings) -> int | None:
    try:
        current = client.get_collection(settings.collection, embedding_function=None)
    except Exception:  # not created yet (chromadb raises NotFoundError or ValueError)
        return None
    return int((current.metadata or {}).get("revision", 0))


@dataclass
class Store:
    """An open store: the Chroma collection plus llama-index's view of it.

    Embedded, the client is this process's shared one (`EMBEDDED`), reopened when another
    process wrote; the collection and llama-index's vector store are re-derived from it
    whenever it was reopened, so holders of a Store never keep reading a stale client."""

    settings: Settings
    embedding_id: str
    _server_client: object = field(default=None, init=False, repr=False)
    _collection: object = field(default=None, init=False, repr=False)
    _vector_store: object = field(default=None, init=False, repr=False)
    _generation: int = field(default=-1, init=False, repr=False)
    _chunks: object = field(default=None, init=False, repr=False, compare=False)
    _chunks_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    @property
    def client(self):
        return self._client_and_generation()[0]

    def _client_and_generation(self):
        if self.settings.chroma_url:
            if self._server_client is None:
                self._server_client = make_client(self.settings)
            return self._server_client, 0
        return EMBEDDED.client(self.settings)

    @property
    def collection(self):
        client, generation = self._client_and_generation()
        if self._collection is None or generation != self._generation:
            self._collection = self._open_collection(client)
            self._vector_store = None
            self._generation = generation
        return self._collection

    def _open_collection(self, client):
        collection = client.get_or_create_collection(
            name=self.settings.collection,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": self.embedding_id, "revision": 0},
            embedding_function=None,
        )
        recorded = (collection.metadata or {}).get("embedding_model")
        if recorded and recorded != self.embedding_id:
            raise StoreError(mismatch_message(self.settings, recorded, self.embedding_id))
        return collection

    @property
    def vector_store(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        collection = self.collection
        if self._vector_store is None:
            self._vector_store = ChromaVectorStore(chroma_collection=collection)
        return self._vector_store

    def count(self) -> int:
        return self.collection.count()

    @property
    def chunks(self):
        """The in-memory chunk table with its BM25 views (index/chunks.py): built on first
        use, kept current by revision, one per Store so that every reader shares it.
        Imported here, not at the top: the CLI's cheap commands never load BM25."""
        with self._chunks_lock:
            if self._chunks is None:
                from index.chunks import ChunkTable

                self._chunks = ChunkTable(self)
            return self._chunks

    def iter_metadata(self, where: dict | None = None, documents: bool = False,
                      page: int = SCAN_PAGE) -> Iterator[Record]:
        """Every chunk record (id, metadata, document if asked) matching `where`, paged."""
        return scan(lambda: self.collection, where=where, documents=documents, page=page)

    def delete_articles(self, article_ids) -> None:
        """Delete every chunk of these articles (prune, repair); the caller bumps the revision."""
        delete_articles(self.collection, article_ids)

    def revision(self) -> int:
        """Bumped by every write; readers (the keyword index, other processes) compare it
        to know that the collection changed. Read fresh from Chroma each time; embedded, a
        change made by another process reopens the client before anything is read."""
        if self.settings.chroma_url:
            return self._read_revision()
        with EMBEDDED.lock:  # not between a write's bump and its bookkeeping
            revision = self._read_revision()
            EMBEDDED.sync(self.settings, revision)
        return revision

    def _read_revision(self) -> int:
        current = self.client.get_collection(self.settings.collection, embedding_function=None)
        return int((current.metadata or {}).get("revision", 0))

    def write_log(self):
        """The shared log of which articles each revision changed (index/write_log.py)."""
        from index.write_log import WriteLog

        return WriteLog(self.client, self.settings.collection, self.collection.id,
                        keep=self.settings.write_log_revisions)

    def bump_revision(self, changed=None) -> int:
        """Tell readers the collection changed. `changed`: the article ids whose chunks
        this write added, replaced or removed, recorded in the write log first so readers
        fetch only those (None: unknown, readers rebuild from every chunk)."""
        with EMBEDDED.lock:
            generation = self._generation  # of the client this store wrote through
            current = self.client.get_collection(self.settings.collection, embedding_function=None)
            metadata = dict(current.metadata or {})
            old = int(metadata.get("revision", 0))
            if not self.settings.chroma_url and str(self.settings.chroma_dir) in EMBEDDED.unlogged:
                changed = None  # a crashed writer's change is in no record: readers rebuild
            self.write_log().record(old + 1, None if changed is None else list(changed))
            EMBEDDED.unlogged.discard(str(self.settings.chroma_dir))
            metadata["revision"] = old + 1
            current.modify(metadata=metadata)
            if not self.settings.chroma_url:
                EMBEDDED.bumped(self.settings, generation, old, old + 1)
        return metadata["revision"]

    def record_embedding_runtime(self) -> None:
        """Note in the collection what computed the vectors just written (index/cpu.py):
        `newsbot stats` shows it, so an index built on another host says so."""
        from index.embedding import runtime_facts

        facts = json.dumps(runtime_facts(self.embedding_id), sort_keys=True)
        with EMBEDDED.lock:
            current = self.client.get_collection(self.settings.collection, embedding_function=None)
            metadata = dict(current.metadata or {})
            if metadata.get(EMBEDDING_RUNTIME) != facts:
                metadata[EMBEDDING_RUNTIME] = facts
                current.modify(metadata=metadata)

    def embedding_runtime(self) -> dict | None:
        """What computed the vectors last written (None: written before this was recorded)."""
        recorded = (self.collection.metadata or {}).get(EMBEDDING_RUNTIME)
        return json.loads(recorded) if recorded else None

    def read(self, fn):
        """`fn()`, tried once more on a reopened client if Chroma fails: another process
        may have replaced chunks and not yet bumped the revision (embedded only)."""
        from chromadb.errors import ChromaError

        try:
            return fn()
        except ChromaError as exc:
            if self.settings.chroma_url or not EMBEDDED.reopen_after_error(self.settings):
                raise
            log.info("a read failed (%s); reopened the store, trying once more", exc)
            return fn()


def open_store(settings: Settings) -> Store:
    from index.embedding import embedding_id

    return Store(settings=settings, embedding_id=embedding_id(settings.embed_backend))

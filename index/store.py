"""The Chroma store: embedded `PersistentClient` by default, a Chroma server when
`NEWSBOT_CHROMA_URL` is set. Everything that touches Chroma's client goes through here.

The collection records the embedding model it was built with; opening it with another
model is refused, because vectors from two models are not comparable.
"""

from __future__ import annotations

import logging
import shlex
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlparse

from index import offline  # noqa: F401
from index.redact import redact, redact_url
from index.settings import Settings

log = logging.getLogger(__name__)


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
    """Why a collection is refused, and the command that re-embeds everything with this
    process's model into a fresh store (ingest skips articles its docstore already holds,
    so the re-embed needs a new data dir, or in server mode a new collection name, which
    also names the docstore) before pointing the configuration at it."""
    backend = wanted.rpartition("@")[2].split("-")[0]
    previous = recorded.rpartition("@")[2].split("-")[0]
    if settings.chroma_url:
        fresh = f"NEWSBOT_COLLECTION={shlex.quote(f'{settings.collection}-{backend}')}"
    else:
        fresh = f"NEWSBOT_DATA_DIR={shlex.quote(f'{settings.data_dir}-{backend}')}"
    if previous in ("torch", "onnx") and previous != backend:
        keep = f"NEWSBOT_EMBED_BACKEND={previous}"
    else:  # another model, or another export recipe of this backend
        keep = "the newsbot version that built it"
    return (
        f"the collection {settings.collection!r} was built with {recorded}, but this process "
        f"embeds with {wanted}; one collection never mixes the two. Re-embed the sources into "
        f"a fresh store with `NEWSBOT_EMBED_BACKEND={backend} {fresh} newsbot reindex` and use "
        f"that {fresh.split('=')[0]} from then on, or keep this store with {keep}."
    )


@dataclass
class Store:
    """An open store: the Chroma collection plus llama-index's view of it."""

    settings: Settings
    embedding_id: str

    @cached_property
    def client(self):
        return make_client(self.settings)

    @cached_property
    def collection(self):
        collection = self.client.get_or_create_collection(
            name=self.settings.collection,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": self.embedding_id, "revision": 0},
            embedding_function=None,
        )
        recorded = (collection.metadata or {}).get("embedding_model")
        if recorded and recorded != self.embedding_id:
            raise StoreError(mismatch_message(self.settings, recorded, self.embedding_id))
        return collection

    @cached_property
    def vector_store(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.collection)

    def count(self) -> int:
        return self.collection.count()

    def revision(self) -> int:
        """Bumped by every write; readers (the keyword index, other processes) compare it
        to know that the collection changed. Read fresh from Chroma each time."""
        current = self.client.get_collection(self.settings.collection, embedding_function=None)
        return int((current.metadata or {}).get("revision", 0))

    def bump_revision(self) -> int:
        current = self.client.get_collection(self.settings.collection, embedding_function=None)
        metadata = dict(current.metadata or {})
        metadata["revision"] = int(metadata.get("revision", 0)) + 1
        current.modify(metadata=metadata)
        return metadata["revision"]


def open_store(settings: Settings) -> Store:
    from index.embedding import embedding_id

    return Store(settings=settings, embedding_id=embedding_id(settings.embed_backend))

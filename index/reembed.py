"""`newsbot reembed`: recompute every chunk vector of the index in place with this
process's embedding (another export recipe, another runtime of the same model), from the
chunk texts Chroma already holds; no source is read again and nothing is deleted.

Stopping it anywhere loses nothing, and running it again finishes the job:
* first the collection's `embedding_model` becomes "re-embedding to <id>": until the end,
  every process (of the old runtime or the new) refuses the half-converted collection and
  says to finish the re-embed, so no query ever mixes vectors of two runtimes;
* each page of chunks gets its new vectors and an `embedded_with` mark in one update; a
  later run skips marked chunks;
* when every chunk carries the mark, the collection records the new id, the runtime that
  computed the vectors, and a new revision (readers reload the collection).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import islice
from typing import Callable

from index.plural import count
from index.schema import embedded_text
from index.settings import Settings
from index.store import REEMBEDDING, open_store, scan
from index.writer_lock import writer_lock

log = logging.getLogger(__name__)

MARK = "embedded_with"
PAGE = 512  # chunks per encode and update: the encoder sorts each call's texts by length

Progress = Callable[[int, int], None]  # (chunks done, chunks in the collection)


@dataclass
class ReembedReport:
    previous: str
    embedding_model: str
    chunks: int = 0
    reembedded: int = 0
    already_done: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def summary(self) -> str:
        if self.previous == self.embedding_model and not self.reembedded:
            return f"nothing to do: {count(self.chunks, 'chunk')} embedded with {self.embedding_model}"
        resumed = f" ({self.already_done} done by an earlier run)" if self.already_done else ""
        return (f"re-embedded {self.reembedded:,} of {count(self.chunks, 'chunk')} with {self.embedding_model}"
                f"{resumed} in {self.seconds:.1f} s; previous: {self.previous}")


def target_of(recorded: str | None) -> str | None:
    """The id a stopped re-embed was converting to, if `recorded` says one is under way."""
    if recorded and recorded.startswith(REEMBEDDING):
        return recorded[len(REEMBEDDING):]
    return None


def reembed(settings: Settings, progress: Progress | None = None) -> ReembedReport:
    """Re-embed every chunk not yet marked with this process's embedding id."""
    import time

    from index.embedding import encode

    store = open_store(settings)
    wanted = store.embedding_id
    started = time.perf_counter()
    with writer_lock(settings):
        collection = _raw_collection(store)
        metadata = dict(collection.metadata or {})
        recorded = metadata.get("embedding_model") or wanted
        under_way = target_of(recorded)
        if under_way and under_way != wanted:
            raise ValueError(
                f"a re-embed to {under_way} was started and not finished; finish it with the "
                f"runtime it was started with, or set NEWSBOT_EMBED_BACKEND to match it"
            )
        report = ReembedReport(previous=metadata.get("reembed_from", recorded), embedding_model=wanted,
                               chunks=collection.count())
        if recorded == wanted:
            return report
        if not under_way:
            metadata.update(embedding_model=REEMBEDDING + wanted, reembed_from=recorded)
            collection.modify(metadata=metadata)
        done = 0
        # updates keep each record where it is, so the scan's offsets stay valid while it rewrites
        records = scan(lambda: collection, documents=True, page=PAGE)
        while page := list(islice(records, PAGE)):
            todo = [r for r in page if r.metadata.get(MARK) != wanted]
            report.already_done += len(page) - len(todo)
            if todo:
                vectors = encode([embedded_text(r.metadata, r.document) for r in todo], batch_size=64)
                collection.update(
                    ids=[r.id for r in todo],
                    embeddings=vectors,
                    metadatas=[{**r.metadata, MARK: wanted} for r in todo],
                )
                report.reembedded += len(todo)
            done += len(page)
            if progress:
                progress(done, report.chunks)
        metadata = dict(_raw_collection(store).metadata or {})
        metadata.pop("reembed_from", None)
        metadata["embedding_model"] = wanted
        _raw_collection(store).modify(metadata=metadata)
        store.record_embedding_runtime()
        store.bump_revision(changed=None)  # every vector changed: readers reload
    report.seconds = time.perf_counter() - started
    return report


def _raw_collection(store):
    """The collection without the embedding-id check that `store.collection` makes."""
    return store.client.get_collection(store.settings.collection, embedding_function=None)

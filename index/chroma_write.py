"""Writing chunks to Chroma so that readers never see a half-replaced article.

llama-index's ChromaVectorStore replaces a changed document by deleting all of its chunks
(before the new ones are even embedded) and then adding the new ones: between the two a
query finds nothing of the article, and a crash there loses it. Chunk ids are stable
(`<article_id>-<n>`), so here a replacement is an *upsert* of the new chunks over the old
ids, followed by deleting only the old ids beyond the new chunk count. A reader sees the
old version or the new one, chunk by chunk, never a missing article.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.schema import BaseNode, MetadataMode
from llama_index.core.vector_stores.utils import node_to_metadata_dict
from llama_index.vector_stores.chroma import ChromaVectorStore

from index.store import ARTICLES_PER_FILTER, articles_filter, delete_articles, scan

UPSERT_BATCH = 1000


class ReplacingChromaVectorStore(ChromaVectorStore):
    """ChromaVectorStore whose `delete(ref_doc_id)` during a pipeline run is deferred to
    the `add` of the new chunks, which upserts them and then drops stale extra chunks."""

    def delete(self, ref_doc_id: str, **delete_kwargs: Any) -> None:
        # Called by IngestionPipeline for a changed document *before* re-embedding it:
        # keep the old chunks readable; `add` replaces them.
        self._pending_replace().add(ref_doc_id)

    def _pending_replace(self) -> set[str]:
        pending = self.__dict__.get("_newsbot_pending")
        if pending is None:
            pending = set()
            self.__dict__["_newsbot_pending"] = pending
        return pending

    def add(self, nodes: list[BaseNode], **add_kwargs: Any) -> list[str]:
        collection = self._collection
        new_ids: dict[str, set[str]] = {}
        for start in range(0, len(nodes), UPSERT_BATCH):
            part = nodes[start : start + UPSERT_BATCH]
            ids, embeddings, metadatas, documents = [], [], [], []
            for node in part:
                meta = node_to_metadata_dict(node, remove_text=True, flat_metadata=self.flat_metadata)
                metadatas.append({k: ("" if v is None else v) for k, v in meta.items()})
                ids.append(node.node_id)
                embeddings.append(node.get_embedding())
                documents.append(node.get_content(metadata_mode=MetadataMode.NONE))
                new_ids.setdefault(node.ref_doc_id or node.node_id, set()).add(node.node_id)
            collection.upsert(ids=ids, embeddings=embeddings, metadatas=metadatas, documents=documents)
        self.drop_stale(new_ids)
        return [n.node_id for n in nodes]

    def drop_stale(self, new_ids: dict[str, set[str]]) -> None:
        """Delete chunks of these articles that are not among their new chunk ids (the tail
        of a longer old version, or leftovers of a run that was killed)."""
        refs = list(new_ids)
        stale: list[str] = []
        for start in range(0, len(refs), ARTICLES_PER_FILTER):
            where = articles_filter(refs[start : start + ARTICLES_PER_FILTER])
            for cid, meta, _ in scan(lambda: self._collection, where=where):
                if cid not in new_ids.get(meta.get("document_id"), ()):
                    stale.append(cid)
        if stale:
            self._collection.delete(ids=stale)
        self._pending_replace().difference_update(refs)

    def keep_stored(self, ref_doc_id: str) -> None:
        """The new version of this article was not stored: its old chunks stay."""
        self._pending_replace().discard(ref_doc_id)

    def flush_pending(self) -> None:
        """Changed documents that produced no chunks at all: now delete their old ones."""
        for ref in list(self._pending_replace()):
            self.delete_article(ref)
        self._pending_replace().clear()

    def delete_article(self, article_id: str) -> None:
        """Really delete every chunk of an article (prune)."""
        delete_articles(self._collection, [article_id])

"""Retrieval: the question's vector against the chunks in Chroma, a few chunks per article."""

from __future__ import annotations

from dataclasses import dataclass

from index.embedding import get_embed_model
from index.store import Store


@dataclass
class Hit:
    """One retrieved chunk with what a citation needs to point at its article."""

    chunk_id: str
    article_id: str
    title: str
    published: str | None
    url: str | None
    source_path: str
    text: str
    score: float
    chunks: list[tuple[str, str]] | None = None  # (chunk_id, text) joined into `text`

    def chunk_for(self, quote: str) -> str:
        """The id of the chunk that holds `quote` (the best chunk when none does)."""
        for chunk_id, text in self.chunks or []:
            if quote and quote in " ".join(text.split()):
                return chunk_id
        return self.chunk_id

    @classmethod
    def from_chroma(cls, chunk_id: str, text: str, meta: dict, score: float) -> "Hit":
        return cls(
            chunk_id=chunk_id,
            article_id=str(meta.get("article_id", "")),
            title=str(meta.get("title", "")),
            published=meta.get("published") or None,
            url=meta.get("url") or None,
            source_path=str(meta.get("source_path", "")),
            text=text,
            score=float(score),
        )


def vector_search(store: Store, question: str, n: int, where: dict | None = None) -> list[Hit]:
    """Nearest chunks by cosine similarity (Chroma's cosine distance is 1 - similarity)."""
    if store.count() == 0:
        return []
    query_vector = get_embed_model(store.settings.embed_backend).get_query_embedding(question)
    result = store.collection.query(
        query_embeddings=[query_vector],
        n_results=min(n, store.count()),
        where=where,
        include=["documents", "metadatas", "distances"],
    )
    return [
        Hit.from_chroma(cid, doc, meta, 1.0 - dist)
        for cid, doc, meta, dist in zip(
            result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]
        )
    ]


def cap_per_article(hits: list[Hit], per_article: int, k: int) -> list[Hit]:
    """Keep the best `per_article` chunks of each article, then the top `k` overall."""
    kept: list[Hit] = []
    seen: dict[str, int] = {}
    for hit in sorted(hits, key=lambda h: h.score, reverse=True):
        if seen.get(hit.article_id, 0) >= per_article:
            continue
        seen[hit.article_id] = seen.get(hit.article_id, 0) + 1
        kept.append(hit)
        if len(kept) == k:
            break
    return kept


def group_by_article(hits: list[Hit]) -> list[Hit]:
    """One source per article: its retrieved chunks joined in article order (an ellipsis
    marks a gap), scored by its best chunk; articles keep their rank order."""
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.article_id, []).append(hit)
    merged = []
    for chunks in groups.values():
        chunks.sort(key=lambda h: h.chunk_id)
        parts, previous = [], None
        for chunk in chunks:
            index = int(chunk.chunk_id.rsplit("-", 1)[-1])
            if previous is not None and index != previous + 1:
                parts.append("…")
            parts.append(chunk.text)
            previous = index
        best = max(chunks, key=lambda h: h.score)
        merged.append(
            Hit(
                chunk_id=best.chunk_id,
                article_id=best.article_id,
                title=best.title,
                published=best.published,
                url=best.url,
                source_path=best.source_path,
                text="\n\n".join(parts),
                score=best.score,
                chunks=[(c.chunk_id, c.text) for c in chunks],
            )
        )
    merged.sort(key=lambda h: h.score, reverse=True)
    return merged


def retrieve(store: Store, question: str, k: int, where: dict | None = None) -> list[Hit]:
    """The top `k` chunks (at most `max_chunks_per_article` each), grouped into articles."""
    settings = store.settings
    hits = vector_search(store, question, n=k * 4, where=where)
    return group_by_article(cap_per_article(hits, settings.max_chunks_per_article, k))

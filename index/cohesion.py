"""How much an article is about one thing: the mean cosine similarity between its chunks.

A roundup ("5 things to know for June 16", "News from around our 50 states") strings
unrelated stories together, so its chunks are far apart. It often states a fact in one
compact line and so matches an answer sentence best, yet the article that reports the story
is the citation a reader wants. On the eval corpus (2,006 articles) CNN's daily digests
scored 0.15-0.51 (median 0.32) and USA Today's state roundups ~0.4, while half of all
articles score above 0.71; single-chunk articles count as fully cohesive.
"""

from __future__ import annotations

import numpy as np

from index.retrieval import Hit
from index.store import Store


def add_cohesion(store: Store, hits: list[Hit]) -> None:
    """Set `hit.cohesion` for the retrieved articles: one Chroma read of their chunks'
    vectors (5-7 ms for three articles), done when answering, not in retrieval."""
    ids = sorted({h.article_id for h in hits if h.cohesion is None})
    if not ids:
        return
    got = store.collection.get(where={"article_id": {"$in": ids}}, include=["embeddings", "metadatas"])
    vectors: dict[str, list] = {}
    for vector, meta in zip(got["embeddings"], got["metadatas"]):
        vectors.setdefault(str(meta.get("article_id")), []).append(vector)
    for hit in hits:
        if hit.cohesion is None and hit.article_id in vectors:
            hit.cohesion = cohesion(np.asarray(vectors[hit.article_id], dtype=np.float32))


def cohesion(vectors: np.ndarray) -> float:
    """Mean pairwise cosine similarity of an article's chunk vectors (1.0 for one chunk)."""
    n = len(vectors)
    if n < 2:
        return 1.0
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sims = unit @ unit.T
    return float((sims.sum() - np.trace(sims)) / (n * (n - 1)))

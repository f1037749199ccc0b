"""Counts and facts about the index for `newsbot stats` and the Slack placeholder."""

from __future__ import annotations

from index.store import Store


def article_count(store: Store) -> int:
    """Distinct articles in the collection, from the in-memory chunk table that retrieval
    keeps current anyway (no scan of Chroma's metadata per call)."""
    return len(store.chunks.article_ids()) if store.count() else 0


def newest_published(store: Store) -> float | None:
    """Epoch seconds of the start of the newest article's publication day (the staleness
    alarm's reading), from the chunk table retrieval keeps current anyway."""
    day = store.chunks.newest_day() if store.count() else None
    return None if day is None else day * 86400.0


def _dir_size(path) -> int:
    import os

    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, name))
            except OSError:
                pass
    return total


def index_stats(settings) -> dict:
    """`newsbot stats`: articles, chunks, sources, date range, model, store mode, size."""
    from collections import Counter

    from index.docstore import load_docstore
    from index.manifest import ALIASES, Manifest
    from index.store import open_store

    store = open_store(settings)
    total = store.count()
    ids: set[str] = set()
    sources: Counter = Counter()
    days: list[str] = []
    for _, meta, _ in store.iter_metadata():
        aid = str(meta.get("article_id"))
        if aid in ids:
            continue
        ids.add(aid)
        sources[meta.get("source") or meta.get("category") or "(unknown)"] += 1
        if meta.get("published"):
            days.append(str(meta["published"]))
    # the docstore of either mode: a file in the data dir, or a collection on the server
    duplicates = len(Manifest(load_docstore(settings)).all(ALIASES))
    size = _dir_size(settings.data_dir) if settings.store_mode == "embedded" else None
    return {
        "articles": len(ids),
        "chunks": total,
        "duplicates_recorded": duplicates,
        "sources": dict(sources.most_common()),
        "date_range": [min(days), max(days)] if days else None,
        "undated_articles": len(ids) - len(days),
        "embedding_model": store.embedding_id,
        "embedding_runtime": store.embedding_runtime(),
        "store_mode": settings.store_mode,
        "store": str(settings.chroma_dir) if settings.store_mode == "embedded" else settings.chroma_url,
        "index_bytes": size,
    }

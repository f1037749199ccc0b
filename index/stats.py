"""Counts and facts about the index for `newsbot stats` and the Slack placeholder."""

from __future__ import annotations

from index.store import Store


def article_count(store: Store) -> int:
    """Distinct articles in the collection (chunks carry their article_id)."""
    total = store.count()
    if total == 0:
        return 0
    ids: set[str] = set()
    batch = 5000
    for offset in range(0, total, batch):
        got = store.collection.get(include=["metadatas"], limit=batch, offset=offset)
        ids.update(str(m.get("article_id")) for m in got["metadatas"])
    return len(ids)

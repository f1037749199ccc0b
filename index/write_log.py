"""The write log: which articles each revision of the collection changed, kept in the store
itself (a `<collection>-writelog` Chroma collection, like the server-mode docstore), so
every process sharing the store reads the same log.

One record per revision: the article ids whose chunks were added, replaced or removed, or
"all" when the writer could not say (a reader then rebuilds). A reader at revision r that
sees r' fetches only those articles' chunks; when the log no longer reaches back to r
(trimmed to the last `NEWSBOT_WRITE_LOG_REVISIONS`) it rebuilds from every chunk, as
before. The record is written before the revision is bumped, so a reader never sees a
revision whose record is missing; a record for a revision that was never bumped (a writer
that died between the two) is merged into by the next writer, not replaced.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

_ZERO = [0.0]
MAX_ARTICLES = 5000  # more changed articles than this in one write: readers rebuild


def log_name(collection: str) -> str:
    return f"{collection}-writelog"


class WriteLog:
    def __init__(self, client, collection: str, collection_id: str, keep: int = 1000):
        self._log = client.get_or_create_collection(
            name=log_name(collection), metadata={"newsbot": "writelog"}, embedding_function=None
        )
        self.collection_id = str(collection_id)
        self.keep = max(1, keep)

    def record(self, revision: int, articles: Iterable[str] | None) -> None:
        """Note that `revision` changes `articles` (None: unknown, readers rebuild)."""
        key = str(revision)
        wanted = None if articles is None else {str(a) for a in articles}
        got = self._log.get(ids=[key], include=["documents", "metadatas"])
        if got["ids"] and (got["metadatas"][0] or {}).get("collection") == self.collection_id:
            before = json.loads(got["documents"][0])
            if wanted is not None and not before.get("all"):
                wanted |= set(before.get("articles", []))
            else:
                wanted = None
        if wanted is not None and len(wanted) > MAX_ARTICLES:
            wanted = None
        body = {"all": True} if wanted is None else {"articles": sorted(wanted)}
        self._log.upsert(
            ids=[key], documents=[json.dumps(body)], embeddings=[_ZERO],
            metadatas=[{"revision": int(revision), "collection": self.collection_id}],
        )
        if revision > self.keep:
            self._log.delete(where={"revision": {"$lte": int(revision - self.keep)}})

    def changes(self, since: int, until: int) -> set[str] | None:
        """Articles changed by revisions since+1 … until, or None when the log cannot say
        (trimmed, a record missing or marked "all", or written for another collection)."""
        if until < since:
            return None
        if until == since:
            return set()
        got = self._log.get(
            where={"$and": [{"revision": {"$gt": int(since)}}, {"revision": {"$lte": int(until)}}]},
            include=["documents", "metadatas"],
        )
        seen: set[int] = set()
        articles: set[str] = set()
        for doc, meta in zip(got["documents"], got["metadatas"]):
            meta = meta or {}
            if meta.get("collection") != self.collection_id:
                return None
            body = json.loads(doc)
            if body.get("all"):
                return None
            seen.add(int(meta["revision"]))
            articles.update(body.get("articles", []))
        if seen != set(range(since + 1, until + 1)):
            return None
        return articles

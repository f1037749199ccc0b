"""newsbot's own bookkeeping, kept inside llama-index's docstore file.

The docstore (one JSON file, fsynced and replaced atomically: index/docstore.py) holds llama-index's document hashes, which
the IngestionPipeline uses to skip unchanged articles. Next to them, in collections of the
same key-value store, newsbot records per article where it came from and how many chunks it
has, which bodies are stored under which id (so a duplicate body is stored once), and a
stat cache of the files read. One file, one atomic rename: the docstore and the manifest
can never disagree with each other after a crash; `index.check` compares both to Chroma.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from llama_index.core.storage.docstore.keyval_docstore import KVDocumentStore

ARTICLES = "newsbot/articles"  # article_id -> {origin, source_path, url, body_hash, chunks[, also_at]}
BODIES = "newsbot/bodies"      # body_hash -> {"id": article_id stored with that body}
ALIASES = "newsbot/aliases"    # duplicate article_id -> {primary, origin, source_path, url, body_hash}
FILES = "newsbot/files"        # origin file -> {stat: [...], ids: [...]}
TOMBSTONES = "newsbot/tombstones"  # forgotten article_id -> {url, title, body_hash, reason, time}


@dataclass(frozen=True)
class ManifestState:
    """Everything an ingest run decides from, read once before it writes anything, so that
    the decision (`ingest.plan`) is a function of this and what was read."""

    hashes: dict[str, str]        # stored article id -> llama-index document hash
    articles: dict[str, dict]
    aliases: dict[str, dict]
    bodies: dict[str, str]        # body hash -> id of the article stored with it
    files: dict[str, dict]
    tombstones: dict[str, dict]

    @classmethod
    def empty(cls) -> ManifestState:
        return cls(hashes={}, articles={}, aliases={}, bodies={}, files={}, tombstones={})


class Manifest:
    """The manifest's collections in the docstore's key-value store, and the operations on
    them that must change several entries together."""

    def __init__(self, docstore: KVDocumentStore):
        self.docstore = docstore
        # Same key-value store as llama-index's hashes, so one save writes both; the
        # docstore has no public accessor for it.
        self.kv = docstore._kvstore

    # -- generic ----------------------------------------------------------------------
    def all(self, collection: str) -> dict[str, dict]:
        return dict(self.kv.get_all(collection=collection))

    def get(self, collection: str, key: str):
        return self.kv.get(key, collection=collection)

    def put(self, collection: str, key: str, value) -> None:
        self.kv.put(key, value, collection=collection)

    def delete(self, collection: str, key: str) -> None:
        self.kv.delete(key, collection=collection)

    def state(self) -> ManifestState:
        # an article's document hash covers its metadata (which holds its id): one id per hash
        hashes = {article_id: doc_hash for doc_hash, article_id in self.docstore.get_all_document_hashes().items()}
        return ManifestState(
            hashes=hashes,
            articles=self.all(ARTICLES),
            aliases=self.all(ALIASES),
            bodies={body: entry["id"] for body, entry in self.all(BODIES).items()},
            files=self.all(FILES),
            tombstones=self.all(TOMBSTONES),
        )

    # -- articles ---------------------------------------------------------------------
    def article_ids(self) -> set[str]:
        return set(self.docstore.get_all_document_hashes().values())

    def store_article(self, article_id: str, entry: dict) -> dict:
        """Record a stored (new or re-embedded) article; returns its previous entry.

        Its places `also_at` are kept; the body it is stored with now maps to it, and a
        body it no longer has stops mapping to it (so that text can be stored again); an
        id stored as an article of its own is no longer a duplicate."""
        old = self.get(ARTICLES, article_id) or {}
        body = entry["body_hash"]
        if old.get("body_hash") and old["body_hash"] != body:
            self._release_body(old["body_hash"], article_id)
        kept = {"also_at": old["also_at"]} if old.get("also_at") else {}
        self.put(ARTICLES, article_id, {**entry, **kept})
        self.put(BODIES, body, {"id": article_id})
        self.delete(ALIASES, article_id)
        return old

    def add_also_at(self, article_id: str, places: Iterable[str]) -> bool:
        """Note other places an article's url and text were found; True when any is new."""
        entry = self.get(ARTICLES, article_id)
        if entry is None:
            return False
        known = set(entry.get("also_at", []))
        if set(places) <= known:
            return False
        self.put(ARTICLES, article_id, {**entry, "also_at": sorted(known | set(places))})
        return True

    def drop_article(self, article_id: str) -> None:
        """Forget an article: its hash, its manifest entry and its body mapping."""
        entry = self.get(ARTICLES, article_id) or {}
        self.docstore.delete_document(article_id, raise_error=False)  # the hash goes with it
        self.delete(ARTICLES, article_id)
        if entry.get("body_hash"):
            self._release_body(entry["body_hash"], article_id)

    def primary_for_body(self, body_hash: str) -> str | None:
        got = self.get(BODIES, body_hash)
        return got["id"] if got else None

    def _release_body(self, body_hash: str, article_id: str) -> None:
        if self.primary_for_body(body_hash) == article_id:
            self.delete(BODIES, body_hash)

    # -- duplicates -------------------------------------------------------------------
    def record_alias(self, alias_id: str, entry: dict) -> None:
        """`alias_id` names a text stored as `entry["primary"]`: recorded, not stored again."""
        self.put(ALIASES, alias_id, entry)

    def drop_alias(self, alias_id: str) -> None:
        self.delete(ALIASES, alias_id)

    def alias_primaries(self) -> set[str]:
        return {entry.get("primary") for entry in self.all(ALIASES).values()}

    def places_of(self, primary: str) -> list[str]:
        """Where else an article is found: its duplicates' urls (or paths) and its `also_at`."""
        duplicates = {a.get("url") or a.get("source_path") for a in self.all(ALIASES).values() if a.get("primary") == primary}
        return sorted(duplicates | set((self.get(ARTICLES, primary) or {}).get("also_at", [])))

    # -- the stat cache ---------------------------------------------------------------
    def cache_file(self, origin: str, stat: list[int], ids: list[str]) -> None:
        """A file read whole with every article stored: skipped unread while `stat` holds."""
        self.put(FILES, origin, {"stat": stat, "ids": ids})

    def forget_files_with(self, *article_ids: str) -> None:
        """Drop the stat cache of files that hold any of `article_ids`, so the next run reads them."""
        wanted = set(article_ids)
        for origin, entry in self.all(FILES).items():
            if wanted & set(entry.get("ids", [])):
                self.delete(FILES, origin)

    def forget_files(self, origins: Iterable[str]) -> None:
        for origin in origins:
            self.delete(FILES, origin)

    # -- takedowns --------------------------------------------------------------------
    def tombstones(self) -> dict[str, dict]:
        return self.all(TOMBSTONES)

    def bury(self, article_id: str, stone: dict) -> None:
        """Keep `article_id` (and its body) out of every later ingest until `unbury`."""
        self.put(TOMBSTONES, article_id, stone)

    def unbury(self, article_id: str) -> dict | None:
        """Lift a takedown; returns its tombstone, None when there was none."""
        stone = self.get(TOMBSTONES, article_id)
        if stone is not None:
            self.delete(TOMBSTONES, article_id)
        return stone

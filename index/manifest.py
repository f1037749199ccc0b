"""newsbot's own bookkeeping, kept inside llama-index's docstore file.

The docstore (one JSON file, fsynced and replaced atomically: index/docstore.py) holds llama-index's document hashes, which
the IngestionPipeline uses to skip unchanged articles. Next to them, in collections of the
same key-value store, newsbot records per article where it came from and how many chunks it
has, which bodies are stored under which id (so a duplicate body is stored once), and a
stat cache of the files read. One file, one atomic rename: the docstore and the manifest
can never disagree with each other after a crash; `index.check` compares both to Chroma.
"""

from __future__ import annotations

from llama_index.core.storage.docstore import SimpleDocumentStore

ARTICLES = "newsbot/articles"  # article_id -> {origin, source_path, url, body_hash, chunks}
BODIES = "newsbot/bodies"      # body_hash -> article_id stored with that body
ALIASES = "newsbot/aliases"    # duplicate article_id -> {primary, origin, source_path, url, body_hash}
FILES = "newsbot/files"        # origin file -> {stat: [...], ids: [...]}
TOMBSTONES = "newsbot/tombstones"  # forgotten article_id -> {url, title, reason, time}


class Manifest:
    def __init__(self, docstore: SimpleDocumentStore):
        self.docstore = docstore
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

    # -- articles ---------------------------------------------------------------------
    def article_ids(self) -> set[str]:
        return set(self.docstore.get_all_document_hashes().values())

    def drop_article(self, article_id: str) -> None:
        """Forget an article: its hash, its manifest entry, its body mapping, its aliases."""
        entry = self.get(ARTICLES, article_id) or {}
        self.docstore.delete_document(article_id, raise_error=False)
        self.kv.delete(article_id, collection=self.docstore._metadata_collection)
        self.delete(ARTICLES, article_id)
        body = entry.get("body_hash")
        if body and self.get(BODIES, body) == {"id": article_id}:
            self.delete(BODIES, body)

    def primary_for_body(self, body_hash: str) -> str | None:
        got = self.get(BODIES, body_hash)
        return got["id"] if got else None

    def set_body(self, body_hash: str, article_id: str) -> None:
        self.put(BODIES, body_hash, {"id": article_id})

    # -- takedowns --------------------------------------------------------------------
    def tombstones(self) -> dict[str, dict]:
        return self.all(TOMBSTONES)

    def forget_files_with(self, article_id: str) -> None:
        """Drop the stat cache of files that hold `article_id`, so the next run reads them."""
        for origin, entry in self.all(FILES).items():
            if article_id in entry.get("ids", []):
                self.delete(FILES, origin)


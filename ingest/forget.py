"""`newsbot forget URL_OR_ID [--reason TEXT]` and `--undo`: take an article down.

A takedown (a legal request, a retraction) must hold at once and for good: the article's
chunks leave Chroma, its entry leaves the docstore, and the revision bump makes every
reader (the keyword index, a running bot) drop it before its next question. A tombstone
in the manifest (shared through the docstore collection in server mode) keeps any later
ingest from bringing it back: the same URL from any source, or the same text under
another URL, is skipped with the reason "forgotten" until `--undo`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from index.docstore import load_docstore, save_docstore
from index.manifest import ALIASES, ARTICLES, TOMBSTONES, Manifest
from index.plural import count
from index.settings import Settings
from index.store import StoreError, articles_filter, open_store
from index.writer_lock import writer_lock
from ingest.article import make_article_id
from ingest.readers import is_url

ARTICLE_ID = re.compile(r"[0-9a-f]{16}")


class ForgetError(StoreError):
    """The target names no article; the message says what to give instead."""


@dataclass
class ForgetResult:
    article_id: str
    url: str | None
    title: str | None
    chunks_removed: int
    was_indexed: bool
    undone: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        name = self.title or self.url or self.article_id
        if self.undone:
            return f"{name}: no longer forgotten; the next ingest of its source brings it back"
        if self.was_indexed:
            return f"forgot {name}: {count(self.chunks_removed, 'chunk')} removed; later ingests skip it"
        return f"{name} was not in the index; later ingests skip it"


def resolve(target: str, manifest: Manifest) -> tuple[str, str | None]:
    """(article id, url) for a URL or an article id (`newsbot ask --json` shows both)."""
    target = target.strip()
    if is_url(target):
        return make_article_id(target, ""), target
    if ARTICLE_ID.fullmatch(target):
        known = manifest.get(ARTICLES, target) or manifest.get(ALIASES, target) or manifest.get(TOMBSTONES, target)
        return target, (known or {}).get("url") or None
    raise ForgetError(
        f"{target!r} is neither a URL (https://…) nor an article id (16 hex characters, "
        "shown as article_id by `newsbot ask --json`)"
    )


def forget(settings: Settings, target: str, reason: str | None = None, force: bool = False) -> ForgetResult:
    """Take an article down. One that is not in the index is blocked only with `force`: a
    mistyped URL would otherwise be blocked forever while the real one stays."""
    with writer_lock(settings):
        docstore = load_docstore(settings)
        manifest = Manifest(docstore)
        article_id, url = resolve(target, manifest)
        entry = manifest.get(ARTICLES, article_id) or manifest.get(ALIASES, article_id) or {}
        store = open_store(settings)
        chunks, title = 0, None
        for _, meta, _ in store.iter_metadata(where=articles_filter([article_id])):
            chunks += 1
            title = title or (meta or {}).get("title") or None
        if not (chunks or entry or force or manifest.get(TOMBSTONES, article_id)):
            raise ForgetError(
                f"{target} is not in the index (check it for a typo: `newsbot ask --json` shows "
                "articles' URLs and ids); to block it before it is ever ingested, add --force"
            )
        if chunks:
            store.delete_articles([article_id])
        was_indexed = bool(chunks) or bool(entry)
        manifest.drop_article(article_id)
        manifest.drop_alias(article_id)
        manifest.forget_files_with(article_id)  # read once more, to say "forgotten" there
        manifest.bury(article_id, {
            "url": url or entry.get("url") or "",
            "title": title or "",
            "body_hash": entry.get("body_hash", ""),
            "reason": reason or "",
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        })
        save_docstore(docstore, settings)
        store.bump_revision(changed=[article_id])
        return ForgetResult(article_id, url or entry.get("url") or None, title, chunks, was_indexed)


def undo(settings: Settings, target: str) -> ForgetResult:
    with writer_lock(settings):
        docstore = load_docstore(settings)
        manifest = Manifest(docstore)
        article_id, url = resolve(target, manifest)
        stone = manifest.unbury(article_id)
        if stone is None:
            raise ForgetError(f"{target} is not forgotten (`newsbot forget --list` shows what is)")
        manifest.forget_files_with(article_id)
        save_docstore(docstore, settings)
        return ForgetResult(article_id, stone.get("url") or url, stone.get("title"), 0, False, undone=True)


def tombstones(settings: Settings) -> dict[str, dict]:
    return Manifest(load_docstore(settings)).tombstones()

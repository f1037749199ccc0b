"""BM25 keyword search over the chunks (bm25s, English stemming and stop words), and the
in-memory table of chunk texts and metadata that both searches read their hits from.

The keyword index is derived data: it is rebuilt from the chunks in Chroma whenever the
collection's revision changes (every ingest, re-index and prune bumps it), and cached on
disk in the data dir under that revision. So it stays in step with the store in both
modes, and several processes sharing a Chroma server each keep their own copy current
without a second shared store.

Titles count twice: they are indexed with every chunk, and a second, article-level BM25
over titles alone lets a question that matches a headline lift that article above long
articles that mention the same words in passing (roundups, live blogs). Measured on the
eval set: MRR@10 0.818 → 0.872 (bench/tune_retrieval.py).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.store import Store

import bm25s  # noqa: E402  (imported here: it sets its own logger to DEBUG on import)

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)
PAGE = 5000


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]):
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)


@dataclass
class KeywordHit:
    chunk_id: str
    score: float
    text: str
    metadata: dict


class KeywordIndex:
    """A BM25 index of one store's chunks, kept current by revision."""

    def __init__(self, store: Store):
        self.store = store
        self.revision: int | None = None
        self._bm25 = None
        self._titles = None  # article-level BM25 over titles
        self._title_articles: list[str] = []
        self._ids: list[str] = []
        self._texts: list[str] = []
        self._metas: list[dict] = []
        self._row: dict[str, int] = {}
        self._days = np.zeros(0, dtype=np.int64)
        self._articles = np.zeros(0, dtype=object)
        self._masks: dict[frozenset, np.ndarray] = {}  # allowed-article masks of this revision
        self._lock = threading.Lock()
        self._pinned = threading.local()

    @contextmanager
    def pinned(self):
        """Check the revision once for a whole retrieval: the searches inside skip their
        own checks (each is a round trip to a Chroma server) and all read one snapshot."""
        self.ensure_current()
        self._pinned.active = True
        try:
            yield self
        finally:
            self._pinned.active = False

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def cache_dir(self) -> Path:
        return Path(self.store.settings.data_dir) / "keyword"

    def ensure_current(self) -> None:
        if getattr(self._pinned, "active", False) and self._bm25 is not None:
            return
        revision = self.store.revision()
        if revision == self.revision and self._bm25 is not None:
            return
        with self._lock:
            if revision == self.revision and self._bm25 is not None:
                return
            if not self._load(revision):
                self._build(revision)
            self._build_titles()
            self._row = {cid: i for i, cid in enumerate(self._ids)}
            self._days = np.array([int(m.get("published_day", -1)) for m in self._metas], dtype=np.int64)
            self._articles = np.array([str(m.get("article_id")) for m in self._metas], dtype=object)
            self._masks = {}
            self.revision = revision

    def article_ids(self) -> set[str]:
        self.ensure_current()
        return {str(m.get("article_id")) for m in self._metas}

    def article_text(self, article_id: str) -> str:
        """The stored chunks of one article in order (overlaps repeated), from the table."""
        self.ensure_current()
        rows = sorted((cid, text) for cid, text, meta in zip(self._ids, self._texts, self._metas)
                      if meta.get("article_id") == article_id)
        return "\n".join(text for _, text in rows)

    def day_of(self, chunk_id: str) -> int:
        row = self._row.get(chunk_id)
        return -1 if row is None else int(self._days[row])

    def newest_day(self) -> int | None:
        """Days since the epoch of the newest dated chunk (None: nothing dated)."""
        self.ensure_current()
        dated = self._days[self._days >= 0]
        return int(dated.max()) if len(dated) else None

    def excludes_any(self, min_day: int | None, max_day: int | None) -> bool:
        """Whether a date window leaves out any chunk (chunks without a date are kept)."""
        dated = self._days[self._days >= 0]
        if not len(dated):
            return False
        return (min_day is not None and dated.min() < min_day) or (max_day is not None and dated.max() > max_day)

    def article_of(self, chunk_id: str) -> str | None:
        row = self._row.get(chunk_id)
        return None if row is None else self._articles[row]

    def metadatas(self) -> list[dict]:
        """The slim metadata of every chunk (one dict per chunk, table order)."""
        self.ensure_current()
        return self._metas

    def article_mask(self, articles: set[str]) -> np.ndarray:
        """Which chunks belong to `articles`; cached per revision, since a scope (a
        channel's, an outlet's) asks with the same set question after question."""
        key = frozenset(articles)
        mask = self._masks.get(key)
        if mask is None:
            mask = np.fromiter((a in key for a in self._articles), dtype=bool, count=len(self._articles))
            if len(self._masks) > 32:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def chunk(self, chunk_id: str) -> tuple[str, dict] | None:
        """Text and metadata of a chunk from the in-memory table (no Chroma round trip)."""
        row = self._row.get(chunk_id)
        return None if row is None else (self._texts[row], self._metas[row])

    def _fetch_all(self) -> tuple[list[str], list[str], list[dict]]:
        ids, texts, metas = [], [], []
        total = self.store.count()
        for offset in range(0, total, PAGE):
            got = self.store.collection.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
            ids += got["ids"]
            texts += got["documents"]
            metas += [_slim(m) for m in got["metadatas"]]
        return ids, texts, metas

    def _build(self, revision: int) -> None:
        import bm25s

        ids, texts, metas = self._fetch_all()
        self._ids, self._texts, self._metas = ids, texts, metas
        if not ids:
            self._bm25 = None
            return
        corpus = [f"{m.get('title', '')}\n{t}" for t, m in zip(texts, metas)]
        bm25 = bm25s.BM25()
        bm25.index(tokenize(corpus), show_progress=False)
        self._bm25 = bm25
        self._save(revision)

    def _build_titles(self) -> None:
        """Derived from the chunk table on every (re)load: a few thousand titles index in
        milliseconds, so they need no cache of their own."""
        import bm25s

        if not self._metas:
            self._titles, self._title_articles = None, []
            return
        titles: dict[str, str] = {}
        for meta in self._metas:
            titles.setdefault(str(meta.get("article_id")), str(meta.get("title") or ""))
        self._title_articles = list(titles)
        bm25 = bm25s.BM25()
        bm25.index(tokenize(list(titles.values())), show_progress=False)
        self._titles = bm25

    def _save(self, revision: int) -> None:
        """Several processes share the cache (the bot, `newsbot ask`): each writes its own
        temporary directory and renames it into place; one that loses a race drops its own.
        The cache only saves time, so failing to write it is never an error."""
        target = self.cache_dir / f"rev-{revision}"
        tmp = self.cache_dir / f".rev-{revision}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            tmp.mkdir(parents=True, exist_ok=True)
            self._bm25.save(str(tmp), show_progress=False)
            with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as out:
                for cid, text, meta in zip(self._ids, self._texts, self._metas):
                    out.write(json.dumps({"id": cid, "text": text, "meta": meta}) + "\n")
            shutil.rmtree(target, ignore_errors=True)  # a damaged or outdated copy
            tmp.rename(target)
        except OSError as exc:  # another process saved or cleared this revision meanwhile
            log.debug("keyword cache rev-%s not saved: %s", revision, exc)
            shutil.rmtree(tmp, ignore_errors=True)
            return
        for old in self.cache_dir.glob("rev-*"):
            if old != target:
                shutil.rmtree(old, ignore_errors=True)
        for old in self.cache_dir.glob(".rev-*.tmp"):  # left by a killed process
            try:
                if time.time() - old.stat().st_mtime > 3600:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                pass

    def _load(self, revision: int) -> bool:
        import bm25s

        source = self.cache_dir / f"rev-{revision}"
        if not (source / "chunks.jsonl").exists():
            return False
        try:
            bm25 = bm25s.BM25.load(str(source), show_progress=False)
            rows = [json.loads(line) for line in open(source / "chunks.jsonl", encoding="utf-8")]
        except Exception as exc:  # a damaged cache is rebuilt, never trusted
            log.warning("keyword cache %s unreadable (%s); rebuilding", source, exc)
            return False
        if len(rows) != self.store.count() or (rows and "source" not in rows[0]["meta"]):
            return False  # stale, or written before the outlet fields were kept
        self._bm25 = bm25
        self._ids = [r["id"] for r in rows]
        self._texts = [r["text"] for r in rows]
        self._metas = [r["meta"] for r in rows]
        return True

    def _query_words(self, question: str, bm25) -> list[str]:
        """The question's stemmed words that the index knows (unknown words are dropped)."""
        query = tokenize([question])
        if not query.vocab or not any(len(q) for q in query.ids):
            return []
        inverse = {i: w for w, i in query.vocab.items()}
        return [inverse[i] for i in query.ids[0] if inverse[i] in bm25.vocab_dict]

    def title_scores(self, question: str) -> dict[str, float]:
        """BM25 of the question against each article's title (articles scoring 0 left out)."""
        self.ensure_current()
        if self._titles is None:
            return {}
        words = self._query_words(question, self._titles)
        if not words:
            return {}
        scores = self._titles.get_scores(words)
        return {self._title_articles[i]: float(scores[i]) for i in np.flatnonzero(scores > 0)}

    def search(
        self, question: str, n: int, min_day: int | None = None, max_day: int | None = None,
        articles: set[str] | None = None,
    ) -> list[KeywordHit]:
        self.ensure_current()
        if self._bm25 is None:
            return []
        words = [self._query_words(question, self._bm25)]
        if not words[0]:
            return []
        mask = None
        if min_day is not None or max_day is not None:
            days = self._days
            mask = np.ones(len(days), dtype=bool)
            if min_day is not None:
                mask &= days >= min_day
            if max_day is not None:
                mask &= days <= max_day
        if articles is not None:
            mask = self.article_mask(articles) if mask is None else mask & self.article_mask(articles)
        if mask is not None and not mask.any():
            return []
        k = min(n, len(self._ids))
        docs, scores = self._bm25.retrieve(words, k=k, show_progress=False, weight_mask=mask)
        out = []
        for index, score in zip(docs[0], scores[0]):
            if score <= 0:
                continue
            out.append(KeywordHit(self._ids[index], float(score), self._texts[index], self._metas[index]))
        return out


def _slim(meta: dict) -> dict:
    """Only the metadata a Hit needs (llama-index's _node_content is large)."""
    keep = ("article_id", "title", "published", "published_day", "url", "source_path", "also_at", "source", "category")
    return {k: meta.get(k) for k in keep}

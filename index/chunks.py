"""The chunk table (`Store.chunks`): every chunk's id, slim metadata and day in memory,
which both searches read their hits from, with BM25 keyword search over it (bm25s's English
stemming and stop words). Chunk texts stay in Chroma: only the final candidates of a
question need one (`texts`), and holding them all cost more than the rest of the table
and BM25 together (bench/catchup.py prints what a process holds).

The table is derived data, kept in step with the collection's revision (every
ingest, re-index, prune, takedown and repair bumps it). A reader at revision r that sees
r' reads the write log (index/write_log.py) for the articles changed since r and fetches
only their chunks: BM25 takes deltas (index/bm25_segments.py) with exact corpus
statistics, so the scores equal a full rebuild's. When the log does not reach back to r,
or the collection was replaced, it rebuilds from every chunk. Compacted snapshots are
cached on disk in the data dir, so a cold `newsbot ask` loads one and applies the log
since. Several processes sharing a Chroma server each keep their own copy current.

Every state is an immutable `Snapshot`; a change builds the next one and swaps it in, so
a question reads one complete snapshot throughout (`pinned`). In `serve` a background
thread (`follow`) catches up and compacts, and a question waits for a delta at most: when
only a rebuild will do, it reads the last snapshot meanwhile.

Titles count twice: they are indexed with every chunk, and a second, article-level BM25
over titles alone lets a question that matches a headline lift that article above long
articles that mention the same words in passing (roundups, live blogs); it raises MRR@10
on the eval set (bench/tune_retrieval.py, docs/benchmarks.md).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np

from index.bm25_segments import SegmentedBM25
from index.store import ARTICLES_PER_FILTER, SCAN_PAGE, Record, Store, articles_filter

log = logging.getLogger(__name__)
COMPACT_FRACTION = 0.1  # merge the delta segment into the main one past this share of it
REBUILD_FRACTION = 0.5  # more of the articles changed than this (and over 200): a rebuild is cheaper
CACHE_FORMAT = 2  # of the disk cache; another format is rebuilt, never misread


def _bm25s_stopwords() -> frozenset[str]:
    """bm25s's stopwords="en", read from its stop-word module alone: importing the bm25s
    package loads scipy, a third of a second of every `newsbot ask` start-up."""
    package = importlib.util.find_spec("bm25s")
    spec = importlib.util.spec_from_file_location(
        "newsbot_bm25s_stopwords", Path(package.submodule_search_locations[0]) / "stopwords.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOPWORDS_EN)


_SPLIT = re.compile(r"(?u)\b\w\w+\b").findall  # bm25s's default token pattern
_STOP = _bm25s_stopwords()
_STEMMER = threading.local()


def tokenize(texts: list[str]) -> list[list[str]]:
    """Stemmed words without stop words, per text: bm25s's tokenizer (lower-cased, its
    pattern and English stop words, PyStemmer), without its per-call vocabulary work."""
    if not texts:
        return []
    stemmer = getattr(_STEMMER, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _STEMMER.stemmer = Stemmer.Stemmer("english")
    words = [[w for w in _SPLIT(text.lower()) if w not in _STOP] for text in texts]
    unique = list({w: None for doc in words for w in doc})
    stems = dict(zip(unique, stemmer.stemWords(unique)))
    return [[stems[w] for w in doc] for doc in words]


def _shared(metas: list[dict]) -> list[dict]:
    """The slim metadata is article-level (title, url, dates, outlet): chunks of one
    article share one dict instead of holding a copy each. Readers never modify them."""
    canon: dict[tuple, dict] = {}
    out = []
    for meta in metas:
        try:
            out.append(canon.setdefault(tuple(meta.items()), meta))
        except TypeError:  # an unhashable value: kept as it is
            out.append(meta)
    return out


def _chunk_doc(text: str, meta: dict) -> str:
    return f"{meta.get('title', '')}\n{text}"


@dataclass
class KeywordHit:
    chunk_id: str
    score: float
    metadata: dict


class Snapshot:
    """One complete state of the chunk table and both BM25 indexes, at `revision`.
    Row i of the table is row i of the chunk BM25; removed rows stay (tombstoned) until
    compaction, so the live rows are those in `row`."""

    def __init__(self, revision, collection_id, ids, metas, days, articles, row, by_article,
                 bm25, titles, title_keys, title_row):
        self.revision = revision
        self.collection_id = collection_id
        self.ids, self.metas = ids, metas
        self.days, self.articles = days, articles
        self.row: dict[str, int] = row  # live chunk id -> row
        self.by_article: dict[str, tuple[int, ...]] = by_article  # article id -> live rows
        self.bm25: SegmentedBM25 = bm25
        self.titles: SegmentedBM25 = titles
        self.title_keys = title_keys
        self.title_row: dict[str, int] = title_row  # article id -> live title row
        self.masks: dict[frozenset, np.ndarray] = {}
        self._live: np.ndarray | None = None

    @classmethod
    def build(cls, revision: int, collection_id: str, ids, metas, bm25: SegmentedBM25) -> Snapshot:
        """The snapshot of chunks `ids` with their slim metadata, `bm25` indexing them row
        for row; the title index is built here (a few thousand titles take milliseconds)."""
        metas = _shared(metas)
        articles = np.array([str(m.get("article_id")) for m in metas], dtype=object)
        by_article: dict[str, list[int]] = {}
        for i, article in enumerate(articles):
            by_article.setdefault(article, []).append(i)
        titles = {a: _title(metas[rows[0]]) for a, rows in by_article.items()}
        return cls(
            revision, collection_id, ids, metas,
            np.array([int(m.get("published_day", -1)) for m in metas], dtype=np.int64), articles,
            {cid: i for i, cid in enumerate(ids)}, {a: tuple(r) for a, r in by_article.items()},
            bm25, SegmentedBM25.build(tokenize(list(titles.values()))), list(titles),
            {a: i for i, a in enumerate(titles)},
        )

    @property
    def live(self) -> np.ndarray:
        """Rows not removed, in table order."""
        if self._live is None:
            self._live = np.flatnonzero(self.bm25.alive)
        return self._live

    def changed(self, revision: int, articles: set[str], ids, texts, metas) -> Snapshot:
        """The next snapshot: every chunk of `articles` replaced by the fetched ones."""
        metas = _shared(metas)
        fetched = set(ids)
        gone = sorted({r for a in articles for r in self.by_article.get(a, ())}
                      | {self.row[c] for c in fetched if c in self.row})
        bm25 = self.bm25.changed(tokenize([_chunk_doc(t, m) for t, m in zip(texts, metas)]), gone)
        first = len(self.ids)
        new_articles = [str(m.get("article_id")) for m in metas]
        row = dict(self.row)
        for r in gone:
            del row[self.ids[r]]
        row.update((cid, first + i) for i, cid in enumerate(ids))
        gone_set = set(gone)
        affected = {self.articles[r] for r in gone} | set(new_articles)
        by_article = dict(self.by_article)
        for article in affected:
            by_article[article] = tuple(r for r in by_article.get(article, ()) if r not in gone_set)
        for i, article in enumerate(new_articles):
            by_article[article] = by_article[article] + (first + i,)
        for article in affected:
            if not by_article[article]:
                del by_article[article]

        all_metas = self.metas + list(metas)
        title_gone = [self.title_row[a] for a in sorted(affected) if a in self.title_row]
        title_new = sorted(a for a in affected if a in by_article)
        titles = self.titles.changed(tokenize([_title(all_metas[by_article[a][0]]) for a in title_new]), title_gone)
        title_row = {a: r for a, r in self.title_row.items() if a not in affected}
        title_first = len(self.title_keys)
        title_row.update((a, title_first + i) for i, a in enumerate(title_new))
        return Snapshot(
            revision, self.collection_id, self.ids + list(ids), all_metas,
            np.concatenate([self.days, np.array([int(m.get("published_day", -1)) for m in metas], dtype=np.int64)]),
            np.concatenate([self.articles, np.array(new_articles, dtype=object)]),
            row, by_article, bm25, titles, self.title_keys + title_new, title_row,
        )

    def needs_compaction(self) -> bool:
        return self.bm25.needs_compaction(COMPACT_FRACTION) or self.titles.needs_compaction(COMPACT_FRACTION)

    def compacted(self) -> Snapshot:
        """The same state without tombstones: one main segment each, rows renumbered."""
        bm25, keep = self.bm25.compacted()
        return Snapshot.build(self.revision, self.collection_id, [self.ids[k] for k in keep],
                              [self.metas[k] for k in keep], bm25)

    def memory(self) -> dict[str, int]:
        """Approximate bytes held, by part (metadata and ids as Python objects)."""
        import sys

        live = self.live
        return {
            "metadata": sum(sys.getsizeof(m) + sum(sys.getsizeof(v) for v in m.values())
                            for m in {id(self.metas[r]): self.metas[r] for r in live}.values()),  # shared dicts once
            "chunk_ids": sum(sys.getsizeof(self.ids[r]) for r in live) + sys.getsizeof(self.row),
            "bm25": self.bm25.nbytes + self.titles.nbytes,
            "bm25_weight_cache": self.bm25.cache_nbytes + self.titles.cache_nbytes,
            "vocab": sys.getsizeof(self.bm25.vocab) + sum(sys.getsizeof(w) for w in self.bm25.vocab),
        }


class ChunkTable:
    """One store's chunks in memory (ids, slim metadata, dates; the texts stay in Chroma)
    with a BM25 index over chunks and one over titles, kept current by the collection's
    revision."""

    def __init__(self, store: Store):
        self.store = store
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()  # one catch-up at a time
        self._pinned = threading.local()
        self._follower: threading.Thread | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()

    # ---- snapshots ------------------------------------------------------------------
    @property
    def revision(self) -> int | None:
        snap = self._snap
        return None if snap is None else snap.revision

    def _current(self) -> Snapshot | None:
        pinned = getattr(self._pinned, "snap", None)
        return pinned if pinned is not None else self._snap

    @contextmanager
    def pinned(self):
        """Check the revision once for a whole retrieval: the searches inside skip their
        own checks (each is a round trip to a Chroma server) and all read one snapshot."""
        before = getattr(self._pinned, "snap", None)
        if before is None:
            self.ensure_current()
            self._pinned.snap = self._snap
        try:
            yield self
        finally:
            self._pinned.snap = before

    def __len__(self) -> int:
        snap = self._current()
        return 0 if snap is None else len(snap.row)

    @property
    def cache_dir(self) -> Path:
        return Path(self.store.settings.data_dir) / "keyword"

    def ensure_current(self) -> None:
        """Bring the snapshot up to the store's revision. Following in the background, a
        question applies a delta at most (never while a catch-up runs: it reads the last
        snapshot then) and leaves rebuilds and compaction to the follower."""
        if getattr(self._pinned, "snap", None) is not None:
            return
        revision = self.store.revision()
        snap = self._snap
        if snap is not None and snap.revision == revision:
            return
        if self._follower is not None and snap is not None:
            if self._lock.acquire(blocking=False):
                try:
                    if not self._catch_up(revision, delta_only=True):
                        self._wake.set()
                finally:
                    self._lock.release()
            else:
                self._wake.set()
            return
        with self._lock:
            self._catch_up(revision)

    def _catch_up(self, revision: int, delta_only: bool = False) -> bool:
        """Make the snapshot current at `revision` (called under the lock): a delta from
        the write log if it reaches, else the disk cache plus a delta, else a rebuild.
        Returns whether it is current (`delta_only`: False when only a rebuild would do)."""
        snap = self._snap
        if snap is not None and snap.revision == revision:
            if not delta_only and snap.needs_compaction():
                self._swap(snap.compacted(), save=True)
            return True
        collection_id = str(self.store.collection.id)
        if snap is not None and snap.collection_id == collection_id:
            caught = self._delta(snap, revision, compact=not delta_only)
            if caught is not None:
                self._swap(caught, save=caught.bm25.delta_rows == 0 and not delta_only)
                return True
        if delta_only:
            return False
        cached = self._load(collection_id, revision)
        if cached is not None:
            caught = cached if cached.revision == revision else self._delta(cached, revision, compact=True)
            if caught is not None:
                self._swap(caught, save=caught is not cached and caught.bm25.delta_rows == 0)
                return True
        self._swap(self._build(revision, collection_id), save=True)
        return True

    def _swap(self, snap: Snapshot, save: bool) -> None:
        snap.bm25.warm()  # the per-row norms: computed here, not in the next question
        snap.titles.warm()
        self._snap = snap
        if save:
            self._save(snap)

    def _delta(self, snap: Snapshot, revision: int, compact: bool) -> Snapshot | None:
        """`snap` moved to `revision` by fetching only the articles the log names (None:
        the log does not reach back, or so much changed that a rebuild is cheaper)."""
        changed = self.store.write_log().changes(snap.revision, revision)
        if changed is None or len(changed) > max(REBUILD_FRACTION * len(snap.by_article), 200):
            return None
        ids, texts, metas = _columns(self._records(self._article_filters(sorted(changed))))
        started = time.perf_counter()
        caught = snap.changed(revision, changed, ids, texts, metas)
        if compact and caught.needs_compaction():
            caught = caught.compacted()
        log.info("keyword index: revision %s → %s, %d articles (%d chunks) in %.0f ms", snap.revision,
                 revision, len(changed), len(ids), (time.perf_counter() - started) * 1000)
        return caught

    # ---- following the store in the background (serve) ------------------------------
    def follow(self, interval: float) -> None:
        """Catch up in a background thread every `interval` seconds (and at once when a
        question saw the revision move), so that questions never pay for a rebuild."""
        if self._follower is not None:
            return
        self._follower = threading.Thread(target=self._follow, args=(interval,), name="newsbot-keyword",
                                          daemon=True)
        self._follower.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _follow(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                revision = self.store.revision()
                with self._lock:
                    self._catch_up(revision)
            except Exception:  # the store may be briefly away; the next round tries again
                log.exception("keyword index: catching up failed; trying again in %.0f s", interval)
            self._wake.wait(interval)
            self._wake.clear()

    # ---- the chunk table ------------------------------------------------------------
    def _ready(self) -> Snapshot | None:
        self.ensure_current()
        return self._current()

    def chunk_ids(self) -> list[str]:
        """Live chunk ids, in the order of `metadatas()` (read both inside `pinned()`)."""
        snap = self._current()
        return [] if snap is None else [snap.ids[r] for r in snap.live]

    def article_ids(self) -> set[str]:
        snap = self._ready()
        return set() if snap is None else set(snap.by_article)

    def article_text(self, article_id: str) -> str:
        """The stored chunks of one article in order (overlaps repeated), read from Chroma."""
        return "\n".join(r.document or "" for r in self._records(self._article_filters([article_id])))

    def day_of(self, chunk_id: str) -> int:
        snap = self._current()
        row = None if snap is None else snap.row.get(chunk_id)
        return -1 if row is None else int(snap.days[row])

    def _live_days(self, snap: Snapshot | None) -> np.ndarray:
        if snap is None:
            return np.zeros(0, dtype=np.int64)
        days = snap.days[snap.live]
        return days[days >= 0]

    def newest_day(self, at_most: int | None = None) -> int | None:
        """Days since the epoch of the newest dated chunk, up to day `at_most` if given
        (None: nothing dated)."""
        dated = self._live_days(self._ready())
        if at_most is not None:
            dated = dated[dated <= at_most]
        return int(dated.max()) if len(dated) else None

    def excludes_any(self, min_day: int | None, max_day: int | None) -> bool:
        """Whether a date window leaves out any chunk (chunks without a date are kept)."""
        dated = self._live_days(self._current())
        if not len(dated):
            return False
        return (min_day is not None and dated.min() < min_day) or (max_day is not None and dated.max() > max_day)

    def article_of(self, chunk_id: str) -> str | None:
        snap = self._current()
        row = None if snap is None else snap.row.get(chunk_id)
        return None if row is None else snap.articles[row]

    def metadatas(self) -> list[dict]:
        """The slim metadata of every chunk (one dict per chunk, table order)."""
        snap = self._ready()
        return [] if snap is None else [snap.metas[r] for r in snap.live]

    def article_mask(self, articles: set[str], snap: Snapshot | None = None) -> np.ndarray:
        """Which rows belong to `articles`; cached per snapshot, since a scope (a
        channel's, an outlet's) asks with the same set question after question."""
        snap = snap or self._current()
        key = frozenset(articles)
        mask = snap.masks.get(key)
        if mask is None:
            mask = np.zeros(len(snap.ids), dtype=bool)
            for article in key:
                mask[list(snap.by_article.get(article, ()))] = True
            if len(snap.masks) > 32:
                snap.masks.clear()
            snap.masks[key] = mask
        return mask

    def metadata(self, chunk_id: str) -> dict | None:
        """The slim metadata of a live chunk of the snapshot (None: not in it)."""
        snap = self._current()
        row = None if snap is None else snap.row.get(chunk_id)
        return None if row is None else snap.metas[row]

    def chunk(self, chunk_id: str) -> tuple[str, dict] | None:
        """Text (read from Chroma) and metadata of a chunk of the snapshot; None when it is
        not in the snapshot or no longer in Chroma. For many chunks, `texts` reads them at once."""
        meta = self.metadata(chunk_id)
        text = None if meta is None else self.texts([chunk_id]).get(chunk_id)
        return None if text is None else (text, meta)

    def texts(self, chunk_ids: list[str]) -> dict[str, str]:
        """Chunk id -> text, read from Chroma by id (chunks removed meanwhile are left out)."""
        found: dict[str, str] = {}
        chunk_ids = list(dict.fromkeys(chunk_ids))
        for start in range(0, len(chunk_ids), SCAN_PAGE):
            page = chunk_ids[start : start + SCAN_PAGE]
            got = self.store.read(lambda: self.store.collection.get(ids=page, include=["documents"]))
            found.update((i, t or "") for i, t in zip(got["ids"], got["documents"]))
        return found

    # ---- reading Chroma -------------------------------------------------------------
    def _records(self, wheres: list[dict]) -> list[Record]:
        """Chunks matching any of `wheres` with their texts, in chunk id order."""
        return sorted(self.store.read(lambda: [r for where in wheres
                                                for r in self.store.iter_metadata(where=where, documents=True)]))

    @staticmethod
    def _article_filters(articles: list[str]) -> list[dict]:
        """The filters for the chunks of these articles, a bounded list of ids each."""
        return [articles_filter(articles[start : start + ARTICLES_PER_FILTER])
                for start in range(0, len(articles), ARTICLES_PER_FILTER)]

    def rebuild(self) -> None:
        """Build from every chunk at the current revision, ignoring the write log and the
        disk cache: the reference that catch-ups must equal (tests, bench/catchup.py)."""
        with self._lock:
            self._swap(self._build(self.store.revision(), str(self.store.collection.id)), save=False)

    def memory(self) -> dict[str, int]:
        """Approximate bytes the current snapshot holds, by part (empty before first use)."""
        snap = self._current()
        return {} if snap is None else snap.memory()

    def _build(self, revision: int, collection_id: str) -> Snapshot:
        """Every chunk, read and tokenised a page at a time (no process ever holds all texts)."""
        started = time.perf_counter()

        def scan() -> tuple[list[str], list[dict], SegmentedBM25]:
            ids: list[str] = []
            metas: list[dict] = []

            def pages():
                records = self.store.iter_metadata(documents=True)
                while page := list(islice(records, SCAN_PAGE)):
                    page_ids, texts, page_metas = _columns(page)
                    ids.extend(page_ids)
                    metas.extend(page_metas)
                    yield tokenize([_chunk_doc(t, m) for t, m in zip(texts, page_metas)])

            return ids, metas, SegmentedBM25.build_pages(pages())

        ids, metas, bm25 = self.store.read(scan)
        snap = Snapshot.build(revision, collection_id, ids, metas, bm25)
        log.info("keyword index: rebuilt %d chunks at revision %s in %.1f s", len(ids), revision,
                 time.perf_counter() - started)
        return snap

    # ---- the disk cache -------------------------------------------------------------
    def _save(self, snap: Snapshot) -> None:
        """Several processes share the cache (the bot, `newsbot ask`): each writes its own
        temporary directory and renames it into place; one that loses a race drops its own.
        Only compacted snapshots are saved. The cache only saves time, so failing to write
        it is never an error."""
        if snap.bm25.delta_rows or not snap.bm25.alive.all():
            return
        revision = snap.revision
        target = self.cache_dir / f"rev-{revision}"
        tmp = self.cache_dir / f".rev-{revision}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            tmp.mkdir(parents=True, exist_ok=True)
            np.savez(tmp / "bm25.npz", **snap.bm25.arrays())
            n_tokens = len(snap.bm25.df)
            words = sorted((i, w) for w, i in list(snap.bm25.vocab.items()) if i < n_tokens)
            (tmp / "vocab.json").write_text(json.dumps([w for _, w in words]), encoding="utf-8")
            (tmp / "meta.json").write_text(json.dumps({"revision": revision, "collection": snap.collection_id,
                                                       "format": CACHE_FORMAT}))
            shared: dict[int, int] = {}  # one entry per article's metadata dict, not per chunk
            meta_of = [shared.setdefault(id(meta), len(shared)) for meta in snap.metas]
            metas = list({id(meta): meta for meta in snap.metas}.values())
            (tmp / "chunks.json").write_text(json.dumps({"ids": snap.ids, "metas": metas, "meta_of": meta_of}),
                                             encoding="utf-8")
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

    def _load(self, collection_id: str, revision: int) -> Snapshot | None:
        """The newest cached snapshot of this collection at or before `revision`."""
        found = []
        for path in self.cache_dir.glob("rev-*"):
            try:
                found.append((int(path.name[4:]), path))
            except ValueError:
                continue
        for cached_revision, source in sorted(found, reverse=True):
            if cached_revision > revision:
                continue
            try:
                meta = json.loads((source / "meta.json").read_text())
                if (meta.get("collection") != collection_id or meta.get("revision") != cached_revision
                        or meta.get("format") != CACHE_FORMAT):
                    continue
                vocab = {w: i for i, w in enumerate(json.loads((source / "vocab.json").read_text(encoding="utf-8")))}
                with np.load(source / "bm25.npz") as arrays:
                    bm25 = SegmentedBM25.from_arrays(dict(arrays), vocab)
                chunks = json.loads((source / "chunks.json").read_text(encoding="utf-8"))
                ids, metas = chunks["ids"], [chunks["metas"][i] for i in chunks["meta_of"]]
            except Exception as exc:  # a damaged cache is rebuilt, never trusted
                log.warning("keyword cache %s unreadable (%s); rebuilding", source, exc)
                continue
            if len(ids) != len(bm25) or (cached_revision == revision and len(ids) != self.store.count()):
                continue
            return Snapshot.build(cached_revision, collection_id, ids, metas, bm25)
        return None

    # ---- searching ------------------------------------------------------------------
    @staticmethod
    def _query_words(question: str) -> list[str]:
        """The question's stemmed words (repeats kept, as bm25s scores them)."""
        return tokenize([question])[0]

    def title_scores(self, question: str) -> dict[str, float]:
        """BM25 of the question against each article's title (articles scoring 0 left out)."""
        snap = self._ready()
        if snap is None or not snap.by_article:
            return {}
        tokens = snap.titles.token_ids(self._query_words(question))
        if not tokens:
            return {}
        scores = snap.titles.scores(tokens)
        return {snap.title_keys[i]: float(scores[i]) for i in np.flatnonzero(scores > 0)}

    def search(
        self, question: str, n: int, min_day: int | None = None, max_day: int | None = None,
        articles: set[str] | None = None,
    ) -> list[KeywordHit]:
        snap = self._ready()
        if snap is None or not snap.row or n <= 0:
            return []
        tokens = snap.bm25.token_ids(self._query_words(question))
        if not tokens:
            return []
        scores = snap.bm25.scores(tokens)
        if min_day is not None:
            scores[snap.days < min_day] = 0.0
        if max_day is not None:
            scores[snap.days > max_day] = 0.0
        if articles is not None:
            scores[~self.article_mask(articles, snap)] = 0.0
        found = np.flatnonzero(scores > 0)
        if len(found) > n:  # the n best, and any tied with the n-th, then ordered exactly
            nth = np.partition(scores[found], len(found) - n)[len(found) - n]
            found = found[scores[found] >= nth]
        ranked = sorted(found.tolist(), key=lambda r: (-scores[r], snap.ids[r]))[:n]
        return [KeywordHit(snap.ids[r], float(scores[r]), snap.metas[r]) for r in ranked]


def _columns(rows: list[Record]) -> tuple[list[str], list[str], list[dict]]:
    """Chunk ids, texts and slim metadata of fetched records."""
    return [r.id for r in rows], [r.document or "" for r in rows], [_slim(r.metadata) for r in rows]


def _title(meta: dict) -> str:
    return str(meta.get("title") or "")


def _slim(meta: dict) -> dict:
    """Only the metadata a Hit needs (llama-index's _node_content is large)."""
    keep = ("article_id", "title", "published", "published_day", "url", "source_path", "also_at", "source", "category")
    return {k: meta.get(k) for k in keep}

"""Retrieval: the question's vector against the chunks in Chroma, a few chunks per article."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from index.embedding import encode
from index.schema import day_number
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
    also_at: list[str] | None = None  # urls/paths of duplicates of this article (same body)
    cohesion: float | None = None  # how much the article is about one thing (index/cohesion.py)

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
            also_at=[a for a in str(meta.get("also_at") or "").split(" | ") if a],
        )


def query_vector(store: Store, question: str) -> np.ndarray:
    """The question's vector: the model has no query prompt, so it is embedded like any
    text (with onnx, without loading llama-index)."""
    return encode([question], backend=store.settings.embed_backend)[0].astype(np.float64)


def vector_search(
    store: Store, vector: np.ndarray, n: int, window: Window | None = None, sources: set[str] | None = None
) -> list[Hit]:
    """Nearest chunks by cosine similarity (Chroma's cosine distance is 1 - similarity),
    inside the date window.

    Chroma returns ids and distances only (fetching texts and metadata with them cost 4-20
    ms a query, ids alone 1 ms): the metadata comes from the in-memory chunk table, and the
    texts are read for the final hits only (`with_texts`), so hits come back without. A date window
    is applied to over-fetched lists first, because Chroma's metadata-filtered search cost
    ~70 ms on 27k chunks; the filtered query is the fallback when too few survive.
    `sources` (article ids allowed, None: all) is applied the same way."""
    window = window or Window()
    table = store.chunks
    table.ensure_current()
    count = len(table)  # the table is current: no count() round trip
    if count == 0:
        return []
    filtering = table.excludes_any(window.min_day, window.max_day) or sources is not None

    def query(size: int, where: dict | None):
        result = store.collection.query(
            query_embeddings=[vector.tolist()], n_results=min(size, count), where=where, include=["distances"]
        )
        return zip(result["ids"][0], result["distances"][0])

    def inside(chunk_id: str) -> bool:
        if sources is not None and table.article_of(chunk_id) not in sources:
            return False
        day = table.day_of(chunk_id)
        return day < 0 or (
            (window.min_day is None or day >= window.min_day) and (window.max_day is None or day <= window.max_day)
        )

    if not filtering:
        pairs = list(query(n, None))
    else:
        for size in (n * 5, n * 25):  # ids only: 1.5 ms for 200, 7 ms for 1,000 of 27k chunks
            pairs = [(c, d) for c, d in query(size, None) if inside(c)]
            if len(pairs) >= n or size >= count:
                break
        else:
            pairs = list(query(n, _and(window.where(), sources)))
    hits = []
    for chunk_id, distance in pairs[:n]:
        meta = table.metadata(chunk_id)
        if meta is not None:  # written after the table was read: seen from the next revision on
            hits.append(Hit.from_chroma(chunk_id, "", meta, 1.0 - distance))
    return hits


def _and(where: dict | None, sources: set[str] | None) -> dict | None:
    """A Chroma filter: the window's clauses and, if given, the allowed article ids."""
    if sources is None:
        return where
    allowed = {"article_id": {"$in": sorted(sources)}}
    return allowed if where is None else {"$and": [where, allowed]}


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
                also_at=best.also_at,
            )
        )
    return merged


@dataclass
class Window:
    """Which publication days a question may draw on (inclusive; None = open)."""

    min_day: int | None = None
    max_day: int | None = None
    as_of_day: int | None = None  # for the recency prior
    recency_days: float | None = None  # the span a date phrase names ("this week": 7), if any
    latest: bool = False  # the question asks for the latest news or the current state

    def where(self) -> dict | None:
        clauses = []
        if self.min_day is not None:
            clauses.append({"published_day": {"$gte": self.min_day}})
        if self.max_day is not None:
            clauses.append({"published_day": {"$lte": self.max_day}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


# Each list's top chunks form the pool fusion ranks: deep enough that an article either
# signal ranks 7th-10th can still reach a 10-article list.
CANDIDATES = 50
# An article either signal ranks in its top 3 is never dropped from an article list by the
# other signal: a vector-only find (no shared keywords) must not lose to keyword-heavy digests.
PROTECTED = 3
# The constant of reciprocal rank fusion as published (Cormack et al., 2009); not tuned.
RRF_K = 60


def keyword_search(
    store: Store, question: str, n: int, window: Window, sources: set[str] | None = None
) -> list[tuple[Hit, float]]:
    """BM25 hits with their BM25 scores, without texts (their cosine and texts are filled in
    later, for the final hits: `with_texts`); `sources` (allowed article ids) masks the BM25
    scores, so top-n is all allowed."""
    hits = store.chunks.search(question, n, window.min_day, window.max_day, articles=sources)
    return [(Hit.from_chroma(h.chunk_id, "", h.metadata, 0.0), h.score) for h in hits]


def with_texts(store: Store, vector: np.ndarray, hits: list[Hit], scored: list[Hit]) -> list[Hit]:
    """`hits` with their texts, and the hits of `scored` found by keyword only with their
    cosine similarity (it gates relevance): one Chroma read by id for both. A hit whose
    chunk left Chroma since the question's snapshot is dropped."""
    missing = [h for h in scored if h.score == 0.0]
    ids = list(dict.fromkeys([h.chunk_id for h in hits] + [h.chunk_id for h in missing]))
    if not ids:
        return hits
    include = ["documents", "embeddings"] if missing else ["documents"]
    got = store.read(lambda: store.collection.get(ids=ids, include=include))
    if missing:
        by_id = dict(zip(got["ids"], got["embeddings"]))
        for hit in missing:
            if hit.chunk_id in by_id:
                hit.score = float(np.dot(np.asarray(by_id[hit.chunk_id]), vector))
    texts = dict(zip(got["ids"], got["documents"]))
    for hit in hits:
        hit.text = texts.get(hit.chunk_id)
    return [h for h in hits if h.text is not None]


def article_ranks(hits: list[Hit]) -> dict[str, int]:
    """1-based rank of each article in a chunk list, by its best-ranked chunk."""
    ranks: dict[str, int] = {}
    for hit in hits:
        ranks.setdefault(hit.article_id, len(ranks) + 1)
    return ranks


def fuse(
    vector_hits: list[Hit],
    keyword_hits: list[tuple[Hit, float]],
    window: Window,
    keyword_weight: float,
    recency_days: float | None,
    title_scores: dict[str, float] | None = None,
    title_weight: float = 0.0,
    fusion: str = "score",
    recency_weight: float = 0.0,
) -> list[Hit]:
    """The candidate chunks of both lists, best first.

    "rrf" (reciprocal rank fusion): each chunk scores 1 / (60 + its rank) in each list it
    is in, and its article 1 / (60 + the article's rank by title BM25) × title_weight; the
    scales of cosine and BM25 never meet, so neither can bury the other's finds.
    "score": cosine + keyword_weight × BM25 / the question's best BM25 + title_weight ×
    title BM25 / the best among the candidates.

    Then recency, as evidence rather than an eraser: each chunk's freshness
    exp(-age / scale) (the scale being the window's own `recency_days` if it has one, else
    the setting) raises its score by at most `recency_weight` (× (1 + weight × freshness)),
    so newer wins among articles about as relevant while an old article more than that
    much more relevant still wins; a bounded factor, not an added term, so it means the
    same whatever the fusion's scale. A question that asks for the latest news or the
    current state (`window.latest`) is multiplied by its freshness itself: there the
    newest report is the answer. An undated article is neither newer nor older than the
    dated candidates: it gets their mean freshness."""
    fused: dict[str, float] = {}
    by_id: dict[str, Hit] = {}
    for hit in vector_hits:
        by_id[hit.chunk_id] = hit
    for hit, _ in keyword_hits:
        by_id.setdefault(hit.chunk_id, hit)
    if fusion == "rrf":
        for rank, hit in enumerate(vector_hits, 1):
            fused[hit.chunk_id] = 1.0 / (RRF_K + rank)
        for rank, (hit, _) in enumerate(keyword_hits, 1):
            fused[hit.chunk_id] = fused.get(hit.chunk_id, 0.0) + keyword_weight / (RRF_K + rank)
    else:
        for hit in vector_hits:
            fused[hit.chunk_id] = max(0.0, hit.score)
        best = max((score for _, score in keyword_hits), default=0.0) or 1.0
        for hit, score in keyword_hits:
            fused[hit.chunk_id] = fused.get(hit.chunk_id, 0.0) + keyword_weight * score / best
    if title_scores and title_weight:
        articles = {h.article_id for h in by_id.values()}
        if fusion == "rrf":
            ranked = sorted((a for a in articles if title_scores.get(a, 0.0) > 0), key=title_scores.get, reverse=True)
            title_part = {a: title_weight / (RRF_K + r) for r, a in enumerate(ranked, 1)}
        else:
            best_title = max((title_scores.get(a, 0.0) for a in articles), default=0.0) or 1.0
            title_part = {a: title_weight * title_scores.get(a, 0.0) / best_title for a in articles}
        for chunk_id, hit in by_id.items():
            fused[chunk_id] += title_part.get(hit.article_id, 0.0)
    scale = window.recency_days or recency_days
    if scale and window.as_of_day is not None and (window.latest or recency_weight):
        fresh = freshness(by_id, window.as_of_day, scale)
        for chunk_id in by_id:
            fused[chunk_id] *= fresh[chunk_id] if window.latest else 1 + recency_weight * fresh[chunk_id]
    return [by_id[c] for c in sorted(fused, key=fused.get, reverse=True)]


def freshness(hits: dict[str, Hit], as_of_day: int, scale: float) -> dict[str, float]:
    """exp(-age / scale) per chunk id (an article from after `as_of_day` counts as new); an
    undated chunk gets the mean of the dated ones, so it is neither favoured nor buried."""
    days = {chunk_id: _day(hit.published) for chunk_id, hit in hits.items()}
    fresh = {c: math.exp(-max(0, as_of_day - d) / scale) for c, d in days.items() if d is not None}
    undated = sum(fresh.values()) / len(fresh) if fresh else 1.0
    return {c: fresh.get(c, undated) for c in hits}


def top_articles(ranked: list[Hit], protected: list[str], n: int) -> list[str]:
    """The first `n` articles of a fused chunk list, keeping every `protected` one: an
    article one signal ranks near the top replaces the lowest unprotected article rather
    than being dropped because the other signal never saw it."""
    order = list(article_ranks(ranked))
    chosen = order[:n]
    for article in protected:
        if article in chosen or article not in order:
            continue
        for i in range(len(chosen) - 1, -1, -1):
            if chosen[i] not in protected:
                chosen[i : i + 1] = []
                chosen.append(article)
                break
    return sorted(chosen, key=order.index)


def _day(published: str | None) -> int | None:
    if not published:
        return None
    try:
        return day_number(published)
    except ValueError:
        return None


def retrieve(
    store: Store,
    question: str,
    k: int,
    window: Window | None = None,
    method: str = "hybrid",
    sources: set[str] | None = None,
) -> list[Hit]:
    """The top `k` chunks (at most `max_chunks_per_article` each), grouped into articles.

    `method`: "hybrid" (BM25 + vector, fused, with the recency prior), "vector" or
    "keyword" (each alone, inside the same date window). `sources`: the article ids a
    scope allows (None: every article); both searches keep to them, so the top `k` is
    filled from allowed articles.
    """
    if sources is not None and not sources:
        return []
    with store.chunks.pinned():
        vector, ranked, _ = _ranked(store, question, window or Window(), method, sources)
        hits = cap_per_article(ranked, store.settings.max_chunks_per_article, k)
        return group_by_article(with_texts(store, vector, hits, scored=ranked[: k * 4]))


def retrieve_articles(
    store: Store,
    question: str,
    n: int,
    window: Window | None = None,
    method: str = "hybrid",
    sources: set[str] | None = None,
) -> list[Hit]:
    """The top `n` distinct articles (each with its best chunks), e.g. to measure Hit@10:
    a list as long as asked, and no article either signal ranks in its top 3 left out."""
    if sources is not None and not sources:
        return []
    with store.chunks.pinned():
        vector, ranked, protected = _ranked(store, question, window or Window(), method, sources)
        chosen = set(top_articles(ranked, protected, n))
        hits = cap_per_article([h for h in ranked if h.article_id in chosen],
                               store.settings.max_chunks_per_article, len(ranked))
        return group_by_article(with_texts(store, vector, hits, scored=hits))


def _ranked(
    store: Store, question: str, window: Window, method: str, sources: set[str] | None = None
) -> tuple[np.ndarray, list[Hit], list[str]]:
    """The query vector, the fused chunk list, and the articles either signal ranks in its
    top `PROTECTED`."""
    settings = store.settings
    vector = query_vector(store, question)
    vector_hits: list[Hit] = []
    keyword_hits: list[tuple[Hit, float]] = []
    if method in ("hybrid", "vector"):
        vector_hits = vector_search(store, vector, n=CANDIDATES, window=window, sources=sources)
    if method in ("hybrid", "keyword"):
        keyword_hits = keyword_search(store, question, n=CANDIDATES, window=window, sources=sources)
    if method == "vector":
        return vector, vector_hits, []
    if method == "keyword":
        return vector, [hit for hit, _ in keyword_hits], []
    ranked = fuse(
        vector_hits, keyword_hits, window, settings.keyword_weight, settings.recency_days,
        title_scores=store.chunks.title_scores(question) if settings.title_weight else None,
        title_weight=settings.title_weight, fusion=settings.fusion, recency_weight=settings.recency_weight,
    )
    protected = []
    for hits in (vector_hits, [hit for hit, _ in keyword_hits]):
        protected += [a for a in list(article_ranks(hits))[:PROTECTED] if a not in protected]
    return vector, ranked, protected


def cap_per_article(hits: list[Hit], per_article: int, k: int) -> list[Hit]:
    """The first `k` of the ranked hits, at most `per_article` chunks of each article."""
    kept: list[Hit] = []
    seen: dict[str, int] = {}
    for hit in hits:
        if seen.get(hit.article_id, 0) >= per_article:
            continue
        seen[hit.article_id] = seen.get(hit.article_id, 0) + 1
        kept.append(hit)
        if len(kept) == k:
            break
    return kept

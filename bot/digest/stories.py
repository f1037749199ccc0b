"""Stories: the articles of a date window grouped by the event they report.

An article is the mean of its chunk vectors (read from Chroma, already embedded at
ingest) together with its headline's vector; two articles are the same story when the
average of the two similarities is high (average-linkage clustering, scipy). The body
says what happened, the headline names it: each alone merged related-but-different
events (two storms, two court rulings) or split one event told with other words.
Daily roundups ("5 things to know") and an outlet's series (a newsletter, a weekly gallery:
bot/digest/series.py) are about many things, so they are never a story of their own and
never join one (chunk cohesion, index/cohesion.py; the recurring title).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np

from bot.digest.series import series_ids
from bot.support import ROUNDUP_COHESION
from index.cohesion import cohesion
from index.embedding import encode
from index.retrieval import Window
from index.store import Store

# Articles whose combined (body + headline) cosine is above this (average linkage) are one
# story. On the eval corpus same-event reports by CNN and USA Today score 0.6-0.85; of
# 0.35-0.65, 0.5 gave the best story coverage on the tuning half of the quiz weeks
# (`newsbot eval --digest --split halves`, docs/benchmarks.md "Digests").
SAME_STORY = 0.5
# How fast a story's recency weight halves, in days: a week-old story keeps half its weight,
# so a weekly digest still ranks by coverage (3 days measured worse, no decay too).
HALF_LIFE_DAYS = 8.0
# A roundup chunk this close (cosine) to an article of a story mentions that story.
MENTIONED = 0.65


@dataclass
class Article:
    """One article of the window, as a digest lists and cites it."""

    article_id: str
    title: str
    published: str | None
    url: str | None
    source_path: str
    outlet: str
    day: int
    chunk_ids: list[str] = field(default_factory=list)
    vector: np.ndarray | None = None
    cohesion: float = 1.0
    chunk_vectors: np.ndarray | None = None  # kept for roundups only (their items name stories)
    series: bool = False  # a recurring title of its outlet (bot/digest/series.py)

    @property
    def roundup(self) -> bool:
        return self.series or self.cohesion < ROUNDUP_COHESION

    def as_dict(self) -> dict:
        return {"url": self.url, "title": self.title, "published": self.published, "source_path": self.source_path}


@dataclass
class Story:
    """Articles reporting one event, the most central one first."""

    articles: list[Article]
    score: float = 0.0
    mentions: int = 0  # roundups of the window that mention the story

    @property
    def outlets(self) -> set[str]:
        return {a.outlet for a in self.articles}

    @property
    def newest(self) -> int:
        return max(a.day for a in self.articles)


def outlet_of(meta: dict) -> str:
    """The outlet an article came from: its URL's host without "www.", else its feed or
    source name, else the folder it was read from."""
    host = urlsplit(str(meta.get("url") or "")).hostname or ""
    if host:
        return host.removeprefix("www.")
    source = str(meta.get("source") or "").strip()
    if source:
        return source
    path = str(meta.get("source_path") or "")
    return path.rsplit("/", 2)[-2] if "/" in path else path


def window_articles(store: Store, window: Window, allowed: set[str] | None = None) -> list[Article]:
    """Dated articles published inside the window (and in `allowed`, if given), read
    from the in-memory chunk table; an outlet's series (newsletters, galleries) marked."""
    table = store.chunks
    by_id: dict[str, Article] = {}
    with table.pinned():
        for chunk_id, meta in zip(table.chunk_ids(), table.metadatas()):
            day = int(meta.get("published_day", -1))
            if day < 0 or (window.min_day is not None and day < window.min_day):
                continue
            if window.max_day is not None and day > window.max_day:
                continue
            article_id = str(meta.get("article_id"))
            if allowed is not None and article_id not in allowed:
                continue
            article = by_id.get(article_id)
            if article is None:
                article = by_id[article_id] = Article(
                    article_id=article_id, title=str(meta.get("title") or ""), published=meta.get("published") or None,
                    url=meta.get("url") or None, source_path=str(meta.get("source_path") or ""),
                    outlet=outlet_of(meta), day=day,
                )
            article.chunk_ids.append(chunk_id)
    series = series_ids(by_id.values())
    for article in by_id.values():
        article.chunk_ids.sort()
        article.series = article.article_id in series
    return sorted(by_id.values(), key=lambda a: (a.day, a.article_id))


def add_vectors(store: Store, articles: list[Article]) -> None:
    """Each article's mean chunk vector and its cohesion: one Chroma read by chunk id."""
    ids = [c for a in articles for c in a.chunk_ids]
    vectors: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), 5000):
        got = store.collection.get(ids=ids[start : start + 5000], include=["embeddings"])
        vectors.update(zip(got["ids"], (np.asarray(v, dtype=np.float32) for v in got["embeddings"])))
    for article in articles:
        rows = [vectors[c] for c in article.chunk_ids if c in vectors]
        if not rows:
            continue
        matrix = np.stack(rows)
        article.cohesion = cohesion(matrix)
        if article.roundup:
            article.chunk_vectors = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        mean = matrix.mean(axis=0)
        article.vector = mean / max(float(np.linalg.norm(mean)), 1e-12)


def similarity(articles: list[Article]) -> np.ndarray:
    """Pairwise story similarity: the mean of body cosine and headline cosine (a missing
    headline counts as its body)."""
    body = np.stack([a.vector for a in articles])
    titled = [i for i, a in enumerate(articles) if a.title.strip()]
    heads = body.copy()
    if titled:
        heads[titled] = encode([articles[i].title for i in titled])
    return 0.5 * (body @ body.T) + 0.5 * (heads @ heads.T)


def cluster(articles: list[Article], threshold: float = SAME_STORY) -> list[list[Article]]:
    """Average-linkage groups whose mean pairwise similarity stays above `threshold`."""
    if len(articles) < 2:
        return [[a] for a in articles]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = np.clip(1.0 - similarity(articles), 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    labels = fcluster(linkage(squareform(distance, checks=False), "average"), 1.0 - threshold, "distance")
    groups: dict[int, list[Article]] = {}
    for label, article in zip(labels, articles):
        groups.setdefault(int(label), []).append(article)
    return list(groups.values())


def central_first(group: list[Article]) -> list[Article]:
    """The article closest to the story's centre leads (its headline names the story)."""
    if len(group) < 3:
        return sorted(group, key=lambda a: (-a.day, a.article_id))
    centre = np.mean([a.vector for a in group], axis=0)
    return sorted(group, key=lambda a: -float(a.vector @ centre))


def count_mentions(stories: list[Story], roundups: list[Article]) -> None:
    """How many roundups have an item about each story: an outlet's own digest picking
    a story is coverage too, though the roundup is never a story of its own."""
    chunks = [a.chunk_vectors for a in roundups if a.chunk_vectors is not None]
    for story in stories:
        story.mentions = sum(1 for c in chunks if mention_score(story, c) >= MENTIONED)


def mention_score(story: Story, roundup_chunks: np.ndarray) -> float:
    """How closely a roundup's nearest item matches the story (cosine; `MENTIONED` or more
    counts as a mention)."""
    vectors = np.stack([a.vector for a in story.articles])
    return float((vectors @ roundup_chunks.T).max())


def rank(stories: list[Story], as_of_day: int) -> list[Story]:
    """Most coverage first (distinct outlets count double, further articles and roundup
    mentions once), weighted by recency (`HALF_LIFE_DAYS`); ties go to the newer story.
    What this cannot do: tell one one-article story from another. On the dev quiz weeks
    every question about a story of 2+ articles is in the top 15 (45 of 45), and the
    misses are one-article stories (44 of 55 left out) that roundup mentions, related
    articles, recency or length do not set apart from the ~20 others of their week."""
    for story in stories:
        coverage = 2 * len(story.outlets) + (len(story.articles) - len(story.outlets)) + story.mentions
        story.score = coverage * math.pow(0.5, max(0, as_of_day - story.newest) / HALF_LIFE_DAYS)
    return sorted(stories, key=lambda s: (-s.score, -s.newest, s.articles[0].article_id))


def find_stories(store: Store, window: Window, allowed: set[str] | None = None) -> list[Story]:
    """Every story of the window, best first (roundups left out)."""
    articles = window_articles(store, window, allowed)
    add_vectors(store, articles)
    roundups = [a for a in articles if a.vector is not None and a.roundup]
    articles = [a for a in articles if a.vector is not None and not a.roundup]
    stories = [Story(central_first(group)) for group in cluster(articles)]
    count_mentions(stories, roundups)
    as_of = window.as_of_day if window.as_of_day is not None else max((a.day for a in articles), default=0)
    return rank(stories, as_of)

"""Which articles are new for a watch, which of them match its query, and the new stories
they make.

New: the articles the write log says were added or changed since the watch's mark (any
writer: `newsbot ingest`, the watcher, `/reindex`). When the log cannot say (trimmed, or
a writer died mid-write), the articles published in the last `FALLBACK_DAYS` days are
scored instead; post records still keep any story from being posted twice.
Match: the retrieval `ask` uses (hybrid BM25 + vector, fused), kept to the new articles
inside the channel's scope; an article matches when its best chunk's cosine to the query
is at least NEWSBOT_WATCHLIST_THRESHOLD (chosen with bench/watch.py, docs/watchlists.md).
Stories: the matching articles grouped as a digest groups them (bot/digest/stories.py;
roundups never a story), then each compared with the watch's earlier posts: a shared
article, or a story similarity of at least `SAME_STORY`, is the story already posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from bot.digest.stories import SAME_STORY, Article, Story, add_vectors, central_first, cluster, window_articles
from bot.digest.summary import headline
from index.embedding import encode
from index.retrieval import Window, retrieve_articles
from index.store import Store
from index.watches import Post

FALLBACK_DAYS = 2
MAX_MATCHES = 20  # articles one pass may match per watch: more is a flood, not a watch


@dataclass
class NewStory:
    story: Story
    body: np.ndarray  # unit mean of its articles' vectors
    head: np.ndarray  # its headline's vector

    @property
    def key(self) -> str:
        return self.story.articles[0].article_id

    @property
    def article_ids(self) -> list[str]:
        return [a.article_id for a in self.story.articles]


def new_articles(store: Store, since: int, until: int, today: date | None = None) -> set[str]:
    """Article ids added or changed by revisions since+1 … until (see the module doc)."""
    changed = store.write_log().changes(since, until)
    if changed is not None:
        return changed
    today = today or date.today()
    recent = Window(min_day=(today - timedelta(days=FALLBACK_DAYS) - date(1970, 1, 1)).days)
    return {a.article_id for a in window_articles(store, recent)}


def matching_articles(store: Store, query: str, candidates: set[str], threshold: float) -> list[str]:
    """The candidates the query's hybrid retrieval finds, whose cosine reaches `threshold`."""
    return [a for a, score in article_scores(store, query, candidates) if score >= threshold]


def article_scores(store: Store, query: str, candidates: set[str]) -> list[tuple[str, float]]:
    """(article id, its best chunk's cosine) of the hybrid retrieval's top `MAX_MATCHES`
    among the candidates."""
    if not candidates:
        return []
    return [(h.article_id, h.score) for h in retrieve_articles(store, query, MAX_MATCHES, sources=candidates)]


def stories_of(store: Store, article_ids: list[str]) -> list[NewStory]:
    """The stories the articles make (dated, non-roundup articles only), lead article first."""
    if not article_ids:
        return []
    articles = window_articles(store, Window(), set(article_ids))
    add_vectors(store, articles)
    return stories_from(articles)


def stories_from(articles: list[Article]) -> list[NewStory]:
    """Group articles that carry their vectors (`add_vectors`) into stories."""
    articles = [a for a in articles if a.vector is not None and not a.roundup]
    stories = [Story(central_first(group)) for group in cluster(articles)]
    if not stories:
        return []
    heads = encode([headline(s) or s.articles[0].article_id for s in stories])
    out = []
    for story, head in zip(stories, heads):
        mean = np.mean([a.vector for a in story.articles], axis=0)
        out.append(NewStory(story, mean / max(float(np.linalg.norm(mean)), 1e-12), np.asarray(head)))
    return out


def already_posted(story: NewStory, posts: list[Post]) -> Post | None:
    """The earlier post of this story (any state: a begun post is never begun again)."""
    ids = set(story.article_ids)
    for post in posts:
        if ids & set(post.articles):
            return post
        if post.body and post.head:
            same = 0.5 * float(story.body @ np.asarray(post.body)) + 0.5 * float(story.head @ np.asarray(post.head))
            if same >= SAME_STORY:
                return post
    return None

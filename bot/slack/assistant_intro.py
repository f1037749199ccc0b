"""What the assistant pane says when it opens: one line on what the index holds, and 2–4
suggested questions made from the index itself.

The suggestions are "What's new today?" (when the newest article is from the last two
days) and questions about the freshest distinct headlines (undated articles after dated
ones) — never a roundup's ("5 things to know…": its chunks are about unrelated stories,
`index/cohesion.py`), never two on the same story (headlines sharing most of their words).
A small index, with fewer headlines than that, gets general questions to fill up to two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from bot.support import ROUNDUP_COHESION
from index.cohesion import cohesion

MAX_PROMPTS = 4  # Slack shows up to four suggested prompts
MIN_PROMPTS = 2  # a pane with one suggestion looks broken
# Questions any index answers: no date phrase, so an index whose news stopped weeks ago
# answers them from its newest articles ("latest" ranks by freshness, bot/time_window.py).
GENERAL = ["What's the latest news?", "What are the newest articles about?"]
CANDIDATES = 12  # freshest articles looked at for headline questions


@dataclass
class Article:
    article_id: str
    title: str
    published: str | None


def articles(store) -> list[Article]:
    """Every article once (title, date), from the chunk metadata."""
    seen: dict[str, Article] = {}
    for _, meta, _ in store.iter_metadata():
        aid = str(meta.get("article_id"))
        if aid not in seen:
            seen[aid] = Article(aid, " ".join(str(meta.get("title") or "").split()), meta.get("published") or None)
    return list(seen.values())


def _day(published: str | None) -> date | None:
    try:
        return date.fromisoformat(str(published)[:10]) if published else None
    except ValueError:
        return None


def _short(d: date, with_year: bool) -> str:
    return f"{d.day} {d:%b}" + (f" {d.year}" if with_year else "")


def greeting(items: list[Article], today: date | None = None) -> str:
    """'I answer from 2,006 news articles, 1 Jan – 28 Nov, …' (years shown when needed)."""
    today = today or date.today()
    days = sorted(d for d in (_day(a.published) for a in items) if d)
    n = len(items)
    span = ""
    if days:
        first, last = days[0], days[-1]
        with_year = first.year != last.year or last.year != today.year
        span = f", {_short(first, with_year)} – {_short(last, with_year)}" if first != last else f", {_short(last, with_year)}"
    return (f":wave: I answer questions from {n:,} news article{'s' if n != 1 else ''}{span}, and every sentence "
            "I write cites the article it comes from. Ask me anything, or try one of these:")


def _words(title: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", title.lower()) if len(w) > 3}


def _same_story(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= 0.5


def _cohesion_of(store, ids: list[str]) -> dict[str, float]:
    got = store.collection.get(where={"article_id": {"$in": ids}}, include=["embeddings", "metadatas"])
    vectors: dict[str, list] = {}
    for vector, meta in zip(got["embeddings"], got["metadatas"]):
        vectors.setdefault(str((meta or {}).get("article_id")), []).append(vector)
    return {aid: cohesion(np.asarray(v, dtype=np.float32)) for aid, v in vectors.items()}


def headline_question(title: str) -> str:
    """The suggested question about one headline: open, so the answer summarises the story."""
    return f"What do the articles say about “{title}”?"


def suggested_prompts(store, items: list[Article], today: date | None = None) -> list[dict[str, str]]:
    """Up to four {title, message} prompts (Slack's `assistant.threads.setSuggestedPrompts`)."""
    today = today or date.today()
    prompts: list[dict[str, str]] = []
    dated = sorted((a for a in items if _day(a.published) and a.title), key=lambda a: (_day(a.published), a.title),
                   reverse=True)
    undated = sorted((a for a in items if not _day(a.published) and a.title), key=lambda a: a.title)
    if dated and _day(dated[0].published) >= today - timedelta(days=1):
        prompts.append({"title": "What's new today?", "message": "What's new today?"})
    fresh = (dated + undated)[:CANDIDATES]
    scores = _cohesion_of(store, [a.article_id for a in fresh]) if fresh else {}
    chosen: list[str] = []
    for article in fresh:
        if len(prompts) == MAX_PROMPTS:
            break
        if scores.get(article.article_id, 1.0) < ROUNDUP_COHESION or any(_same_story(article.title, t) for t in chosen):
            continue
        chosen.append(article.title)
        title = article.title if len(article.title) <= 60 else article.title[:57].rsplit(" ", 1)[0] + "…"
        prompts.append({"title": title, "message": headline_question(article.title)})
    for question in GENERAL:
        if len(prompts) >= MIN_PROMPTS:
            break
        prompts.append({"title": question, "message": question})
    return prompts

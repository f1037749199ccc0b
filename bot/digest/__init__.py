"""`build_digest()`: the stories of a date window, each with a headline, one or two
checked sentences citing the story's articles, and every article of the story.

stories (bot/digest/stories.py) → optional topic filter (the retrieval `ask` uses) →
the best `n` → summaries (bot/digest/summary.py). Scopes (bot/scope.py) limit the
articles before anything is grouped, so a digest never cites outside them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.digest.stories import Story, find_stories
from bot.digest.summary import summarize
from bot.time_window import window_for
from index.retrieval import retrieve_articles
from index.schema import day_number
from index.store import Store

# How many articles the topic's retrieval may name: stories holding one of them are "about" it.
TOPIC_ARTICLES = 30


@dataclass
class Digest:
    window: dict
    stories: list[dict] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The `--json` shape: {"window": {...}, "stories": [...]}."""
        return {"window": self.window, "stories": self.stories}


# Each model's latest seconds per story and when it was measured: the next digest plans
# with it, so a machine too slow for the budget pays for one story, not one per digest.
# An hour later the model is tried again (the machine may be less busy).
_PACE: dict[str, tuple[float, float]] = {}
PACE_MEMORY_SECONDS = 3600.0


class WritingPace:
    """The LLM writes the stories, best first, while the next one still fits the digest's
    time budget (`NEWSBOT_DIGEST_SECONDS`); the rest are written extractively, every
    sentence checked either way. On 2 cores the 1.5B model takes from several seconds a
    story on an idle machine to minutes on a busy one, so all 15 stories of a weekly digest
    would take minutes. With no recent measurement the first story is the LLM's whenever
    grouping left half the budget; a call cannot be cut short, so that digest keeps the
    budget only if one story's writing fits in it. 0: no budget."""

    def __init__(self, budget: float, model: str):
        self.budget, self.model = budget, model
        seconds, measured = _PACE.get(model, (0.0, -PACE_MEMORY_SECONDS))
        self.slowest = seconds if time.monotonic() - measured < PACE_MEMORY_SECONDS else 0.0

    def fits(self, elapsed: float) -> bool:
        if not self.budget:
            return True
        if not self.slowest:
            return elapsed <= self.budget / 2
        return elapsed + self.slowest <= self.budget

    def took(self, seconds: float) -> None:
        self.slowest = max(self.slowest, seconds)
        _PACE[self.model] = (seconds, time.monotonic())


def digest_window(as_of: date | None, since: date | None, until: date | None,
                  newest: date | None = None) -> tuple[date, date, date]:
    """(as_of, since, until): by default yesterday and today, as of today; given the day of
    the newest article (`newest`) and no window, the newest two days that have articles,
    so a digest asked of an index that stopped growing shows its last news, not nothing."""
    as_of = as_of or date.today()
    if since is None and until is None and newest is not None and newest < as_of - timedelta(days=1):
        until = newest
    until = min(until or as_of, as_of)
    return as_of, since or (until - timedelta(days=1)), until


def newest_article_day(store: Store, as_of: date | None) -> date | None:
    """The publication day of the newest dated article up to `as_of` (None: nothing dated)."""
    day = store.chunks.newest_day(at_most=day_number(as_of or date.today()))
    return None if day is None else date(1970, 1, 1) + timedelta(days=day)


def topic_stories(store: Store, stories: list[Story], topic: str, window, allowed, min_relevance: float) -> list[Story]:
    """The stories holding an article the topic's retrieval finds relevant, in the order
    of their best such article."""
    hits = retrieve_articles(store, topic, TOPIC_ARTICLES, window=window, sources=allowed)
    order = {h.article_id: i for i, h in enumerate(h for h in hits if h.score >= min_relevance)}
    keep = [(min(order[a.article_id] for a in s.articles if a.article_id in order), s)
            for s in stories if any(a.article_id in order for a in s.articles)]
    return [s for _, s in sorted(keep, key=lambda pair: pair[0])]


def build_digest(
    store: Store,
    settings,
    llm=None,
    as_of: date | None = None,
    since: date | None = None,
    until: date | None = None,
    topic: str | None = None,
    stories: int = 10,
    allowed: set[str] | None = None,
    sources: list[str] | None = None,
    newest_when_no_window: bool = False,
) -> Digest:
    """The digest of articles published from `since` to `until` (inclusive; nothing after
    `as_of`). `allowed`: the article ids a scope permits (None: all); `sources` are only
    reported in the window. `newest_when_no_window`: asked without a window (the CLI, the
    `/digest` command), cover the newest days that have articles; a scheduled digest keeps
    to yesterday and today, and when that window is empty it says where the news ends."""
    started = time.perf_counter()
    newest = store.read(lambda: newest_article_day(store, as_of))
    as_of, since, until = digest_window(as_of, since, until, newest if newest_when_no_window else None)
    window = window_for("", as_of=as_of, since=since, until=until)
    found = store.read(lambda: find_stories(store, window, allowed))
    if topic:
        found = store.read(lambda: topic_stories(store, found, topic, window, allowed, settings.min_relevance))
    grouped = time.perf_counter()
    pace = WritingPace(settings.digest_seconds, llm.describe() if llm is not None else "none")
    digest = Digest(window={"since": since.isoformat(), "until": until.isoformat(), "as_of": as_of.isoformat(),
                            "topic": topic or None, "sources": list(sources or []),
                            "newest_article": newest and newest.isoformat()})
    written_by_llm = 0
    for story in found[:stories]:
        use_llm = llm is not None and pace.fits(time.perf_counter() - started)
        before = time.perf_counter()
        summary = summarize(store, story, llm if use_llm else None)
        if use_llm:
            pace.took(time.perf_counter() - before)
            written_by_llm += summary.writer == "llm"
        if summary.error and summary.error not in digest.errors:
            digest.errors.append(summary.error)
        if not summary.citations:
            continue  # nothing checked to say: a story is never shown without a citation
        digest.stories.append({
            "headline": summary.headline,
            "summary": summary.text,
            "published": max((a.published for a in story.articles if a.published), default=None),
            "citations": summary.citations,
            "articles": [a.as_dict() for a in story.articles],
        })
    done = time.perf_counter()
    digest.timings = {"group_ms": round((grouped - started) * 1000, 1), "write_ms": round((done - grouped) * 1000, 1),
                      "total_ms": round((done - started) * 1000, 1), "llm_stories": written_by_llm}
    return digest

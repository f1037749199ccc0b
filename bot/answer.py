"""`AnswerEngine`: the one answer path the CLI, the Slack app and the evaluation share.

retrieve → (nothing relevant: refuse) → prompt the LLM with numbered sources → check the
citations → (nothing supported: refuse, offering what was read; the LLM failed: extractive
answer). Backend `none` answers extractively.
`stream()` gives the same answer sentence by sentence as it is checked (bot/streaming.py).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property
from typing import Iterator, TypedDict, Unpack

from bot.llm import get_llm
from bot.llm.base import OnToken
from bot.sentences import markers_in
from bot.streaming import Event, stream_answer
from index.cohesion import add_cohesion
from index.redact import redact_url
from index.retrieval import Hit, retrieve
from index.settings import Settings, get_settings
from index.store import open_store

log = logging.getLogger(__name__)


@dataclass
class Citation:
    n: int
    article_id: str
    title: str
    published: str | None
    url: str | None
    source_path: str
    chunk_id: str
    quote: str
    verified: bool = True
    also_at: list[str] = field(default_factory=list)  # the same article elsewhere (duplicates)


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    citations: list[Citation]
    backend: str
    timings: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    removed_markers: int = 0  # the model's markers that pointed to no listed source
    # refused although relevant articles were read: the nearest ones, offered as related
    # reading, never as sources of an answer (no quote, not verified)
    related: list[Citation] = field(default_factory=list)
    note: str | None = None  # how the question's words were read ('"in January" read as January 2026')

    @property
    def invalid_markers(self) -> int:
        """Markers in the final answer that point to no citation (0 by construction)."""
        listed = {c.n for c in self.citations}
        return sum(1 for n in markers_in(self.answer) if n not in listed)

    def to_dict(self) -> dict:
        return asdict(self)


class AskOptions(TypedDict, total=False):
    """What a question may come with besides its text, declared once for `answer()` and
    `stream()`; the defaults are `stream_answer`'s (all sources up to NEWSBOT_TOP_K, asked
    today, the date window the question names)."""

    k: int | None  # how many sources to read
    on_token: OnToken | None  # called with each piece the LLM writes
    as_of: date | None  # the day the question is asked on
    since: date | None
    until: date | None


class AnswerEngine:
    """Holds the store and the LLM for a process; `answer()` is thread-safe."""

    def __init__(self, settings: Settings | None = None, backend: str | None = None):
        self.settings = settings or get_settings()
        self.backend = backend or self.settings.llm

    @cached_property
    def store(self):
        return open_store(self.settings)

    @cached_property
    def llm(self):
        return get_llm(self.settings, self.backend)

    def article_count(self) -> int:
        from index.stats import article_count

        return article_count(self.store)

    def answer(self, question: str, **options: Unpack[AskOptions]) -> Answer:
        """The finished answer: `stream()` run to its end, so both give the same text."""
        for event in self.stream(question, **options):
            pass
        return event.answer

    def stream(self, question: str, **options: Unpack[AskOptions]) -> Iterator[Event]:
        """The answer as it is made: `Reading` (the sources), each checked `Sentence`
        once it passed, then `Done` with the final Answer (bot/streaming.py)."""
        return stream_answer(self, question, **options)

    def _retrieve(self, question: str, k: int, window) -> list[Hit]:
        hits = retrieve(self.store, question, k, window=window, method=self.settings.retrieval)
        hits = [h for h in hits if h.score >= self.settings.min_relevance]
        if len(hits) > 1:  # roundups matter only when another article could be cited instead
            add_cohesion(self.store, hits)
        return hits


RELATED = 3  # articles a refusal offers as related reading


def related_articles(hits: list[Hit]) -> list[Citation]:
    """The nearest articles a refusal offers: read, and found not to state the answer."""
    return [_citation(i, hit, "", verified=False) for i, hit in enumerate(hits[:RELATED], 1)]


def _citation(n: int, hit: Hit, quote: str, verified: bool = True) -> Citation:
    return Citation(
        n=n,
        article_id=hit.article_id,
        title=hit.title,
        published=hit.published,
        url=hit.url,
        source_path=redact_url(hit.source_path),  # a feed URL's credentials never reach an answer
        chunk_id=hit.chunk_for(quote),
        quote=quote,
        verified=verified,
        also_at=[redact_url(origin) for origin in hit.also_at or []],
    )

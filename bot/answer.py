"""`answer()`: the one entry point the CLI and the Slack app share.

retrieve → (nothing relevant: refuse) → prompt the LLM with numbered sources → check the
citations → (nothing supported: extractive answer). Backend `none` skips the LLM.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property

from bot.citations import check_citations
from bot.extractive import extractive_answer
from bot.llm import LLMError, get_llm
from bot.llm.base import OnToken
from bot.prompt import REFUSAL, build_messages, is_refusal
from bot.sentences import markers_in
from bot.support import prepare_sources
from bot.time_window import window_for
from index.cohesion import add_cohesion
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

    @property
    def invalid_markers(self) -> int:
        """Markers in the final answer that point to no citation (0 by construction)."""
        listed = {c.n for c in self.citations}
        return sum(1 for n in markers_in(self.answer) if n not in listed)

    def to_dict(self) -> dict:
        return asdict(self)


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

    def answer(
        self,
        question: str,
        k: int | None = None,
        on_token: OnToken | None = None,
        as_of: date | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> Answer:
        started = time.perf_counter()
        question = " ".join(question.split())
        k = k or self.settings.top_k
        window = window_for(question, as_of=as_of, since=since, until=until)
        hits = retrieve(self.store, question, k, window=window, method=self.settings.retrieval)
        hits = [h for h in hits if h.score >= self.settings.min_relevance]
        if len(hits) > 1:  # roundups matter only when another article could be cited instead
            add_cohesion(self.store, hits)
        retrieved = time.perf_counter()
        result = self._answer_from(question, hits, on_token)
        done = time.perf_counter()
        result.timings = {
            "retrieve_ms": round((retrieved - started) * 1000, 1),
            "generate_ms": round((done - retrieved) * 1000, 1),
            "total_ms": round((done - started) * 1000, 1),
        }
        return result

    def _answer_from(self, question: str, hits: list[Hit], on_token: OnToken | None) -> Answer:
        backend = self.backend
        if not hits:
            return Answer(question, REFUSAL, True, [], backend)
        sources = prepare_sources(hits)
        error = raw = None
        if backend != "none":
            try:
                raw = self.llm.chat(
                    build_messages(question, hits), self.settings.llm_max_tokens, on_token
                )
            except LLMError as exc:
                log.warning("LLM backend %s failed: %s", backend, exc)
                error = str(exc)
            if raw is not None:
                checked = check_citations(raw, sources)
                if checked.used:
                    citations = [
                        _citation(i, sources[n - 1].hit, checked.quotes[n], checked.verified[n])
                        for i, n in enumerate(checked.used, 1)
                    ]
                    return Answer(
                        question, checked.text, False, citations, backend,
                        removed_markers=checked.invalid_markers,
                    )
                if is_refusal(raw):
                    return Answer(question, REFUSAL, True, [], backend)
                log.info("no supported sentence in the LLM answer; answering extractively")
        text, used, quotes = extractive_answer(question, sources)
        if not used:
            return Answer(question, REFUSAL, True, [], backend, error=error)
        citations = [_citation(i, sources[n - 1].hit, quotes[n]) for i, n in enumerate(used, 1)]
        return Answer(question, text, False, citations, backend, error=error)


def _citation(n: int, hit: Hit, quote: str, verified: bool = True) -> Citation:
    return Citation(
        n=n,
        article_id=hit.article_id,
        title=hit.title,
        published=hit.published,
        url=hit.url,
        source_path=hit.source_path,
        chunk_id=hit.chunk_for(quote),
        quote=quote,
        verified=verified,
        also_at=list(hit.also_at or []),
    )


_default_engine: AnswerEngine | None = None


def answer(question: str, **options) -> Answer:
    """Answer with the process-wide settings (a shared engine, built on first use);
    `options` are those of `AnswerEngine.answer`."""
    global _default_engine
    if _default_engine is None:
        _default_engine = AnswerEngine()
    return _default_engine.answer(question, **options)

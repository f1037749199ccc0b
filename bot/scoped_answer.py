"""Answers inside a scope: the answer engine, with retrieval kept to the scope's articles.

The question may name its outlet ("… according to Reuters"): the phrase narrows the scope
and leaves the question, as long as some indexed article comes from that outlet.
"""

from __future__ import annotations

from typing import Iterator, Unpack

from bot.answer import Answer, AnswerEngine, AskOptions
from bot.scope import Scope, outlet_in_question
from bot.streaming import Event, stream_answer
from index.cohesion import add_cohesion
from index.retrieval import Hit, retrieve


class ScopedEngine:
    """An `AnswerEngine` (shared, not copied) whose retrieval admits only `scope`."""

    def __init__(self, engine, scope: Scope):
        self._engine = engine
        self.scope = scope

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def _retrieve(self, question: str, k: int, window) -> list[Hit]:
        allowed = self.scope.allowed(self.store)
        hits = retrieve(self.store, question, k, window=window, method=self.settings.retrieval, sources=allowed)
        hits = [h for h in hits if h.score >= self.settings.min_relevance]
        if len(hits) > 1:
            add_cohesion(self.store, hits)
        return hits

    def stream(self, question: str, **options: Unpack[AskOptions]) -> Iterator[Event]:
        asked, outlet = self.store.read(lambda: outlet_in_question(question, self.store))
        engine = ScopedEngine(self._engine, self.scope.narrowed([outlet])) if outlet else self
        return stream_answer(engine, asked, **options)

    def answer(self, question: str, **options: Unpack[AskOptions]) -> Answer:
        """The stream run to its end, as `AnswerEngine.answer` (through this class's stream)."""
        return AnswerEngine.answer(self, question, **options)

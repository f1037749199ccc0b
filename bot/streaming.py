"""The answer as it is made: the sources being read, then each checked sentence as soon as
it is complete and has passed the citation check, then the final `Answer`.

`AnswerEngine.answer()` is this stream run to its end, so a streamed answer and a finished
one are the same text by construction. A sentence is released only when it is complete —
the next sentence has started, or the generation ended — and only after
`bot.citations.CitationChecker` (the one checker) accepted it: an unsupported sentence is
never released. If no sentence passes, a refusal follows (the extractive answer only when
the LLM failed), as without streaming.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Iterator, Union

from bot.citations import CitationChecker, reply_sentences
from bot.excerpts import excerpts
from bot.extractive import extractive_answer
from bot.llm import LLMError
from bot.llm.base import OnToken
from bot.prompt import REFUSAL, build_messages
from bot.sentences import split_sentences
from bot.support import prepare_sources
from bot.time_window import month_read_as, window_for
from index.retrieval import Hit

if TYPE_CHECKING:
    from bot.answer import Answer, AnswerEngine

log = logging.getLogger(__name__)


@dataclass
class Reading:
    """Retrieval is done: these articles are being read (empty: nothing relevant)."""

    hits: list[Hit]


@dataclass
class Sentence:
    """A checked sentence as it will stand in the final text (markers renumbered)."""

    text: str


@dataclass
class Done:
    """The final answer; when not refused, its text is the released sentences joined by spaces."""

    answer: "Answer"


Event = Union[Reading, Sentence, Done]


def _inside_quote(sentence: str) -> bool:
    return sentence.count("“") > sentence.count("”") or sentence.count('"') % 2 == 1


class SentenceSplitter:
    """The complete sentences of a reply that is still growing.

    A sentence is complete once the next sentence has started with a word, unless it
    ends inside an open quotation: the quote may close later and glue it to the next one
    (`bot.sentences` keeps a quoted passage in one sentence), and a citation marker after
    its full stop (even after a blank line) is moved into it. So the released sentences
    are always the first sentences of the finished reply's split."""

    def __init__(self) -> None:
        self.text = ""
        self.released: list[str] = []

    def feed(self, piece: str) -> list[str]:
        self.text += piece
        sentences = reply_sentences(self.text)
        new: list[str] = []
        for i in range(len(self.released), len(sentences) - 1):  # the last one may still grow
            # a quote that may close later, or markers that may still follow its stop
            if _inside_quote(sentences[i]) or sentences[i + 1].startswith("["):
                break
            new.append(sentences[i])
        self.released += new
        return new

    def finish(self, reply: str) -> list[str]:
        """The sentences of the whole `reply` not released yet."""
        sentences = reply_sentences(reply)
        if sentences[: len(self.released)] != self.released:  # a bug, never seen in the tests
            log.error("streamed sentences are not the start of the reply's sentences")
        rest = sentences[len(self.released):]
        self.released += rest
        return rest


@dataclass
class _End:
    reply: str | None
    error: BaseException | None


def _generate(llm, messages, max_tokens: int, on_token: OnToken | None) -> Iterator[str | _End]:
    """The LLM's pieces as they come (it runs in a thread of its own), then `_End`."""
    pieces: queue.SimpleQueue = queue.SimpleQueue()

    def token(piece: str) -> None:
        pieces.put(piece)
        if on_token:
            on_token(piece)

    def run() -> None:
        try:
            pieces.put(_End(llm.chat(messages, max_tokens, token), None))
        except BaseException as exc:  # handed to the reading side
            pieces.put(_End(None, exc))

    threading.Thread(target=run, name="newsbot-generate", daemon=True).start()
    while True:
        item = pieces.get()
        yield item
        if isinstance(item, _End):
            return


def stream_answer(
    engine: "AnswerEngine",
    question: str,
    k: int | None = None,
    on_token: OnToken | None = None,
    as_of: date | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Iterator[Event]:
    """Reading, then Sentence events, then Done (see the module docstring).

    The consumer may pause after Reading (Slack shows the sources while the question
    waits for the model): the timings leave that wait out, and if the store was written
    meanwhile (a takedown, say) retrieval runs again and a new Reading follows, so an
    answer never reads an article removed before its generation began."""
    started = time.perf_counter()
    question = " ".join(question.split())
    k = k or engine.settings.top_k
    window = window_for(question, as_of=as_of, since=since, until=until)

    def retrieve() -> tuple[int, list[Hit]]:
        revision = engine.store.revision()
        return revision, engine.store.read(lambda: engine._retrieve(question, k, window))

    revision, hits = retrieve()
    retrieved = time.perf_counter()
    yield Reading(hits)
    resumed = time.perf_counter()
    if engine.store.revision() != revision:
        log.info("the store changed while the question waited: retrieving again")
        revision, hits = retrieve()
        yield Reading(hits)
    waited = resumed - retrieved
    first: list[float] = []
    result = None
    for event in _checked(engine, question, hits, on_token):
        if isinstance(event, Sentence):
            first = first or [time.perf_counter()]
            yield event
        else:
            result = event
    done = time.perf_counter()
    result.note = month_read_as(question, as_of or date.today()) if since is None and until is None else None
    result.timings = {
        "retrieve_ms": round((retrieved - started) * 1000, 1),
        "generate_ms": round((done - resumed) * 1000, 1),
        "total_ms": round((done - started - waited) * 1000, 1),
    }
    if first:
        result.timings["first_sentence_ms"] = round((first[0] - started - waited) * 1000, 1)
    yield Done(result)


def _checked(engine: "AnswerEngine", question: str, hits: list[Hit], on_token: OnToken | None):
    """Sentence events, then the Answer itself (not wrapped)."""
    from bot.answer import Answer, _citation, related_articles

    backend = engine.backend
    if not hits:
        yield Answer(question, REFUSAL, True, [], backend)
        return
    sources = prepare_sources(hits)
    error = None
    if backend != "none":
        checker = CitationChecker(sources)
        splitter = SentenceSplitter()
        reply: str | None = None
        try:
            llm = engine.llm
            messages = build_messages(question, hits, excerpts(question, sources, engine.settings.prompt_sentences))
            for item in _generate(llm, messages, engine.settings.llm_max_tokens, on_token):
                if isinstance(item, _End):
                    if item.error is not None:
                        raise item.error
                    reply = item.reply
                    break
                for sentence in splitter.feed(item):
                    shown = checker.add(sentence)
                    if shown:
                        yield Sentence(shown)
        except LLMError as exc:
            log.warning("LLM backend %s failed: %s", backend, exc)
            error = str(exc)
            if checker.used:  # the sentences already shown stand (an unfinished last one is not checked)
                reply = splitter.text
        if reply is not None:
            for sentence in splitter.finish(reply) if error is None else []:
                shown = checker.add(sentence)
                if shown:
                    yield Sentence(shown)
            checked = checker.result()
            if checked.used:
                citations = [
                    _citation(i, sources[n - 1].hit, checked.quotes[n], checked.verified[n])
                    for i, n in enumerate(checked.used, 1)
                ]
                yield Answer(
                    question, checked.text, False, citations, backend,
                    removed_markers=checked.invalid_markers,
                )
                return
            # The model read the sources and wrote nothing they state (or said they do not
            # answer): refuse, rather than put forward the source sentences nearest the
            # question, which then rarely answer it (docs/quality.md, "Old news and missing news").
            if error is None:
                log.info("no supported sentence in the LLM answer: refusing")
                yield Answer(question, REFUSAL, True, [], backend, related=related_articles(hits))
                return
    text, used, quotes = extractive_answer(question, sources)
    if not used:
        yield Answer(question, REFUSAL, True, [], backend, error=error, related=related_articles(hits))
        return
    for piece in _pieces(text):
        yield Sentence(piece)
    citations = [_citation(i, sources[n - 1].hit, quotes[n]) for i, n in enumerate(used, 1)]
    yield Answer(question, text, False, citations, backend, error=error)


def _pieces(text: str) -> list[str]:
    """The extractive answer's sentences, streamed one by one when they join back into
    exactly `text`; otherwise the whole text as one piece."""
    pieces = split_sentences(text)
    return pieces if " ".join(pieces) == text else [text]

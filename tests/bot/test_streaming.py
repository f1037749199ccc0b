"""The streamed answer: sentences are released only when complete and checked, never an
unsupported one, and the final text is the one the whole-reply check gives — with a
scripted reply (to plant sentences), with backend none and with the real SmolLM2."""

from __future__ import annotations

import random
import threading
import time

import pytest

from bot.answer import AnswerEngine
from bot.citations import check_citations, reply_sentences
from bot.excerpts import excerpts
from bot.llm.base import LLM, LLMError
from bot.prompt import build_messages
from bot.streaming import Done, Reading, Sentence, SentenceSplitter
from bot.support import prepare_sources
from tests.conftest import make_settings, run_newsbot

QUESTION = "How much money in waivers have Mexican programs received?"
SUPPORTED = "Mexican programs have received $5.2 million in waivers [1]."
PLANTED = "The waivers were paid for by selling the Moon to Canada for $99 billion [1]."
SUPPORTED_2 = "Some Mexican programs have an additional $2.5 million in waivers pending [1]."


class ScriptedLLM(LLM):
    """A backend that writes a fixed reply in the given pieces; `after_first` is called
    once the first piece after `pause_after` pieces is due (to see what the reader got
    while the model is still writing)."""

    name = "scripted"

    def __init__(self, pieces: list[str], pause_after: int | None = None, fail_after: int | None = None):
        self.pieces = pieces
        self.pause_after = pause_after
        self.fail_after = fail_after
        self.reader_ready = threading.Event()
        self.saw_reader_before_end = False

    def chat(self, messages, max_tokens, on_token=None) -> str:
        for i, piece in enumerate(self.pieces):
            if i == self.fail_after:
                raise LLMError("scripted backend failed")
            if i == self.pause_after:
                self.saw_reader_before_end = self.reader_ready.wait(20)
            if on_token:
                on_token(piece)
        return "".join(self.pieces)


def _engine(data_dir, llm: LLM | None = None, **fields) -> AnswerEngine:
    engine = AnswerEngine(make_settings(data_dir, **fields), backend="none" if llm is None else "local")
    if llm is not None:
        engine.llm = llm  # the cached_property's slot
    return engine


def _run(engine: AnswerEngine, question: str = QUESTION, on_sentence=None):
    events = []
    for event in engine.stream(question):
        events.append(event)
        if isinstance(event, Sentence) and on_sentence:
            on_sentence(event)
    assert isinstance(events[0], Reading) and isinstance(events[-1], Done)
    assert all(isinstance(e, Sentence) for e in events[1:-1])
    return [e.text for e in events[1:-1]], events[-1].answer, events[0].hits


def _whole_reply_answer(engine: AnswerEngine, question: str, reply: str, hits) -> str:
    """What the answer was before streaming: the whole reply checked at once."""
    sources = prepare_sources(hits)
    checked = check_citations(reply, sources)
    return checked.text if checked.used else "The indexed articles do not cover this."


# --- the splitter ------------------------------------------------------------------


FRAGMENTS = [
    "The council approved $3.4 million.", " Work starts in March.", " [1]", "[2]", " U.S. officials",
    " said so.", ' "We came. We saw," he said.', " “It is done. Finally”", " Mr. Smith agreed!",
    "\n\n", "\n- ", "Answer: ", " Is it? Yes.", " J. Smith left.", ' He said "no.', " 5,000 homes flooded.",
    " (The end.)", " Then", " more", " words", ".", " ", "\n",
]


def test_released_sentences_are_always_the_start_of_the_final_split():
    rng = random.Random(13)
    for _ in range(600):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 12)))
        cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, rng.randint(0, 8)))) if len(text) > 1 else []
        splitter = SentenceSplitter()
        final = reply_sentences(text)
        last = 0
        for cut in cuts + [len(text)]:
            splitter.feed(text[last:cut])
            last = cut
            assert splitter.released == final[: len(splitter.released)], repr(text)
        rest = splitter.finish(text)
        assert splitter.released == final and rest == final[len(final) - len(rest):], repr(text)


def test_a_sentence_waits_until_the_next_one_starts():
    splitter = SentenceSplitter()
    assert splitter.feed("The council approved $3.4 million.") == []
    assert splitter.feed(" [1]") == []  # a marker after the stop still belongs to it
    assert splitter.feed(" Work") == ["The council approved $3.4 million [1]."]
    assert splitter.finish("The council approved $3.4 million. [1] Work starts.") == ["Work starts."]


def test_an_open_quotation_holds_the_sentence_back():
    splitter = SentenceSplitter()
    assert splitter.feed('"We came. We saw') == []
    assert splitter.feed(',"') == []
    assert splitter.finish('"We came. We saw," he said.') == ['"We came. We saw," he said.']


# --- the engine, scripted replies ----------------------------------------------------


def test_planted_unsupported_sentence_is_never_streamed(seeded_dir):
    reply = f"{SUPPORTED} {PLANTED} {SUPPORTED_2}"
    pieces = [reply[i : i + 7] for i in range(0, len(reply), 7)]
    engine = _engine(seeded_dir, ScriptedLLM(pieces))
    sentences, result, hits = _run(engine)
    assert sentences and not any("Moon" in s or "99" in s for s in sentences)
    assert "Moon" not in result.answer
    assert result.answer == " ".join(sentences) == _whole_reply_answer(engine, QUESTION, reply, hits)
    assert [c.n for c in result.citations] == [1]


def test_a_checked_sentence_is_released_while_the_model_still_writes(seeded_dir):
    pieces = [SUPPORTED, " Some", " Mexican programs have", SUPPORTED_2[len("Some Mexican programs have"):]]
    llm = ScriptedLLM(pieces, pause_after=2)
    sentences, result, _ = _run(_engine(seeded_dir, llm), on_sentence=lambda e: llm.reader_ready.set())
    assert llm.saw_reader_before_end, "the first sentence should reach the reader before the reply ends"
    assert sentences[0] == SUPPORTED and result.answer == " ".join(sentences)


def test_wrong_number_and_out_of_range_marker_are_repaired_as_before(seeded_dir):
    reply = f"Answer: Mexican programs received $9.9 million in waivers [1]. {SUPPORTED_2[:-5]} [4]."
    engine = _engine(seeded_dir, ScriptedLLM([reply[:30], reply[30:61], reply[61:]]))
    sentences, result, hits = _run(engine)
    assert not any("9.9" in s for s in sentences)
    assert result.answer == " ".join(sentences) == _whole_reply_answer(engine, QUESTION, reply, hits)
    assert result.removed_markers == 1


def test_nothing_supported_is_a_refusal_with_related_reading(seeded_dir):
    """The model read the sources and wrote nothing they state: a refusal, not the source
    sentences nearest the question (those rarely answer it); the sources read are offered."""
    reply = "The Moon is made of green cheese [1]. Penguins run the State Department [2]."
    sentences, result, hits = _run(_engine(seeded_dir, ScriptedLLM([reply])))
    assert sentences == [] and result.refused and result.citations == []
    assert [c.article_id for c in result.related] == [h.article_id for h in hits][:3]


def test_a_refusal_streams_nothing_and_refuses(seeded_dir):
    sentences, result, _ = _run(_engine(seeded_dir, ScriptedLLM(["The sources do not ", "mention this."])))
    assert sentences == [] and result.refused


def test_a_failure_after_a_checked_sentence_keeps_what_was_shown(seeded_dir):
    llm = ScriptedLLM([SUPPORTED, " Some Mexican", SUPPORTED_2[len("Some Mexican"):]], fail_after=2)
    sentences, result, _ = _run(_engine(seeded_dir, llm))
    assert sentences == [SUPPORTED] and result.answer == SUPPORTED


def test_a_failure_before_anything_passed_gives_the_extractive_answer_and_the_error(seeded_dir):
    llm = ScriptedLLM(["The Moon is", " made of cheese."], fail_after=1)
    sentences, result, _ = _run(_engine(seeded_dir, llm))
    assert result.error == "scripted backend failed"
    assert result.answer == " ".join(sentences) == _engine(seeded_dir).answer(QUESTION).answer


def test_backend_none_streams_the_same_text_as_ask(seeded_dir):
    sentences, result, hits = _run(_engine(seeded_dir))
    assert hits and hits[0].title.startswith("Rubio Uses Waivers")
    assert result.answer == " ".join(sentences)
    shown = run_newsbot(["ask", "--backend", "none", QUESTION], seeded_dir).stdout
    streamed = run_newsbot(["ask", "--stream", "--backend", "none", QUESTION], seeded_dir)
    assert streamed.stdout == shown and shown.startswith(result.answer + "\n")
    assert streamed.stderr.splitlines()[:1 + len(sentences)] == [
        f"reading: {hits[0].title} — {hits[0].published}", *sentences]


def test_a_pause_after_the_sources_is_left_out_of_the_timings(seeded_dir):
    """Slack reads the sources on arrival and waits for the model: the answer's timings
    (question log, metrics) measure the work, not the wait."""
    pause = 2.0
    started = time.perf_counter()
    events = _engine(seeded_dir).stream(QUESTION)
    assert isinstance(next(events), Reading)
    time.sleep(pause)
    done = list(events)[-1]
    wall_ms = (time.perf_counter() - started) * 1000
    timings = done.answer.timings
    assert timings["total_ms"] <= wall_ms - pause * 1000 + 5, (timings, wall_ms)
    assert timings["generate_ms"] < timings["total_ms"]


# --- the real SmolLM2 -----------------------------------------------------------------


@pytest.mark.llm
def test_smollm2_streamed_answer_equals_the_whole_reply_check(seeded_dir, test_model):
    question = "What is Rubio using waivers for?"  # SmolLM2 writes a sentence the checker passes
    engine = AnswerEngine(make_settings(seeded_dir, llm="local", llm_model="smollm2-135m", llm_max_tokens=48))
    sentences, result, hits = _run(engine, question)
    shown = excerpts(question, prepare_sources(hits), engine.settings.prompt_sentences)
    reply = engine.llm.chat(build_messages(question, hits, shown), 48)  # not streamed, as `answer()` used to ask
    assert result.answer == " ".join(sentences) == _whole_reply_answer(engine, question, reply, hits)

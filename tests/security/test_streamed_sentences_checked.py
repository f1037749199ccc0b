"""Threat: a model writes a sentence no source supports (an invented figure, an injected
claim); a streamed answer must not show it, not even for a moment. Each sentence the
engine's stream releases has passed the citation check, and the final answer is exactly
the released sentences."""

from __future__ import annotations

from bot.answer import AnswerEngine
from bot.citations import check_citations
from bot.llm.base import LLM
from bot.support import prepare_sources
from tests.conftest import make_settings

QUESTION = "How much money in waivers have Mexican programs received?"
REPLY = ("Mexican programs have received $5.2 million in waivers [1]. "
         "The waivers were paid for by selling the Moon to Canada for $99 billion [1]. "
         "Some Mexican programs have an additional $2.5 million in waivers pending [1].")


class Planted(LLM):
    """Writes REPLY five characters at a time."""

    name = "planted"

    def chat(self, messages, max_tokens, on_token=None) -> str:
        for i in range(0, len(REPLY), 5):
            if on_token:
                on_token(REPLY[i : i + 5])
        return REPLY


def test_a_planted_unsupported_sentence_is_never_released(seeded_dir):
    engine = AnswerEngine(make_settings(seeded_dir), backend="local")
    engine.llm = Planted()
    events = list(engine.stream(QUESTION))
    released = [e.text for e in events if type(e).__name__ == "Sentence"]
    hits = [e for e in events if type(e).__name__ == "Reading"][0].hits
    checked = check_citations(REPLY, prepare_sources(hits))
    assert len(released) == 2, "the two supported sentences should be released"
    assert not any("Moon" in s or "99" in s for s in released)
    assert any("Moon" in d for d in checked.dropped)
    assert events[-1].answer.answer == " ".join(released) == checked.text

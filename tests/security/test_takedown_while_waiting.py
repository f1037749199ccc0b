"""Threat: Slack shows a question's sources on arrival, and the question then waits for
the model; meanwhile an admin forgets (takes down) one of those articles. The answer
must not read or cite it: when the store changed after retrieval, the engine's stream
retrieves again before the model reads anything (bot/streaming.py)."""

from __future__ import annotations

import shutil

from bot.answer import AnswerEngine
from bot.streaming import Done, Reading
from ingest.forget import forget
from tests.conftest import make_settings

QUESTION = "How much money in waivers have Mexican programs received?"


def test_an_article_forgotten_while_the_question_waits_is_not_read(seeded_dir, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(seeded_dir, data_dir)
    settings = make_settings(data_dir)
    events = AnswerEngine(settings, backend="none").stream(QUESTION)
    shown = next(events)  # what Slack shows while the question waits for a pool slot
    assert isinstance(shown, Reading) and shown.hits
    gone = shown.hits[0].article_id
    forget(settings, gone, reason="takedown request")
    rest = list(events)
    readings = [e for e in rest if isinstance(e, Reading)]
    assert readings, "the sources should be found again after the store changed"
    assert all(h.article_id != gone for h in readings[-1].hits)
    assert isinstance(rest[-1], Done)
    answer = rest[-1].answer
    assert all(c.article_id != gone for c in answer.citations), answer.answer
    assert "5.2 million" not in answer.answer

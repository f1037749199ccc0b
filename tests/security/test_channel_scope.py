"""A channel's scope cannot be escaped from the question: naming another outlet ("…
according to Reuters") in a BBC-only channel narrows the scope, it never widens it, so
the answer cites BBC articles or nothing (real store, real embeddings)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import make_settings
from tests.digest_corpus import AS_OF, write_corpus


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    from ingest.run import ingest_sources

    base = tmp_path_factory.mktemp("channel-scope")
    settings = make_settings(base / "data", llm="none", channel_scopes={"CBBC": {"sources": ["BBC"]}})
    ingest_sources(settings, [write_corpus(base / "src")])
    return settings


@pytest.mark.parametrize("question", [
    "What happened at the Rotterdam port according to Reuters?",
    "What happened at the Rotterdam port according to reuters.com?",
    "What happened at the Rotterdam port in AP News?",
    "What happened at the Rotterdam port?",
])
def test_a_question_cannot_leave_the_channel_scope(settings, question):
    from bot.answer import AnswerEngine
    from bot.scope import channel_scope
    from bot.scoped_answer import ScopedEngine

    engine = ScopedEngine(AnswerEngine(settings, backend="none"), channel_scope(settings, "CBBC"))
    result = engine.answer(question, as_of=date.fromisoformat(AS_OF))
    assert all(c.url.startswith("https://www.bbc.co.uk/") for c in result.citations), [c.url for c in result.citations]


def test_a_scoped_channel_digest_cites_only_its_outlets(settings):
    from bot.digest.run import run_digest
    from bot.scope import channel_scope

    result = run_digest(settings, as_of=date.fromisoformat(AS_OF), since=date(2025, 3, 7),
                        scope=channel_scope(settings, "CBBC"), sources=["reuters.com"]).to_dict()
    assert result["stories"] == []  # BBC ∩ Reuters: nothing, rather than Reuters
    result = run_digest(settings, as_of=date.fromisoformat(AS_OF), since=date(2025, 3, 7),
                        scope=channel_scope(settings, "CBBC")).to_dict()
    urls = [a["url"] for s in result["stories"] for a in s["articles"]]
    assert urls and all(u.startswith("https://www.bbc.co.uk/") for u in urls)

"""Questions the indexed articles do not cover are refused, with no citations.

Twenty questions of our own over the seed index: unrelated topics, and events after the
article's date (asked as of the article's week, so that "future" means after it)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answer import AnswerEngine
from tests.conftest import MARGIN, make_settings

NOT_COVERED = [
    "Who won the 2018 FIFA World Cup?",
    "What is the boiling point of water at sea level?",
    "Who painted the Mona Lisa?",
    "How tall is Mount Everest?",
    "What is the capital of Australia?",
    "Which team won the 2024 Super Bowl?",
    "What is the recipe for a classic margherita pizza?",
    "How many moons does Jupiter have?",
    "Who wrote Pride and Prejudice?",
    "What was Apple's revenue in its last fiscal quarter?",
    "Who won the Nobel Prize in Literature in 2016?",
    "What is the population of Tokyo?",
    "When did the Berlin Wall fall?",
    "What are the symptoms of the common cold?",
    "How do I reset my iPhone to factory settings?",
    "Which film won Best Picture at the 2020 Oscars?",
    "What is the speed of light in a vacuum?",
    "Who is the lead singer of Coldplay?",
    "How did the stock market react to the Federal Reserve's rate cut in June 2026?",
    "Who won the 2028 Summer Olympics marathon?",
]


@pytest.fixture(scope="module")
def engine(seeded_dir):
    return AnswerEngine(make_settings(seeded_dir, llm="none"))


@pytest.mark.parametrize("question", NOT_COVERED)
def test_question_not_covered_is_refused(engine, question):
    result = engine.answer(question, as_of=date(2025, 1, 31))
    assert result.refused, result.answer
    assert result.citations == []


@pytest.fixture(scope="module")
def lenient(seeded_dir):
    """The engine with its relevance gate MARGIN lower, for the refusal margin below."""
    gate = make_settings(seeded_dir).min_relevance
    return AnswerEngine(make_settings(seeded_dir, llm="none", min_relevance=gate - MARGIN))


@pytest.mark.parametrize("question", NOT_COVERED)
def test_refusals_hold_with_the_gates_moved_by_the_margin(lenient, question, monkeypatch):
    """No refusal is decided within MARGIN of a threshold (relevance, sentence score), so
    no host's rounding can turn it into an answer."""
    from bot import extractive

    monkeypatch.setattr(extractive, "MIN_SENTENCE_SCORE", extractive.MIN_SENTENCE_SCORE - MARGIN)
    assert lenient.answer(question, as_of=date(2025, 1, 31)).refused


def test_covered_question_is_not_refused(engine):
    result = engine.answer("How much money in waivers have Mexican programs received?", as_of=date(2025, 1, 31))
    assert not result.refused and result.citations


def test_a_related_article_that_does_not_answer_is_offered_not_cited(engine, seeded_dir):
    """The seed is about Mexican programs' waivers; asked about Taiwan's, it is on topic
    but names nothing the question names: refused, and offered as related reading."""
    from tests.conftest import run_newsbot

    question = "How much money in waivers have Taiwan's programs received?"
    result = engine.answer(question, as_of=date(2025, 1, 31))
    assert result.refused and result.citations == []
    assert [c.published for c in result.related] == ["2025-01-24"] and not result.related[0].verified
    shown = run_newsbot(["ask", question, "--backend", "none", "--as-of", "2025-01-31"], seeded_dir).stdout
    assert "do not cover this" in shown and "Related articles" in shown
    assert "Sources:" not in shown

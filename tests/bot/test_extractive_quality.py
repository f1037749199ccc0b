"""Extractive answers (`--backend none` and the fallback): a digest that quotes the quiz
question is not an answer, nor is a sentence that restates the question. Fast, no LLM."""

from __future__ import annotations

from bot.extractive import extractive_answer
from bot.support import prepare_sources
from tests.conftest import source_hit

QUESTION = "Which former pope was laid to rest this week?"
DIGEST = (
    "Five things to know for your weekend. Which former pope was laid to rest this week? "
    "Take our news quiz to find out. Markets were closed on Monday."
)
STORY = (
    "Pope Benedict XVI was buried in the grotto beneath St. Peter's Basilica on Thursday. "
    "Tens of thousands of mourners attended the funeral Mass led by Pope Francis."
)


def test_extractive_answer_never_echoes_the_question():
    sources = prepare_sources([source_hit("digest", DIGEST), source_hit("story", STORY)])
    text, used, quotes = extractive_answer(QUESTION, sources)
    assert "Which former pope" not in text and "?" not in text
    assert "Benedict" in text, text
    assert all(QUESTION not in quote for quote in quotes.values())


def test_question_restated_without_a_question_mark_is_not_an_answer():
    restated = ("Voters chose the new prime minister of the United Kingdom this week. "
                "Liz Truss became prime minister after winning the Conservative Party leadership vote.")
    sources = prepare_sources([source_hit("digest", restated)])
    text, _, _ = extractive_answer("Who became the new prime minister of the United Kingdom this week?", sources)
    assert "Truss" in text
    assert "Voters chose" not in text


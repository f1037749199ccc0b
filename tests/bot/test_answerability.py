"""An answer keeps a sentence only when its source states what the sentence claims: the
names it states must be in the source, as its numbers must, and an extractive answer is
taken only from sources about what the question names. Fast, no LLM, no store."""

from __future__ import annotations

from bot.citations import check_citations
from bot.extractive import extractive_answer
from bot.support import prepare_sources
from tests.conftest import source_hit

PSL = ("Starbucks said its autumn drinks return on Thursday. The PSL, first sold in 2003, remains the "
       "chain's best-selling seasonal beverage, and the company expects record sales this year.")
PRIMARIES = ("Vivek Ramaswamy said on Tuesday he would stay in the Republican presidential race. "
             "Ramaswamy, a biotech entrepreneur, is not a candidate for the Senate, his campaign said.")
PLANT = ("The carmaker will build its new battery plant near Leipzig, creating 2,000 jobs. "
         "Construction starts next spring. The company also confirmed the codename ZEBRAQUOKKA for its new plant.")


def test_a_name_the_source_never_states_is_not_supported():
    sources = prepare_sources([source_hit("psl", PSL, title="Starbucks brings back the PSL")])
    made_up = check_citations("PSL stands for Pacific Stout [1].", sources)
    assert made_up.used == [] and made_up.dropped
    stated = check_citations("The PSL was first sold in 2003 [1].", sources)
    assert stated.used == [1]


def test_a_source_about_another_place_does_not_support_an_answer_about_this_one():
    sources = prepare_sources([source_hit("primaries", PRIMARIES, title="Ramaswamy stays in the race")])
    wrong = check_citations(
        "The politician who is not a candidate in Taiwan's upcoming presidential election is Ramaswamy [1].", sources)
    assert wrong.used == []
    right = check_citations("Ramaswamy is not a candidate for the Senate [1].", sources)
    assert right.used == [1]


def test_extractive_answers_come_only_from_sources_about_what_the_question_names():
    sources = prepare_sources([source_hit("primaries", PRIMARIES, title="Ramaswamy stays in the race")])
    text, used, _ = extractive_answer("Which politician is not a candidate in Taiwan's presidential election?", sources)
    assert (text, used) == ("", [])
    text, used, _ = extractive_answer("Which politician said he would stay in the Republican race?", sources)
    assert "Ramaswamy" in text and used == [1]


def test_a_sentence_that_adds_the_asked_for_name_is_the_answer_not_an_echo():
    sources = prepare_sources([source_hit("plant", PLANT, title="Carmaker picks Leipzig for battery plant")])
    text, used, _ = extractive_answer("Which codename did the company confirm for its new plant?", sources)
    assert "ZEBRAQUOKKA" in text and used == [1]

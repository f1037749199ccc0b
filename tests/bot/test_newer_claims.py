"""Sources that disagree on a figure: the newer one wins and the answer says "as of"."""

from __future__ import annotations

from bot.citations import check_citations
from bot.extractive import extractive_answer
from bot.support import prepare_sources
from index.retrieval import Hit
from tests.conftest import source_hit


def _hit(n: int, published: str, text: str) -> Hit:
    return source_hit(f"q{n}", text, title=f"Quake report {n}", published=published,
                      url=f"https://news.example/quake-{n}")


OLDER = _hit(1, "2022-06-22", "The earthquake in Paktika province killed at least 1,000 people, officials said. "
                              "Rescue teams reached remote villages.")
NEWER = _hit(2, "2022-06-24", "The earthquake in Paktika province killed at least 1,150 people, officials said. "
                              "Aid flights landed in Kabul.")
UNRELATED = _hit(3, "2022-06-25", "The central bank raised interest rates by 75 basis points.")


def test_sentence_from_the_older_source_is_replaced_by_the_newer_figure():
    sources = prepare_sources([OLDER, NEWER, UNRELATED])
    checked = check_citations("The earthquake killed at least 1,000 people [1].", sources)
    assert checked.used == [2]
    assert checked.text == (
        "The earthquake in Paktika province killed at least 1,150 people, officials said "
        "(as of June 24, 2022) [1]."
    )
    assert checked.quotes[2].startswith("The earthquake in Paktika province killed at least 1,150")


def test_newest_cited_source_gets_its_date_when_an_older_one_disagrees():
    sources = prepare_sources([OLDER, NEWER])
    checked = check_citations("The earthquake killed at least 1,150 people [2].", sources)
    assert checked.used == [2]
    assert checked.text == "The earthquake killed at least 1,150 people (as of June 24, 2022) [1]."


def test_agreeing_or_unrelated_sources_leave_the_sentence_alone():
    sources = prepare_sources([NEWER, UNRELATED])
    checked = check_citations("The earthquake killed at least 1,150 people [1].", sources)
    assert checked.text == "The earthquake killed at least 1,150 people [1]."


def test_extractive_answer_prefers_the_newer_figure_and_does_not_repeat_it():
    sources = prepare_sources([OLDER, NEWER])
    text, used, quotes = extractive_answer("How many people did the earthquake in Paktika kill?", sources)
    assert used == [2]
    assert "1,150" in text and "1,000" not in text
    assert "(as of June 24, 2022) [1]." in text
    assert text.count("killed at least") == 1

"""Citation post-processing on crafted model outputs, with the real embedding model."""

from __future__ import annotations

import pytest

from bot.citations import check_citations
from bot.support import prepare_sources
from index.retrieval import Hit
from tests.conftest import source_hit


def _hit(n: int, text: str) -> Hit:
    return source_hit(f"a{n}", text, title=f"Article {n}", published="2025-01-24")


@pytest.fixture(scope="module")
def sources():
    return prepare_sources(
        [
            _hit(1, "Officials said Mexican programs received waivers totaling $5.2 million. "
                    "An additional $2.5 million is pending."),
            _hit(2, "The spring flood damaged 300 homes in the river valley. Repairs will take a year."),
            _hit(3, "The central bank raised interest rates by half a point on Tuesday."),
        ]
    )


def test_out_of_range_marker_is_removed_and_sentence_reattributed(sources):
    checked = check_citations("Mexican programs received waivers totaling $5.2 million [7].", sources)
    assert checked.invalid_markers == 1
    assert checked.used == [1]
    assert checked.text == "Mexican programs received waivers totaling $5.2 million [1]."


def test_repeated_marker_is_collapsed_and_renumbered(sources):
    checked = check_citations("The flood damaged 300 homes [2][2].", sources)
    assert checked.used == [2]  # original source 2 ...
    assert checked.text == "The flood damaged 300 homes [1]."  # ... renumbered to 1


def test_unmarked_sentences_get_the_supporting_source(sources):
    checked = check_citations(
        "The central bank raised rates by half a point. Mexican programs got $5.2 million in waivers.",
        sources,
    )
    assert checked.used == [3, 1]
    assert checked.text.endswith("in waivers [2].")
    assert "[1]." in checked.text.split(". ")[0] + "."


def test_unsupported_sentence_is_dropped(sources):
    checked = check_citations(
        "The flood damaged 300 homes [2]. The Eiffel Tower is 330 metres tall [1].", sources
    )
    assert checked.used == [2]
    assert checked.dropped == ["The Eiffel Tower is 330 metres tall."]


def test_number_missing_from_cited_source_is_not_verified(sources):
    # Similar wording, but the number is not in any source: a hallucinated figure.
    checked = check_citations("Mexican programs received waivers totaling $9.9 million [1].", sources)
    assert checked.used == []
    assert checked.dropped


def test_quote_is_the_best_supporting_sentence(sources):
    checked = check_citations("Another $2.5 million is still pending [1].", sources)
    assert checked.quotes[1] == "An additional $2.5 million is pending."


def test_equal_support_goes_to_the_better_ranked_source():
    same = "The river flood damaged 300 homes in the valley."
    sources = prepare_sources([_hit(1, same + " Repairs start in May."), _hit(2, same)])
    checked = check_citations("The flood damaged 300 homes in the valley.", sources)
    assert checked.used == [1]


def test_marker_lists_and_source_attributions_are_cleaned(sources):
    checked = check_citations("According to the sources [2], [1], and [3], the flood damaged 300 homes.", sources)
    assert checked.text == "The flood damaged 300 homes [1]."
    assert checked.used == [2]

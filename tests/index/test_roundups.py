"""Roundups ("5 things to know") are told apart by their chunks' cohesion and are cited
only when no article about the story itself supports the sentence."""

from __future__ import annotations

import numpy as np
import pytest

from bot.citations import check_citations
from bot.support import ROUNDUP_COHESION, prepare_sources
from index.cohesion import add_cohesion, cohesion
from index.retrieval import Hit, retrieve
from index.store import open_store
from ingest.run import ingest_sources
from tests.conftest import MARGIN, make_settings, source_hit

STORY = [
    "A magnitude 7.0 earthquake struck the northern Philippine island of Luzon on Wednesday morning, "
    "shaking buildings in the capital Manila and sending residents running into the streets.",
    "The quake was centred in the mountainous province of Abra, where it cracked roads, toppled the "
    "bell tower of an old church and set off landslides that cut off several villages.",
    "Rescue teams in Abra searched collapsed houses for survivors while aftershocks rattled the "
    "province through the afternoon; officials said at least 5 people were killed.",
    "The Philippine seismology agency warned residents near the epicentre to expect more aftershocks "
    "and urged families whose homes were damaged by the earthquake to stay in evacuation centres.",
]
DIGEST = [
    "Earthquake: a 7.0 magnitude quake shook the Philippine island of Luzon on Wednesday.",
    "Interest rates: the central bank raised its benchmark rate by three quarters of a point to fight "
    "inflation, the largest increase since 1994, and signalled more increases this year.",
    "Baseball: the home team clinched its division title with a walk-off home run in the tenth inning "
    "before a sold-out crowd, its first title in eleven seasons.",
    "Recipes: a summer salad of grilled peaches, burrata and basil takes fifteen minutes to make and "
    "goes well with crusty bread and a glass of chilled white wine.",
    "Space: a private company launched forty internet satellites into low orbit from Florida, and its "
    "reusable booster landed on a drone ship in the Atlantic.",
]


def _article(title: str, paragraphs: list[str], repeat: int) -> str:
    body = "\n\n".join(p for p in paragraphs for _ in range(repeat))  # a chunk ≈ one item
    return f"{title}\n\nCreated: JULY 27, 2022\n\n{body}\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("roundups")
    # Each article spans several 200-wordpiece chunks, as real ones do.
    (root / "story.txt").write_text(_article("Earthquake shakes northern Philippines", STORY, 4))
    (root / "digest.txt").write_text(_article("5 things to know for July 27", DIGEST, 5))
    settings = make_settings(tmp_path_factory.mktemp("data"), llm="none")
    assert ingest_sources(settings, [root]).added == 2
    return open_store(settings)


def test_cohesion_of_vectors():
    assert cohesion(np.ones((1, 4))) == 1.0
    assert cohesion(np.array([[1.0, 0.0], [2.0, 0.0]])) == pytest.approx(1.0)
    assert cohesion(np.array([[1.0, 0.0], [0.0, 3.0]])) == pytest.approx(0.0)


def test_a_digest_of_unrelated_stories_is_a_roundup_and_a_story_is_not(store):
    hits = retrieve(store, "Where did the 7.0 earthquake strike?", 6)
    add_cohesion(store, hits)
    by_title = {h.title: h.cohesion for h in hits}
    assert set(by_title) == {"Earthquake shakes northern Philippines", "5 things to know for July 27"}
    assert by_title["5 things to know for July 27"] < ROUNDUP_COHESION - MARGIN, by_title
    assert by_title["Earthquake shakes northern Philippines"] > ROUNDUP_COHESION + 0.2


def _hit(n: int, title: str, text: str, cohesion: float, published: str = "2022-07-27") -> Hit:
    return source_hit(f"r{n}", text, title=title, published=published, url=f"https://news.example/{n}",
                      cohesion=cohesion)


DIGEST_HIT = _hit(1, "5 things to know for July 27", " ".join(DIGEST), cohesion=0.3)
STORY_HIT = _hit(2, "Earthquake shakes northern Philippines", " ".join(STORY), cohesion=0.8)


def test_a_sentence_the_story_supports_is_cited_to_the_story_not_the_digest():
    sources = prepare_sources([DIGEST_HIT, STORY_HIT])
    # The digest's one-liner matches best, and the model even cited it.
    checked = check_citations("A 7.0 magnitude quake shook the Philippine island of Luzon [1].", sources)
    assert checked.used == [2]
    assert checked.text == "A 7.0 magnitude quake shook the Philippine island of Luzon [1]."


def test_a_digest_is_cited_when_no_story_supports_the_sentence():
    sources = prepare_sources([DIGEST_HIT, STORY_HIT])
    checked = check_citations("The central bank raised its benchmark rate by three quarters of a point.", sources)
    assert checked.used == [1]


def test_a_newer_digest_does_not_override_the_story_figure():
    newer_digest = _hit(3, "5 things to know for July 28",
                        "Earthquake: officials said at least 4 people were killed in Abra. "
                        + " ".join(DIGEST[1:]), cohesion=0.3, published="2022-07-28")
    sources = prepare_sources([STORY_HIT, newer_digest])
    checked = check_citations("Officials said at least 5 people were killed in Abra [1].", sources)
    assert checked.used == [1]
    assert "as of" not in checked.text

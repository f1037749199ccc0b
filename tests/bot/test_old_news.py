"""Old news stays findable: an index years deep answers about last year's story by name,
and undated articles neither bury dated ones nor are buried by them."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import SEED_FILE, SHARED, run_newsbot

QUESTION = "How much money in waivers have Mexican programs received?"
BBC_TECH = SHARED / "corpora" / "bbc" / "tech"


@pytest.fixture(scope="module")
def mixed_index(tmp_path_factory):
    """The seed (dated 2025-01-24) beside three undated BBC technology articles."""
    if not BBC_TECH.is_dir():
        pytest.skip(f"needs the BBC corpus at {BBC_TECH}")
    root = tmp_path_factory.mktemp("mixed")
    sources = root / "sources"
    sources.mkdir()
    shutil.copyfile(SEED_FILE, sources / SEED_FILE.name)
    for path in sorted(BBC_TECH.glob("*.txt"))[:3]:
        shutil.copyfile(path, sources / f"bbc-{path.name}")
    run_newsbot(["ingest", str(sources)], root / "data")
    return root / "data"


def test_the_demo_question_is_answered_from_a_mixed_index_as_of_today(mixed_index):
    """Asked today, two years after the seed: the seed still answers (it did not while an
    age prior multiplied its score by e^(-age/30) and undated articles kept theirs)."""
    answer = json.loads(run_newsbot(["ask", QUESTION, "--backend", "none", "--json"], mixed_index).stdout)
    assert not answer["refused"], answer["answer"]
    assert answer["citations"] and all(c["published"] == "2025-01-24" for c in answer["citations"])


@pytest.mark.parametrize("question, latest", [
    ("What is the latest on the port strike?", True),
    ("Who is currently leading the race?", True),
    ("How many votes has she won so far?", True),
    ("Is the bridge still closed?", True),
    ("Who won the chess championship in Oslo?", False),
    ("How much money in waivers have Mexican programs received?", False),
])
def test_questions_about_the_current_state_are_marked(question, latest):
    from bot.time_window import window_for

    assert window_for(question).latest is latest


def test_a_month_without_a_year_is_the_latest_such_month():
    from datetime import date

    from bot.time_window import relative_range

    december = date(2026, 12, 6)
    assert relative_range("What happened in January?", december) == (date(2026, 1, 1), date(2026, 1, 31))
    assert relative_range("What happened in December?", december) == (date(2026, 12, 1), december)
    march = date(2026, 3, 2)  # asked in March about "December": last year's
    assert relative_range("Who resigned in December?", march) == (date(2025, 12, 1), date(2025, 12, 31))
    assert relative_range("Who resigned in December 2019?", march) == (date(2019, 12, 1), date(2019, 12, 31))
    assert relative_range("Who may resign?", march) == (None, None)


def test_the_answer_says_which_january_it_read(mixed_index):
    asked = ["ask", "How much money in waivers did Mexican programs receive in January?", "--backend", "none",
             "--as-of", "2025-12-06"]
    answer = json.loads(run_newsbot([*asked, "--json"], mixed_index).stdout)
    assert answer["note"] == '"in January" read as January 2025'
    assert not answer["refused"] and answer["citations"][0]["published"] == "2025-01-24"
    assert '("in January" read as January 2025)' in run_newsbot(asked, mixed_index).stdout

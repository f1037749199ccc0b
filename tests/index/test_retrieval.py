"""Hybrid retrieval and date windows on a small index written by the test."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.time_window import relative_range, window_for
from index.retrieval import retrieve
from index.store import open_store
from ingest.run import ingest_sources
from tests.conftest import make_settings

DOCS = {
    # Only a keyword search finds this one: a rare code name, no semantic cue.
    "codename.txt": ("Project update", "Created: MARCH 1, 2024",
                     "Engineers confirmed that XQ-77B passed its final inspection on Monday. The paperwork was filed."),
    # Only a vector search finds this one for the question below: no shared keywords.
    "semantic.txt": ("Canines rescued", "Created: MARCH 2, 2024",
                     "Firefighters saved several puppies trapped in a burning barn near the village."),
    "old.txt": ("Budget vote", "Created: JANUARY 5, 2023",
                "Lawmakers approved the city budget after a long debate about school funding."),
    "new.txt": ("Budget vote again", "Created: FEBRUARY 20, 2024",
                "Lawmakers approved the city budget for a second year after a debate about school funding."),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("articles")
    for name, (title, created, body) in DOCS.items():
        (root / name).write_text(f"{title}\n\n{created}\n\n{body}\n")
    settings = make_settings(tmp_path_factory.mktemp("data"), llm="none")
    report = ingest_sources(settings, [root])
    assert report.added == len(DOCS)
    return open_store(settings)


def _titles(hits):
    return [h.title for h in hits]


def test_keyword_only_hit_surfaces_in_hybrid(store):
    question = "What happened with XQ-77B?"
    assert "Project update" in _titles(retrieve(store, question, 2, method="keyword"))
    assert _titles(retrieve(store, question, 1, method="hybrid")) == ["Project update"]


def test_vector_only_hit_surfaces_in_hybrid(store):
    question = "Did anyone help young dogs escape a fire?"
    assert retrieve(store, question, 3, method="keyword") == [] or "Canines rescued" not in _titles(
        retrieve(store, question, 3, method="keyword"))
    assert _titles(retrieve(store, question, 1, method="hybrid")) == ["Canines rescued"]


def test_date_window_filters_both_searches(store):
    question = "Did lawmakers approve the city budget?"
    window = window_for(question, as_of=date(2023, 6, 1))
    titles = _titles(retrieve(store, question, 5, window=window))
    assert titles == ["Budget vote"]  # the 2024 article did not exist yet
    window = window_for("Did lawmakers approve the budget in February 2024?", as_of=date(2024, 6, 1))
    assert _titles(retrieve(store, "Did lawmakers approve the city budget?", 5, window=window)) == ["Budget vote again"]


def test_recency_prior_prefers_the_newer_of_two_similar_articles(store):
    question = "Did lawmakers approve the city budget after a debate about school funding?"
    window = window_for(question, as_of=date(2024, 3, 1))
    assert _titles(retrieve(store, question, 2, window=window))[0] == "Budget vote again"


def test_chunk_table_follows_new_ingests(store, tmp_path):
    extra = tmp_path / "extra.txt"
    extra.write_text("Zebra count\n\nCreated: MARCH 3, 2024\n\nRangers counted 412 zebras in the reserve this spring.\n")
    ingest_sources(store.settings, [extra])
    assert "Zebra count" in _titles(retrieve(store, "How many zebras did rangers count?", 3, method="keyword"))


def test_relative_dates():
    as_of = date(2025, 2, 1)
    assert relative_range("What happened yesterday?", as_of) == (date(2025, 1, 31), date(2025, 1, 31))
    assert relative_range("tariffs in January 2025", as_of) == (date(2025, 1, 1), date(2025, 1, 31))
    assert relative_range("news last week", as_of) == (date(2025, 1, 24), as_of)
    # a Thursday's "this week" includes the Sunday before
    assert relative_range("Who won this week?", date(2022, 6, 16))[0] <= date(2022, 6, 12)
    assert relative_range("plain question", as_of) == (None, None)

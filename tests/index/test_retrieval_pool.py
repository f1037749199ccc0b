"""Candidate pool, fusion and article lists: a 10-article list is 10 articles long, an
article either signal ranks in its top 3 is never dropped, and a window may carry its
own recency scale. Pure functions on hand-made hits, plus one real store."""

from __future__ import annotations

from datetime import date

import pytest

from index.retrieval import Window, fuse, retrieve, retrieve_articles, top_articles
from index.store import open_store
from ingest.run import ingest_sources
from tests.conftest import make_settings, source_hit


def _hit(article: str, n: int = 0, score: float = 0.5, published: str | None = None):
    return source_hit(article, f"text of {article}", chunk_id=f"{article}-{n:04d}", score=score, published=published)


def test_top_articles_keeps_each_signals_top_three():
    ranked = [_hit(a) for a in "abcdefghijkl"]
    # "z" is the vector search's best article but the fused list ranks it last
    ranked.append(_hit("z"))
    chosen = top_articles(ranked, protected=["z", "a"], n=5)
    assert len(chosen) == 5 and "z" in chosen and chosen[0] == "a"
    assert "e" not in chosen  # the lowest unprotected article made room
    assert top_articles(ranked, protected=[], n=10) == list("abcdefghij")


def test_rrf_keeps_a_vector_only_find_above_keyword_stragglers():
    vector = [_hit("semantic", score=0.62), *[_hit(f"v{i}", score=0.3) for i in range(5)]]
    keyword = [(_hit(f"k{i}"), 20.0 - i) for i in range(30)]
    fused = fuse(vector, keyword, Window(), keyword_weight=1.0, recency_days=None, fusion="rrf")
    order = [h.article_id for h in fused]
    assert order.index("semantic") < order.index("k2")


def test_a_window_can_carry_its_own_recency_scale():
    """Window.recency_days overrides the setting (measured for "this week" = 7 days and
    not kept: docs/quality.md, "Reranking")."""
    older = _hit("older", score=0.70, published="2023-04-07")
    newer = _hit("newer", score=0.55, published="2023-04-12")
    day = (date(2023, 4, 13) - date(1970, 1, 1)).days
    # a question about the latest news: scores × freshness (0.573 vs 0.532, then 0.297 vs 0.477)
    assert fuse([older, newer], [], Window(as_of_day=day, latest=True), 1.0, 30.0, fusion="score")[0].article_id == "older"
    steep = Window(as_of_day=day, recency_days=7.0, latest=True)
    assert fuse([older, newer], [], steep, 1.0, 30.0, fusion="score")[0].article_id == "newer"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("articles")
    for i in range(14):
        (root / f"storm{i:02d}.txt").write_text(
            f"Storm report {i}\n\nCreated: MARCH {i + 1}, 2024\n\n"
            f"A winter storm brought snow and strong wind to district {i}; crews cleared roads by evening.\n")
    settings = make_settings(tmp_path_factory.mktemp("data"), llm="none")
    assert ingest_sources(settings, [root]).added == 14
    return open_store(settings)


def test_article_list_is_as_long_as_asked(store):
    question = "Where did the winter storm bring snow?"
    for method in ("hybrid", "keyword", "vector"):
        hits = retrieve_articles(store, question, 10, method=method)
        assert len(hits) == 10 and len({h.article_id for h in hits}) == 10, method
    # the answer path still takes `k` chunks
    assert sum(len(h.chunks) for h in retrieve(store, question, 3)) == 3

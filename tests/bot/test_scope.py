"""Scopes by outlet, with the real store: retrieval fills its top k from the allowed
articles (both searches filter, nothing is dropped afterwards), a question that names its
outlet is answered from that outlet only, and an unknown outlet is a clear error."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import make_settings, run_newsbot
from tests.digest_corpus import AS_OF, VOLCANO, ingested_corpus


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    return ingested_corpus(tmp_path_factory.mktemp("scope"))


@pytest.fixture(scope="module")
def store(corpus_dir):
    from index.store import open_store

    return open_store(make_settings(corpus_dir, llm="none"))


def test_outlet_names_match_domain_name_and_feed_title():
    from bot.scope import matches

    bbc = {"url": "https://www.bbc.co.uk/news/x", "source": "BBC News"}
    assert matches("BBC", bbc) and matches("bbc.co.uk", bbc) and matches("co.uk", bbc) and matches("the BBC", bbc)
    assert matches("BBC News", bbc) and not matches("Reuters", bbc) and not matches("news", {"url": "https://a.example"})
    assert matches("AP News", {"url": "https://apnews.com/x", "source": "AP News"})


def test_filtered_retrieval_fills_top_k_from_allowed_articles(store):
    from bot.scope import Scope
    from index.retrieval import Window, retrieve

    allowed = Scope(sources=("reuters.com",)).allowed(store)
    assert len(allowed) == 3  # the port story, the volcano story, the old ferry story
    hits = retrieve(store, "Rotterdam dockworkers strike at the port", 3, window=Window(), sources=allowed)
    assert len(hits) == 3 and {h.article_id for h in hits} == allowed  # not just the one port article
    assert retrieve(store, "Rotterdam port strike", 3, sources=set()) == []
    for method in ("vector", "keyword"):
        got = retrieve(store, "Rotterdam port strike", 3, sources=allowed, method=method)
        assert got and {h.article_id for h in got} <= allowed


def test_scope_by_date_and_request(store):
    from bot.scope import Scope, ScopeError

    channel = Scope(since=date(2025, 3, 13), until=date(2025, 3, 13))
    assert len(channel.allowed(store)) == 4  # AP's port report, both volcano reports, the roundup
    both = channel.narrowed(["BBC"]).allowed(store)
    assert len(both) == 1
    with pytest.raises(ScopeError, match="'nyt'"):
        Scope().narrowed(["nyt"]).allowed(store)
    assert Scope(sources=("nyt",)).allowed(store) == set()  # a channel's outlet with no article yet


def test_question_naming_its_outlet_is_answered_from_it(store, corpus_dir):
    from bot.answer import AnswerEngine
    from bot.scope import Scope, outlet_in_question
    from bot.scoped_answer import ScopedEngine

    assert outlet_in_question("What happened at the port according to the BBC?", store) == (
        "What happened at the port?", "BBC")
    assert outlet_in_question("What happened at the port in the US?", store)[1] is None
    engine = ScopedEngine(AnswerEngine(make_settings(corpus_dir, llm="none"), backend="none"), Scope())
    for question, outlet in (("What happened at the port according to Reuters?", "reuters.com"),
                             ("What is happening at the Rotterdam port in AP News?", "apnews.com")):
        result = engine.answer(question, as_of=date.fromisoformat(AS_OF))
        assert not result.refused and result.citations
        assert all(outlet in c.url for c in result.citations), (question, [c.url for c in result.citations])


def test_cli_source_option(corpus_dir):
    import json

    out = run_newsbot(["ask", "--json", "--backend", "none", "--as-of", AS_OF, "--source", "bbc.co.uk",
                       "Where did the volcano erupt?"], corpus_dir)
    cited = [c["url"] for c in json.loads(out.stdout)["citations"]]
    assert cited and all(u == VOLCANO[1][0] for u in cited)
    bad = run_newsbot(["ask", "--source", "nyt", "Where did the volcano erupt?"], corpus_dir, check=False)
    assert bad.returncode == 2 and "'nyt'" in bad.stderr and "Traceback" not in bad.stderr

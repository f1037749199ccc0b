"""Digests on a small real corpus (real Chroma, real embeddings, the real CLI): several
outlets reporting three events, a one-outlet story, a daily roundup, an old article."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import MARGIN, make_settings, run_newsbot
from tests.digest_corpus import AS_OF, LIBRARY, OLD, PORT, ROUNDUP, VOLCANO, ingested_corpus, write_corpus


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    return ingested_corpus(tmp_path_factory.mktemp("digest"))


@pytest.fixture(scope="module")
def digest_json(corpus_dir):
    out = run_newsbot(["digest", "--json", "--backend", "none", "--as-of", AS_OF, "--since", "2025-03-07"], corpus_dir)
    return json.loads(out.stdout)


def urls(story: dict) -> set[str]:
    return {a["url"] for a in story["articles"]}


def test_json_shape(digest_json):
    assert set(digest_json) == {"window", "stories"}
    assert digest_json["window"]["since"] == "2025-03-07" and digest_json["window"]["until"] == AS_OF
    for story in digest_json["stories"]:
        assert set(story) == {"headline", "summary", "published", "citations", "articles"}
        for c in story["citations"]:
            assert set(c) == {"n", "url", "title", "published", "source_path", "quote", "verified"}
        for a in story["articles"]:
            assert set(a) == {"url", "title", "published", "source_path"}


def test_stories_group_the_same_event_and_rank_by_coverage(digest_json):
    stories = digest_json["stories"]
    assert [urls(s) for s in stories] == [{u for u, *_ in PORT}, {u for u, *_ in VOLCANO}, {u for u, *_ in LIBRARY}]
    assert stories[0]["published"] == "2025-03-13"  # the story's newest report


def test_roundup_and_old_articles_are_no_story(digest_json):
    every = set().union(*(urls(s) for s in digest_json["stories"]))
    assert ROUNDUP[0] not in every and OLD[0][0] not in every


def test_every_sentence_is_checked_and_cites_its_story(digest_json):
    from bot.sentences import markers_in, split_sentences

    for story in digest_json["stories"]:
        assert 1 <= len(split_sentences(story["summary"])) <= 2
        listed = {c["n"] for c in story["citations"]}
        for sentence in split_sentences(story["summary"]):
            assert markers_in(sentence) and set(markers_in(sentence)) <= listed
        for c in story["citations"]:
            assert c["verified"] and c["url"] in urls(story)
            article = next(a for a in PORT + VOLCANO + LIBRARY if a[0] == c["url"])
            assert c["quote"] in " ".join(article[4].split()) or c["quote"] == article[3]


def digest_of(corpus_dir, **options) -> dict:
    from bot.digest.run import run_digest

    settings = make_settings(corpus_dir, llm="none")
    return run_digest(settings, as_of=date.fromisoformat(AS_OF), since=date(2025, 3, 7), **options).to_dict()


def test_topic_and_source_restrict_the_stories(corpus_dir):
    stories = digest_of(corpus_dir, topic="volcanic eruption in Iceland")["stories"]
    assert [urls(s) for s in stories] == [{u for u, *_ in VOLCANO}]
    stories = digest_of(corpus_dir, sources=["BBC"])["stories"]
    assert len(stories) == 2 and all(u.startswith("https://www.bbc.co.uk/") for s in stories for u in urls(s))
    stories = digest_of(corpus_dir, sources=["apnews.com", "reuters.com"], stories=1)["stories"]
    assert urls(stories[0]) == {PORT[0][0], PORT[2][0]}


def test_text_lists_who_else_reported(corpus_dir):
    from bot.digest.render import also_reported, digest_text

    result = digest_of(corpus_dir)
    text = digest_text(result)
    assert text.index("Rotterdam") < text.index("Grindavik") < text.index("library")
    port = result["stories"][0]
    others = also_reported(port)
    assert len(others) == len(port["articles"]) - len({c["url"] for c in port["citations"]})
    for other in others:
        assert other["title"] in text


@pytest.mark.llm
def test_llm_sentences_go_through_the_checker(corpus_dir, test_model):
    """The real SmolLM2 writes; every sentence left is supported by a cited story article."""
    from bot.digest.run import run_digest

    settings = make_settings(corpus_dir, llm="local", llm_model="smollm2-135m", llm_threads=1)
    result = run_digest(settings, as_of=date.fromisoformat(AS_OF), since=date(2025, 3, 7), stories=2).to_dict()
    assert len(result["stories"]) == 2
    for story in result["stories"]:
        assert story["citations"] and all(c["verified"] and c["url"] in urls(story) for c in story["citations"])


def test_a_roundup_item_counts_as_coverage_of_its_story(corpus_dir):
    from bot.digest.stories import MENTIONED, add_vectors, find_stories, mention_score, window_articles
    from bot.time_window import window_for
    from index.store import open_store

    store = open_store(make_settings(corpus_dir, llm="none"))
    window = window_for("", as_of=date.fromisoformat(AS_OF), since=date(2025, 3, 7))
    stories = find_stories(store, window)
    # each deciding score is well clear of the threshold, so no host's rounding flips it
    roundup = [a for a in window_articles(store, window) if a.url == ROUNDUP[0]]
    add_vectors(store, roundup)
    scores = [mention_score(s, roundup[0].chunk_vectors) for s in stories]
    assert scores[0] >= MENTIONED + MARGIN and max(scores[1:]) <= MENTIONED - MARGIN, (scores, MENTIONED)
    assert [s.mentions for s in stories] == [1, 0, 0]  # CNN's "5 things" has an item on the port strike only
    assert all(not a.roundup for s in stories for a in s.articles)


@pytest.mark.llm
def test_the_llm_writes_while_the_time_budget_lasts(corpus_dir, test_model):
    """The real SmolLM2, counted: with no budget it is asked for every story; with a budget
    grouping alone uses up, for none (the stories are written extractively, still checked).
    A model remembered as slower than the budget is not asked in the next digest."""
    from bot.digest.run import run_digest
    from bot.llm import get_llm

    class Counted:
        def __init__(self, inner):
            self.inner, self.calls = inner, 0

        def chat(self, *args, **kwargs):
            self.calls += 1
            return self.inner.chat(*args, **kwargs)

        def describe(self):
            return self.inner.describe()

    for budget, asked in ((0, 3), (0.001, 0)):
        settings = make_settings(corpus_dir, llm="local", llm_model="smollm2-135m", llm_threads=1,
                                 digest_seconds=budget)
        llm = Counted(get_llm(settings))
        digest = run_digest(settings, as_of=date.fromisoformat(AS_OF), since=date(2025, 3, 7), llm=llm)
        assert llm.calls == asked and len(digest.stories) == 3
        assert 0 <= digest.timings["llm_stories"] <= asked
        assert all(c["verified"] for s in digest.stories for c in s["citations"])
    from bot.digest import _PACE

    slowest = _PACE[llm.describe()][0]
    settings = make_settings(corpus_dir, llm="local", llm_model="smollm2-135m", llm_threads=1,
                             digest_seconds=slowest * 0.9)  # the remembered story alone overruns it
    llm = Counted(get_llm(settings))
    digest = run_digest(settings, as_of=date.fromisoformat(AS_OF), since=date(2025, 3, 7), llm=llm)
    assert llm.calls == 0 and digest.timings["llm_stories"] == 0


def test_a_sentence_ending_in_a_quotation_keeps_its_marker(tmp_path):
    """The extractive sentences are checked one by one: joined and split again, a sentence
    ending in a quotation merged with the next, and the shown text held a sentence without
    a marker."""
    from bot.digest.run import run_digest
    from bot.sentences import markers_in, split_sentences
    from ingest.run import ingest_sources

    text = ("Beyonce's album Renaissance leaked before its release, and she thanked fans for waiting "
            "\"until the proper release time.\" The album Renaissance by Beyonce leaked online two days early. "
            "Fans shared the songs on social media over the weekend.")
    records = [("https://news.example/beyonce-renaissance-leak", "News", "2025-03-13",
                "Beyonce album Renaissance leaks before its release", text)]
    settings = make_settings(tmp_path / "data", llm="none")
    ingest_sources(settings, [write_corpus(tmp_path / "src", records)])
    digest = run_digest(settings, as_of=date.fromisoformat(AS_OF), since=date(2025, 3, 7)).to_dict()
    (story,) = digest["stories"]
    listed = {c["n"] for c in story["citations"] if c["verified"]}
    assert 'release time." [' in story["summary"]  # the quotation's sentence keeps its own marker
    for sentence in split_sentences(story["summary"]):
        assert markers_in(sentence) and set(markers_in(sentence)) <= listed, story["summary"]


def test_a_digest_without_a_window_covers_the_newest_days_that_have_articles(corpus_dir):
    """Asked weeks after the last article, `newsbot digest` shows the index's last news
    instead of an empty window; a window the user names stays as named, and an empty one
    says where the index's newest article is."""
    later = "2025-04-30"
    out = json.loads(run_newsbot(["digest", "--json", "--backend", "none", "--as-of", later], corpus_dir).stdout)
    newest = max(p for _, _, p, *_ in [*PORT, *VOLCANO, *LIBRARY])
    assert out["window"]["until"] == newest == out["window"]["newest_article"]
    assert out["stories"] and all(s["published"] <= newest for s in out["stories"])
    named = run_newsbot(["digest", "--backend", "none", "--as-of", later, "--since", "2025-04-29"], corpus_dir)
    assert "no stories in this window" in named.stdout and f"newest article in the index is from {newest}" in named.stdout


def test_a_scheduled_digest_keeps_to_yesterday_and_today(corpus_dir):
    from bot.digest.run import run_digest

    digest = run_digest(make_settings(corpus_dir, llm="none"), backend="none", as_of=date(2025, 4, 30))
    assert (digest.window["since"], digest.window["until"]) == ("2025-04-29", "2025-04-30")
    assert digest.stories == [] and digest.window["newest_article"] == "2025-03-13"

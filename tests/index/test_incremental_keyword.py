"""The keyword index catches up by deltas from the shared write log, and after any mix of
adds, replacements and takedowns it ranks exactly as a from-scratch rebuild.

Real store (embedded, and the server pass), real embeddings, real ingest and `newsbot
forget`; eval articles and questions from realtimeqa-dev (a subset, to stay fast)."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

import pytest

from index.chunks import ChunkTable
from index.store import open_store
from ingest.forget import forget
from ingest.run import ingest_sources
from tests.conftest import REPO, make_settings, run_newsbot, spawn_newsbot

EVAL = Path(REPO).parent / "shared" / "eval" / "realtimeqa-dev"
pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not (EVAL / "articles.jsonl").exists(), reason="needs ../shared/eval/realtimeqa-dev"),
]


def _eval(n_articles: int):
    questions = [json.loads(line) for line in open(EVAL / "questions.jsonl")]
    articles = [json.loads(line) for line in open(EVAL / "articles.jsonl")]
    gold = {u for q in questions for u in q.get("gold_urls", [])}
    unique = list({a["text"][:2000]: a for a in articles}.values())  # no same-text duplicates
    picked = [a for a in unique if a["url"] in gold][: n_articles // 2]
    rest = [a for a in unique if a["url"] not in gold and len(a["text"]) < 6000]
    picked += random.Random(7).sample(rest, n_articles - len(picked))
    for n, a in enumerate(picked):  # short enough to embed fast, long enough for two chunks
        a["text"] = a["text"][:1500]
        a["file"] = f"a{n:03d}.jsonl"
        a.setdefault("published", "2022-06-10")
    return [q["question"] for q in questions], picked


def _write(folder: Path, article: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / article["file"]).write_text(json.dumps(article) + "\n")


class Counting(ChunkTable):
    """The real index, counting its full rebuilds."""

    def __init__(self, store):
        super().__init__(store)
        self.rebuilds = 0
        self.rebuilt_in: list[str] = []  # thread names

    def _build(self, revision, collection_id):
        self.rebuilds += 1
        self.rebuilt_in.append(threading.current_thread().name)
        return super()._build(revision, collection_id)


def _scratch(store) -> ChunkTable:
    index = ChunkTable(store)
    index.rebuild()
    return index


def _assert_same(reader: ChunkTable, scratch: ChunkTable, questions: list[str]) -> None:
    assert reader.revision == scratch.revision
    assert reader.article_ids() == scratch.article_ids()
    assert sorted(reader.chunk_ids()) == sorted(scratch.chunk_ids()) and len(reader) == len(scratch)
    for q in questions:
        got = [(h.chunk_id, round(h.score, 9)) for h in reader.search(q, 10)]
        want = [(h.chunk_id, round(h.score, 9)) for h in scratch.search(q, 10)]
        assert got == want, q
        assert got and [h.metadata for h in reader.search(q, 10)] == [h.metadata for h in scratch.search(q, 10)]
        assert reader.title_scores(q) == pytest.approx(scratch.title_scores(q), rel=0, abs=1e-12), q


def test_twenty_random_writes_rank_as_a_rebuild(tmp_path):
    questions, articles = _eval(30)
    settings = make_settings(tmp_path / "data", llm="none")
    source = tmp_path / "src"
    live, waiting = articles[:18], articles[18:]
    for a in live:
        _write(source, a)
    assert ingest_sources(settings, [source]).added == len(live)
    store = open_store(settings)
    reader = Counting(store)
    reader.ensure_current()
    assert reader.rebuilds == 1

    rng = random.Random(17)
    kinds = []
    for step in range(20):
        kind = rng.choice(["add", "replace", "remove"]) if live and waiting else "add" if waiting else "replace"
        kinds.append(kind)
        if kind == "add":
            article = waiting.pop()
            _write(source, article)
            live.append(article)
            assert ingest_sources(settings, [source]).added == 1
        elif kind == "replace":
            article = rng.choice(live)
            article["text"] = article["text"][: rng.randint(300, 1500)] + f"\n\nUpdate {step}: officials revised the figures."
            _write(source, article)
            assert ingest_sources(settings, [source]).updated == 1
        else:
            article = live.pop(rng.randrange(len(live)))
            assert forget(settings, article["url"]).was_indexed
        if step % 3 == 0:  # sometimes one revision behind, sometimes several
            reader.ensure_current()
    reader.ensure_current()
    assert set(kinds) == {"add", "replace", "remove"}
    assert reader.rebuilds == 1, "every catch-up was a delta"
    assert reader.article_ids() == {a for a in reader.article_ids()} and len(reader.article_ids()) == len(live)
    _assert_same(reader, _scratch(store), questions)


def test_catch_up_across_processes_and_from_the_disk_cache(tmp_path):
    questions, articles = _eval(16)
    data = tmp_path / "data"
    settings = make_settings(data, llm="none")
    source = tmp_path / "src"
    for a in articles[:12]:
        _write(source, a)
    run_newsbot(["ingest", str(source)], data)
    store = open_store(settings)
    reader = Counting(store)  # a long-lived reader, say the bot
    reader.ensure_current()

    for a in articles[12:]:  # another process writes: four articles added, one taken down
        _write(source, a)
    spawn_newsbot(["ingest", str(source)], data)
    spawn_newsbot(["forget", articles[0]["url"]], data)
    (source / articles[0]["file"]).unlink()
    reader.ensure_current()
    assert reader.rebuilds == 1
    assert articles[0]["title"] not in {m.get("title") for m in reader.metadatas()}
    _assert_same(reader, _scratch(store), questions[:40])

    # a cold process (`newsbot ask`) loads the cached snapshot and applies the log since
    articles[1]["text"] = articles[1]["text"][:800] + "\n\nCorrection: the vote was postponed."
    _write(source, articles[1])
    spawn_newsbot(["ingest", str(source)], data)
    cold = Counting(open_store(settings))
    cold.ensure_current()
    assert cold.rebuilds == 0
    assert any("vote was postponed" in cold.article_text(i) for i in cold.article_ids())
    _assert_same(cold, _scratch(store), questions[:40])


def test_a_reader_behind_the_trimmed_log_rebuilds(tmp_path):
    questions, articles = _eval(8)
    settings = make_settings(tmp_path / "data", llm="none", write_log_revisions=2)
    source = tmp_path / "src"
    _write(source, articles[0])
    ingest_sources(settings, [source])
    store = open_store(settings)
    reader = Counting(store)
    reader.ensure_current()
    for a in articles[1:5]:  # four revisions: the log keeps two
        _write(source, a)
        ingest_sources(settings, [source])
    assert store.write_log().changes(reader.revision, store.revision()) is None
    reader.ensure_current()
    assert reader.rebuilds == 2
    _assert_same(reader, _scratch(store), questions[:20])


def test_following_keeps_rebuilds_off_the_question_path(tmp_path):
    questions, articles = _eval(8)
    settings = make_settings(tmp_path / "data", llm="none")
    source = tmp_path / "src"
    for a in articles[:4]:
        _write(source, a)
    ingest_sources(settings, [source])
    store = open_store(settings)
    reader = Counting(store)
    reader.ensure_current()
    before = reader.revision
    reader.follow(interval=30)  # wakes when a question sees the revision move

    for a in articles[4:6]:  # a logged write: the question itself applies the delta
        _write(source, a)
    ingest_sources(settings, [source])
    reader.ensure_current()
    assert reader.revision == store.revision() and reader.rebuilds == 1

    store.bump_revision()  # a write that could not say what it changed: only a rebuild will do
    behind = reader.revision
    started = time.perf_counter()
    reader.ensure_current()  # the question reads the last snapshot, the follower rebuilds
    assert time.perf_counter() - started < 0.5 and reader.revision in (behind, store.revision())
    for _ in range(200):
        if reader.revision == store.revision():
            break
        time.sleep(0.05)
    reader.stop()
    assert reader.revision == store.revision() > before and reader.rebuilds == 2
    assert reader.rebuilt_in[1] == "newsbot-keyword"  # never in the question's thread
    _assert_same(reader, _scratch(store), questions[:20])

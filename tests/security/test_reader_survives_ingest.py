"""A long-lived reader (the bot) keeps answering correctly while another process writes
to the embedded store, and its own writes (the watcher) never lose the other's vectors.

Real processes throughout: `newsbot serve` against the fake Slack with the watcher on,
the `newsbot ingest` CLI as the other writer, `newsbot check` and a fresh process that
queries Chroma's vector index for every stored chunk afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO, make_settings, newsbot_env, run_newsbot, spawn_newsbot, store_env


from tests.bot.slack.botproc import start_bot, stop_bot
from tests.bot.slack.fake_slack import BOT_USER, event_callback, mention

WORKING = (":mag:", ":hourglass_flowing_sand:")
SYLLABLES = ["quel", "brin", "dor", "vask", "mur", "tel", "zan", "ophir", "gral", "lum", "pex", "rond"]


def town(i: int) -> str:
    """A made-up town name per article, so that each question has exactly one answer."""
    a, b = divmod(i, len(SYLLABLES))
    return (SYLLABLES[a % len(SYLLABLES)] + SYLLABLES[b] + "ton").capitalize()


def benches(i: int) -> int:
    return 101 + 7 * i


def write_article(folder: Path, i: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{town(i).lower()}.txt"
    path.write_text(
        f"{town(i)} council approves park benches\n\nCreated: NOVEMBER 20, 2025\n\n"
        f"The {town(i)} town council approved {benches(i)} new benches for the riverside park "
        f"on Tuesday. The mayor of {town(i)} said the benches would be installed by spring.\n"
    )
    return path


def question(i: int) -> str:
    return f"How many benches did the {town(i)} council approve?"


def cli_ingest(path: Path, data_dir: Path, **store: str) -> None:
    """`newsbot ingest` in its own process; retried while the bot's watcher holds the lock."""
    for _ in range(30):
        result = spawn_newsbot(["ingest", str(path)], data_dir, check=False, **store)
        if result.returncode == 0:
            return
        assert "is writing to" in result.stderr + result.stdout, result.stderr + result.stdout
        time.sleep(0.3)
    raise AssertionError("the writer lock never came free")


PROBE = textwrap.dedent(
    """
    import json
    from index.settings import Settings
    from index.store import open_store
    collection = open_store(Settings()).collection
    got = collection.get(include=["embeddings"])
    missing = []
    for start in range(0, len(got["ids"]), 500):
        ids, vectors = got["ids"][start:start + 500], got["embeddings"][start:start + 500]
        # among the nearest 5, not first: HNSW search is approximate (its graph, built with the
        # CPU's own distance kernels, may rank a near-twin first), but a vector lost from the
        # index is never returned at all
        found = collection.query(query_embeddings=[list(v) for v in vectors], n_results=5, include=["distances"])
        missing += [chunk_id for chunk_id, hits in zip(ids, found["ids"]) if chunk_id not in hits]
    print(json.dumps({"chunks": len(got["ids"]), "missing": missing}))
    """
)


def vectors_found(data_dir: Path, **store: str) -> dict:
    """A fresh process looks up every stored chunk by its own vector in Chroma's vector
    index: a chunk whose vector was lost or overwritten is not found (or Chroma fails)."""
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, env=newsbot_env(data_dir, **store),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def assert_every_vector_is_found(data_dir: Path, expected_articles: int, **store: str) -> None:
    """`newsbot check` is clean, and every chunk is found by its vector."""
    check = run_newsbot(["check", "--json"], data_dir, check=False, **store)
    report = json.loads(check.stdout)
    assert check.returncode == 0 and report["clean"], check.stdout + check.stderr
    assert report["articles"] == expected_articles, report
    result = vectors_found(data_dir, **store)
    assert result["chunks"] == report["chunks"] and not result["missing"], result


# --- the real bot ------------------------------------------------------------------


def ask_in_slack(bot, channel: str, text: str):
    """Mention the bot; the `chat.update` that carries its answer."""
    fake = bot.fake
    message = fake.user_message(channel, f"<@{BOT_USER}> {text}")
    fake.wait_ack(fake.send_envelope("events_api", event_callback(mention(message))))

    def placeholder():
        return next(iter(fake.calls_of("chat.postMessage", channel=channel, thread_ts=message["ts"])), None)

    first = fake.wait_for(placeholder, 10, f"a placeholder in {channel}")

    def final():
        done = [c for c in fake.calls_of("chat.update", channel=channel, ts=first.ts)
                if not str(c.args.get("text", "")).startswith(WORKING)]
        return done[-1] if done else None

    return fake.wait_for(final, 60, f"the answer in {channel}")


def assert_answered(call, i: int, bot) -> None:
    posted = json.dumps(call.args.get("text", "")) + json.dumps(call.args.get("blocks", []))
    assert str(benches(i)) in call.args["text"] and town(i) in posted, (
        f"question about {town(i)} not answered from its article: {call.args.get('text')!r}\n"
        f"--- bot log ---\n{bot.log()[-3000:]}"
    )


@pytest.mark.slack
def test_serve_answers_from_a_cli_ingest_and_its_watcher_keeps_both_writers(tmp_path, tmp_path_factory):
    cli_dir, watched = tmp_path / "cli", tmp_path / "watched"
    watched.mkdir()
    data_dir = tmp_path / "data"
    store = store_env(data_dir)  # the server pass: the bot's copied data dir keeps this collection
    run_newsbot(["ingest", str(write_article(cli_dir, 0))], data_dir)
    bot = start_bot(tmp_path_factory, data_dir, NEWSBOT_SOURCES=str(watched),
                    NEWSBOT_WATCH="true", NEWSBOT_WATCH_INTERVAL="0.5",
                    NEWSBOT_SLACK_STREAM="false")  # the answer arrives as one chat.update
    try:
        assert_answered(ask_in_slack(bot, "CREAD0", question(0)), 0, bot)  # the bot has read the store
        cli_ingest(write_article(cli_dir, 1), bot.data_dir, **store)  # another process writes
        assert_answered(ask_in_slack(bot, "CREAD1", question(1)), 1, bot)
        assert_answered(ask_in_slack(bot, "CREAD2", question(0)), 0, bot)
        write_article(watched, 2)  # the bot's own watcher writes next
        bot.fake.wait_for(lambda: "watch: 1 added" in bot.log(), 60, "the watcher's ingest")
        assert_answered(ask_in_slack(bot, "CREAD3", question(2)), 2, bot)
        assert_answered(ask_in_slack(bot, "CREAD4", question(1)), 1, bot)
        assert bot.alive()
    finally:
        stop_bot(bot)
    assert "Error finding id" not in bot.log()
    assert_every_vector_is_found(bot.data_dir, expected_articles=3, **store)


# --- twenty alternations -----------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import json, sys
    from index.settings import Settings
    from ingest.run import ingest_sources
    settings = Settings()
    for line in sys.stdin:
        report = ingest_sources(settings, [line.strip()])
        print(json.dumps({"added": report.added, "skipped": report.skipped}), flush=True)
    """
)


def test_twenty_alternations_of_two_long_lived_writers(tmp_path):
    """This process is the bot (a long-lived AnswerEngine and the watcher's `poll_once`);
    a second long-lived process ingests like the CLI. Each answers from the other's write."""
    from bot.answer import AnswerEngine
    from ingest.watch import poll_once

    cli_dir, watched, data_dir = tmp_path / "cli", tmp_path / "watched", tmp_path / "data"
    settings = make_settings(data_dir, llm="none", sources=[str(watched)])
    writer = subprocess.Popen([sys.executable, "-c", WRITER], cwd=REPO, env=newsbot_env(data_dir),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    engine = AnswerEngine(settings)

    def other_process_ingests(i: int) -> None:
        writer.stdin.write(f"{write_article(cli_dir, i)}\n")
        writer.stdin.flush()
        line = writer.stdout.readline()
        assert line, f"the writer process died (exit {writer.poll()})"
        assert json.loads(line)["added"] == 1, line

    def answered(i: int) -> None:
        result = engine.answer(question(i))
        assert not result.refused and str(benches(i)) in result.answer, (i, result.answer)
        assert any(town(i) in c.title for c in result.citations), (i, [c.title for c in result.citations])

    try:
        other_process_ingests(0)
        answered(0)
        for round_ in range(20):
            cli_article, watched_article = 2 * round_ + 1, 2 * round_ + 2
            other_process_ingests(cli_article)
            answered(cli_article)
            write_article(watched, watched_article)
            report = poll_once(settings)
            assert report is not None and report.added == 1, report
            answered(watched_article)
    finally:
        writer.stdin.close()
        writer.wait(30)
    assert_every_vector_is_found(data_dir, expected_articles=41)


MID_WRITE = textwrap.dedent(
    """
    from index.settings import Settings
    from index.store import open_store
    from index.writer_lock import writer_lock

    settings = Settings()
    with writer_lock(settings):  # an update's new chunks are in; its stale ones and the bump not yet
        collection = open_store(settings).collection
        got = collection.get(include=["embeddings", "metadatas", "documents"])
        collection.upsert(ids=[f"{i}-next" for i in got["ids"]], embeddings=[list(e) for e in got["embeddings"]],
                          metadatas=got["metadatas"], documents=got["documents"])
    """
)


def test_a_question_asked_while_another_process_is_mid_write_is_answered(tmp_path):
    """Between another process's write and its revision bump nothing tells the reader; its
    stale index then fails ("Error finding id") and the read is retried on a reopened client."""
    from bot.answer import AnswerEngine

    data_dir = tmp_path / "data"
    for i in range(3):
        write_article(tmp_path / "articles", i)
    run_newsbot(["ingest", str(tmp_path / "articles")], data_dir)
    engine = AnswerEngine(make_settings(data_dir, llm="none"))
    assert str(benches(0)) in engine.answer(question(0)).answer  # the reader has loaded the index
    subprocess.run([sys.executable, "-c", MID_WRITE], cwd=REPO, env=newsbot_env(data_dir),
                   check=True, capture_output=True, timeout=120)
    result = engine.answer(question(0))
    assert not result.refused and str(benches(0)) in result.answer, result.answer
    assert any(town(0) in c.title for c in result.citations)


# --- writes large enough that Chroma persists its vector index -------------------------

BULK_WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from index.settings import Settings
    from index.store import open_store
    from index.writer_lock import writer_lock

    def write(store, start, n):
        vectors = np.random.default_rng(start).random((n, 32))
        for at in range(0, n, 500):
            ids = [f"bulk-{start + i}" for i in range(at, min(n, at + 500))]
            store.collection.upsert(ids=ids, embeddings=vectors[at:at + len(ids)].tolist())
        store.bump_revision()

    if __name__ == "__main__":
        settings = Settings()
        with writer_lock(settings):
            write(open_store(settings), int(sys.argv[1]), int(sys.argv[2]))
    """
)


def test_a_reader_that_writes_never_persists_a_stale_index(tmp_path):
    """The bot's pattern: a long-lived reader, and writes of its own under the writer lock
    (watcher, `/reindex`) between another process's writes. Each write is over Chroma's
    persistence threshold (1,000 vectors), so a write through a stale client would save a
    stale vector index over the other process's and lose its vectors."""
    from index.store import open_store
    from index.writer_lock import writer_lock

    data_dir = tmp_path / "data"
    settings = make_settings(data_dir)
    namespace: dict = {}
    exec(BULK_WRITER, namespace)  # the same write, in this process

    def other_process_writes(start: int) -> None:
        subprocess.run([sys.executable, "-c", BULK_WRITER, str(start), "1500"], cwd=REPO,
                       env=newsbot_env(data_dir), check=True, capture_output=True, timeout=120)

    def this_process_writes(start: int) -> None:  # as its watcher does
        with writer_lock(settings):
            namespace["write"](open_store(settings), start, 1500)

    def reader_finds(start: int) -> None:
        reader.revision()  # what a retrieval does first (index/chunks.py), then it queries
        vector = np.random.default_rng(start).random((1, 32))  # the first vector written from `start`
        assert f"bulk-{start}" in reader.collection.query(query_embeddings=vector.tolist(), n_results=5)["ids"][0]

    reader = open_store(settings)
    other_process_writes(0)
    reader_finds(0)  # the reader has loaded the vector index
    other_process_writes(10_000)
    this_process_writes(20_000)  # no read in between: the writer lock alone must reopen
    other_process_writes(30_000)
    reader_finds(30_000)
    this_process_writes(40_000)
    result = vectors_found(data_dir)
    assert result["chunks"] == 1500 * 5 and not result["missing"], {**result, "missing": result["missing"][:5]}

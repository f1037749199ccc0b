"""Several processes sharing one index through a Chroma server (`NEWSBOT_CHROMA_URL`).

These run in `make test`'s second pass, which starts `chroma run` on loopback and sets
NEWSBOT_TEST_CHROMA_URL; the embedded pass has no server to talk to.
"""

from __future__ import annotations

import json

import pytest

from bot.answer import AnswerEngine
from tests.conftest import SEED_FILE, SEEDS, SERVER_URL, ask_json, make_settings, run_newsbot, spawn_newsbot, store_env

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not SERVER_URL, reason="needs a `chroma run` server: the server pass of `make test` sets NEWSBOT_TEST_CHROMA_URL"),
]


def test_writer_and_reader_in_different_processes_and_data_dirs(tmp_path):
    writer_dir, reader_dir = tmp_path / "writer", tmp_path / "reader"
    shared = store_env(writer_dir)  # both processes name the same collection
    report = json.loads(spawn_newsbot(["ingest", "--json", str(SEEDS)], writer_dir, **shared).stdout)
    assert report["added"] == 1
    again = json.loads(spawn_newsbot(["ingest", "--json", str(SEEDS)], reader_dir, **shared).stdout)
    assert again["unchanged"] == 1 and again["chunks_embedded"] == 0  # the docstore is shared too
    result = ask_json("How much money in waivers have Mexican programs received?", reader_dir,
                      NEWSBOT_LLM="none", **shared)
    assert result["citations"] and "$5.2 million" in result["answer"]


def test_reindex_is_visible_to_a_running_reader_without_restart(tmp_path):
    writer_dir = tmp_path / "writer"
    shared = store_env(writer_dir)
    spawn_newsbot(["ingest", str(SEEDS)], writer_dir, **shared)
    engine = AnswerEngine(make_settings(tmp_path / "reader", llm="none", collection=shared["NEWSBOT_COLLECTION"]))
    question = "How many zebras did the rangers count in the reserve?"
    assert engine.answer(question).refused
    article = tmp_path / "zebras.txt"
    article.write_text("Zebra census\n\nCreated: MARCH 3, 2024\n\nRangers counted 412 zebras in the reserve this spring.\n")
    spawn_newsbot(["ingest", str(article)], writer_dir, **shared)
    result = engine.answer(question)  # same engine, same process: no restart
    assert not result.refused and "412" in result.answer


def test_stats_names_the_server_mode_and_counts_duplicates(tmp_path):
    mirror = tmp_path / "mirror"  # the seed again under another name: a duplicate, not an article
    mirror.mkdir()
    (mirror / "copy.txt").write_text(SEED_FILE.read_text())
    report = json.loads(run_newsbot(["ingest", "--json", str(SEEDS), str(mirror)], tmp_path).stdout)
    assert report["added"] == 1 and report["duplicates"] == 1
    stats = json.loads(run_newsbot(["stats", "--json"], tmp_path).stdout)
    assert stats["store_mode"] == "server" and stats["store"] == SERVER_URL
    assert stats["articles"] == 1 and stats["duplicates_recorded"] == 1  # the docstore on the server

"""The walking skeleton end to end: seed → Chroma → `newsbot ask` (in-process, network guarded), both backends."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SEEDS, TEST_MODEL, ask_json, run_newsbot

WAIVERS = "How much money in waivers have Mexican programs received?"
OFF_TOPIC = "Who won the 2018 FIFA World Cup?"


def _assert_cites_seed(result: dict) -> None:
    assert result["refused"] is False
    assert result["citations"], result
    first = result["citations"][0]
    assert first["n"] == 1
    assert first["title"].startswith("Rubio Uses Waivers")
    assert first["published"] == "2025-01-24"
    assert first["source_path"].endswith("000_ccea5f87600b2e13.txt")
    assert first["chunk_id"].startswith(first["article_id"])
    text = result["answer"] + " " + " ".join(c["quote"] for c in result["citations"])
    assert "$5.2 million" in text
    assert "[1]" in result["answer"]
    timings = result["timings"]
    assert {"retrieve_ms", "generate_ms", "total_ms"} <= set(timings) <= {
        "retrieve_ms", "generate_ms", "total_ms", "first_sentence_ms"}
    assert all(isinstance(v, float) and 0 <= v <= timings["total_ms"] for v in timings.values())


def test_ask_extractive_cites_the_seed(seeded_dir):
    result = ask_json(WAIVERS, seeded_dir, NEWSBOT_LLM="none")
    assert result["backend"] == "none"
    _assert_cites_seed(result)


def test_ask_extractive_is_deterministic(seeded_dir):
    first = ask_json(WAIVERS, seeded_dir, NEWSBOT_LLM="none")
    second = ask_json(WAIVERS, seeded_dir, NEWSBOT_LLM="none")
    assert first["answer"] == second["answer"]


def assert_answered_or_refused_from_the_seed(result: dict) -> None:
    """The 135M test model mostly writes what no source states: then the answer is a refusal
    offering the article it read; what it does write from the seed is cited and verified."""
    assert result["error"] is None
    if result["refused"]:
        assert result["citations"] == [] and result["related"][0]["title"].startswith("Rubio Uses Waivers")
    else:
        assert [c["title"][:17] for c in result["citations"]] == ["Rubio Uses Waiver"]
        assert result["citations"][0]["verified"] is True and "[1]" in result["answer"]


@pytest.mark.llm
def test_ask_local_llm_reads_the_seed(seeded_dir, test_model):
    result = ask_json(WAIVERS, seeded_dir, NEWSBOT_LLM="local", NEWSBOT_LLM_MODEL=TEST_MODEL)
    assert result["backend"] == "local"
    assert_answered_or_refused_from_the_seed(result)


@pytest.mark.parametrize("backend", ["none", "local"])
def test_off_topic_question_is_refused(seeded_dir, test_model, backend):
    result = ask_json(OFF_TOPIC, seeded_dir, NEWSBOT_LLM=backend, NEWSBOT_LLM_MODEL=TEST_MODEL)
    assert result["refused"] is True
    assert result["citations"] == []
    assert "do not cover" in result["answer"]


def test_text_output_lists_sources(seeded_dir):
    out = run_newsbot(["ask", WAIVERS], seeded_dir, NEWSBOT_LLM="none").stdout
    assert "Sources:" in out
    assert "[1] Rubio Uses Waivers" in out
    assert "— 2025-01-24 —" in out


def test_reingest_of_unchanged_seeds_embeds_nothing(tmp_path):
    first = json.loads(run_newsbot(["ingest", "--json", str(SEEDS)], tmp_path).stdout)
    assert first["added"] == 1 and first["chunks_embedded"] >= 1
    second = json.loads(run_newsbot(["ingest", "--json", str(SEEDS)], tmp_path).stdout)
    assert second["chunks_embedded"] == 0
    assert second["unchanged"] == 1 and second["added"] == 0 and second["updated"] == 0
    human = run_newsbot(["ingest", str(SEEDS)], tmp_path).stdout
    assert "0 chunks embedded" in human and "nothing new" in human


def test_missing_model_is_a_clear_error_and_falls_back(seeded_dir, tmp_path):
    result = ask_json(
        WAIVERS, seeded_dir, "--fallback", NEWSBOT_LLM="local", NEWSBOT_LLM_MODEL=str(tmp_path / "absent.gguf")
    )
    assert "not found" in result["error"] and "newsbot models pull" in result["error"]
    assert "$5.2 million" in result["answer"]  # the extractive answer stands in


def test_models_pull_rejects_unknown_name(tmp_path):
    out = run_newsbot(["models", "pull", "no-such-model"], tmp_path, check=False)
    assert out.returncode == 2
    assert "unknown model 'no-such-model'" in out.stderr


def test_torch_embedding_backend_end_to_end(tmp_path):
    """The non-default runtime (sentence-transformers on torch) ingests and answers too."""
    data_dir = tmp_path / "torch-data"
    run_newsbot(["ingest", str(SEEDS)], data_dir, NEWSBOT_EMBED_BACKEND="torch")
    result = ask_json(WAIVERS, data_dir, NEWSBOT_LLM="none", NEWSBOT_EMBED_BACKEND="torch")
    _assert_cites_seed(result)
    stats = json.loads(run_newsbot(["stats", "--json"], data_dir, NEWSBOT_EMBED_BACKEND="torch").stdout)
    assert stats["embedding_model"].endswith("@torch")


@pytest.mark.llm
def test_local_llm_with_a_q8_kv_cache(seeded_dir, test_model):
    """NEWSBOT_LLM_KV_CACHE=q8_0 (less memory) still runs the model over the seed."""
    result = ask_json(WAIVERS, seeded_dir, NEWSBOT_LLM="local", NEWSBOT_LLM_MODEL=TEST_MODEL,
                      NEWSBOT_LLM_KV_CACHE="q8_0")
    assert_answered_or_refused_from_the_seed(result)


def test_in_process_runs_are_offline_like_the_subprocesses(tmp_path):
    """`run_newsbot` runs in this process with the subprocesses' network guard: a public
    address is refused at connect, and the feed is skipped with that reason."""
    done = run_newsbot(["ingest", "--json", "http://93.184.216.34/feed.xml"], tmp_path, check=False)
    assert done.returncode == 1, done.stderr
    [skipped] = json.loads(done.stdout)["skipped"]
    assert "network blocked by the test harness" in skipped["reason"]

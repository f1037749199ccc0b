"""What a script or a person at a terminal can rely on from `newsbot`: exit codes (0 done,
1 some inputs failed or the LLM failed, 2 usage or settings), one-line errors naming the
variable or input, `--version`, `-v` anywhere, quiet pipes, plurals. In-process CLI runs
(`invoke_newsbot`) except where only a real process shows the property."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, SEEDS, invoke_newsbot, newsbot_env, run_newsbot

WAIVERS = "How much money in waivers have Mexican programs received?"


def test_version(tmp_path):
    result = invoke_newsbot(["--version"], tmp_path)
    assert result.exit_code == 0 and result.stdout.startswith("newsbot ")


def test_verbose_is_accepted_after_the_command(tmp_path):
    assert invoke_newsbot(["stats", "-v"], tmp_path).exit_code == 0
    assert invoke_newsbot(["stats", "--json", "--verbose"], tmp_path).exit_code == 0


@pytest.mark.parametrize("args, named", [
    (["ask", ""], "the question is empty"),
    (["ask", "   "], "the question is empty"),
    (["ask", WAIVERS, "--backend", "foo"], "local, none, ollama, openai"),
    (["ask", WAIVERS, "--k", "-3"], "--k"),
    (["digest", "--backend", "gpt"], "local, none, ollama, openai"),
])
def test_usage_errors_exit_2_and_say_what_is_wrong(tmp_path, args, named):
    result = invoke_newsbot(args, tmp_path)
    assert result.exit_code == 2, result.output
    assert named in " ".join(result.output.split())


@pytest.mark.parametrize("variable, value, named", [
    ("NEWSBOT_TOP_K", "0", "NEWSBOT_TOP_K='0'"),
    ("NEWSBOT_MIN_RELEVANCE", "2", "NEWSBOT_MIN_RELEVANCE='2'"),
    ("NEWSBOT_CHUNK_OVERLAP", "200", "NEWSBOT_CHUNK_OVERLAP (200) must be less than NEWSBOT_CHUNK_TOKENS (200)"),
    ("NEWSBOT_CHANNEL_SCOPES", '{"C1": {"sources": 5}}', "['C1']['sources']"),
    ("NEWSBOT_QUESTION_LOG", "maybe", "NEWSBOT_QUESTION_LOG='maybe'"),
])
def test_bad_settings_are_refused_at_start_one_line_each(tmp_path, variable, value, named):
    result = invoke_newsbot(["stats"], tmp_path, **{variable: value})
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr


def test_a_data_dir_that_is_a_file_is_named(tmp_path):
    file = tmp_path / "not-a-folder"
    file.write_text("x")
    result = invoke_newsbot(["stats"], tmp_path, NEWSBOT_DATA_DIR=str(file))
    assert result.exit_code == 2 and f"{file} is a file, not a folder" in result.stderr


@pytest.mark.parametrize("word, on", [("on", True), ("off", False), ("true", True), ("false", False),
                                      ("1", True), ("0", False)])
def test_every_switch_takes_the_same_words(word, on):
    from index.settings import Settings

    settings = Settings(_env_file=None, question_log=word, slack_stream=word, watch=word, allow_private_feeds=word)
    assert settings.question_log is settings.slack_stream is settings.watch is settings.allow_private_feeds is on


def test_a_closed_pipe_ends_the_command_quietly(tmp_path):
    """`newsbot stats | head -1`: the reader may leave before newsbot writes; newsbot then
    ends quietly, exit 0, with no BrokenPipeError on stderr. (`true` reads nothing at all.)"""
    env = newsbot_env(tmp_path)
    env["PYTHONPATH"] = f"{REPO}:{env.get('PYTHONPATH', '')}"
    done = subprocess.run(["bash", "-c", f"{sys.executable} -m bot.cli stats | true; echo \"status ${{PIPESTATUS[0]}}\""],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "status 0" and done.stderr == "", done.stderr


def test_takedowns_and_unchanged_files_are_not_failures(tmp_path):
    run_newsbot(["ingest", str(SEEDS)], tmp_path)
    article_id = json.loads(run_newsbot(["ask", WAIVERS, "--json", "--backend", "none"], tmp_path).stdout)[
        "citations"][0]["article_id"]
    run_newsbot(["forget", article_id], tmp_path)
    again = run_newsbot(["ingest", str(SEEDS)], tmp_path, check=False)
    assert again.returncode == 0 and "1 skipped (1 taken down)" in again.stdout


def test_forget_of_something_not_indexed_asks_for_force(tmp_path):
    run_newsbot(["ingest", str(SEEDS)], tmp_path)
    assert run_newsbot(["forget", "--list"], tmp_path).stdout.strip() == "no forgotten articles"
    typo = "https://news.example/typo-of-a-real-url"
    refused = run_newsbot(["forget", typo], tmp_path, check=False)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert "no forgotten articles" in run_newsbot(["forget", "--list"], tmp_path).stdout
    forced = run_newsbot(["forget", typo, "--force"], tmp_path)
    assert "was not in the index" in forced.stdout
    assert typo in run_newsbot(["forget", "--list"], tmp_path).stdout


def test_a_channel_name_is_not_a_channel_id(tmp_path):
    result = invoke_newsbot(["watches", "add", "#general", "port", "strike"], tmp_path)
    assert result.exit_code == 2 and "not a Slack channel id" in result.stderr


def test_an_llm_failure_exits_1_unless_the_fallback_is_accepted(seeded_dir, tmp_path):
    missing = str(tmp_path / "absent.gguf")
    failed = run_newsbot(["ask", WAIVERS], seeded_dir, check=False, NEWSBOT_LLM="local", NEWSBOT_LLM_MODEL=missing)
    assert failed.returncode == 1 and "$5.2 million" in failed.stdout and "LLM unavailable" in failed.stdout
    accepted = run_newsbot(["ask", WAIVERS, "--fallback"], seeded_dir, NEWSBOT_LLM="local", NEWSBOT_LLM_MODEL=missing)
    assert accepted.returncode == 0


def test_a_refusal_inside_the_askers_own_dates_is_no_coverage_gap(tmp_path):
    run_newsbot(["ingest", str(SEEDS)], tmp_path)
    run_newsbot(["ask", WAIVERS, "--backend", "none", "--until", "2020-01-01"], tmp_path)  # before the seed
    run_newsbot(["ask", "Who won the curling final on Mars?", "--backend", "none"], tmp_path)
    report = json.loads(run_newsbot(["report", "--json"], tmp_path).stdout)
    assert report["refused"] == 2
    assert [q for gap in report["gaps"] for q in gap["questions"]] == ["Who won the curling final on Mars?"]


def test_counts_are_written_as_people_write_them():
    from index.plural import count

    assert [count(1, "story"), count(2, "story"), count(1, "article"), count(0, "chunk"), count(1200, "chunk")] == [
        "1 story", "2 stories", "1 article", "0 chunks", "1,200 chunks"]

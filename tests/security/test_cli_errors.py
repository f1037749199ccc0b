"""The CLI as a newcomer meets it: every command on an empty data dir, and every command
with a bad setting, ends in one line per problem and exit 2 — never a traceback.

In this process (`invoke_newsbot`, typer's CliRunner) where the command returns; the real
`newsbot` process for what only a process shows (rich's pretty tracebacks, `serve`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.slack.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.conftest import invoke_newsbot, newsbot_env

NEWSBOT = str(Path(sys.executable).with_name("newsbot"))
BAD = {"NEWSBOT_LLM": "foo", "NEWSBOT_TOP_K": "abc"}
BAD_LINES = [
    "error: NEWSBOT_TOP_K='abc': should be a valid integer, unable to parse string as an integer (see .env.example)",
    "error: NEWSBOT_LLM='foo': should be 'local', 'none', 'ollama' or 'openai' (see .env.example)",
]


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture
def dataset(tmp_path) -> Path:
    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "articles.jsonl").write_text("")
    (folder / "questions.jsonl").write_text(json.dumps({"id": "q1", "question": "What?", "choices": ["a", "b"],
                                                        "answer": [0], "asked": "2025-01-24"}) + "\n")
    return folder


@pytest.mark.parametrize("args", [["ask", "Who won?"], ["ask", "--backend", "none", "--json", "Who won?"],
                                  ["check"], ["check", "--json"]])
def test_reading_an_empty_index_says_so_in_one_line(tmp_path, args):
    done = invoke_newsbot(args, tmp_path / "data")
    assert done.exit_code == 2, (done.output, done.exception)
    assert done.stdout == ""
    assert _lines(done.stderr) == [_lines(done.stderr)[0]] and done.stderr.startswith("error: the index (")
    assert "is empty" in done.stderr and "`newsbot ingest PATH`" in done.stderr and "newsbot reindex" in done.stderr


def test_stats_on_an_empty_index_reports_zero(tmp_path):
    done = invoke_newsbot(["stats", "--json"], tmp_path / "data")
    assert done.exit_code == 0, done.output
    facts = json.loads(done.stdout)
    assert facts["articles"] == 0 and facts["chunks"] == 0 and facts["date_range"] is None
    text = invoke_newsbot(["stats"], tmp_path / "data")
    assert text.exit_code == 0 and "articles        0" in text.stdout


def test_eval_with_nothing_to_ingest_is_one_error_line(tmp_path, dataset):
    done = invoke_newsbot(["eval", "--backend", "none", str(dataset)], tmp_path / "data")
    assert done.exit_code == 2, done.output
    errors = [line for line in _lines(done.stderr) if line.startswith("error:")]
    assert errors == [errors[0]] and "Traceback" not in done.output


def test_serve_on_an_empty_index_says_so_in_one_line(tmp_path):
    fake = FakeSlack().start()
    env = newsbot_env(tmp_path / "data", SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN,
                      SLACK_API_URL=fake.api_url, NEWSBOT_LLM="none")
    try:
        done = subprocess.run([NEWSBOT, "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("newsbot serve started on an empty index instead of saying so")
    finally:
        fake.stop()
    assert done.returncode == 2, done.stderr
    assert _lines(done.stderr) == [_lines(done.stderr)[0]] and "is empty" in done.stderr
    assert "NEWSBOT_WATCH=1" in done.stderr


@pytest.mark.parametrize("args", [
    ["ask", "Who won?"], ["check"], ["stats"], ["stats", "--json"], ["ingest", "x"], ["reindex"], ["watch"],
    ["serve"], ["serve", "--http"], ["eval", "DATASET"], ["models", "list"], ["models", "pull"],
    ["models", "export-onnx"],
])
def test_bad_settings_are_one_line_each(tmp_path, dataset, args):
    args = [str(dataset) if a == "DATASET" else a for a in args]
    done = invoke_newsbot(args, tmp_path / "data", **BAD)
    assert done.exit_code == 2, (done.output, done.exception)
    assert done.stdout == "" and _lines(done.stderr) == BAD_LINES


def test_a_secret_setting_is_never_echoed(tmp_path):
    done = invoke_newsbot(["stats"], tmp_path / "data", NEWSBOT_TOP_K="https://u:pw123@example.com")
    assert done.exit_code == 2 and "pw123" not in done.output
    assert _lines(done.stderr) == [
        "error: NEWSBOT_TOP_K='https://***@example.com': should be a valid integer, unable to parse string as an "
        "integer (see .env.example)"]


def _run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSBOT, *args], env=newsbot_env(data_dir, **env), capture_output=True, text=True,
                          timeout=120)


def test_the_real_process_prints_no_traceback(tmp_path):
    """What a shell shows: rich's pretty traceback panels are off, and -v adds details only
    to an unexpected failure."""
    empty = _run(["ask", "Who won?"], tmp_path / "data")
    assert empty.returncode == 2 and len(_lines(empty.stderr)) == 1, empty.stderr
    bad = _run(["stats"], tmp_path / "data", **BAD)
    assert bad.returncode == 2 and _lines(bad.stderr) == BAD_LINES, bad.stderr
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    not_a_dir = a_file / "data"  # a folder inside a file: not creatable, an unexpected error
    embedded = {"NEWSBOT_CHROMA_URL": ""}  # the data dir matters only to the embedded store
    odd = _run(["stats"], not_a_dir, **embedded)
    assert odd.returncode == 2 and len(_lines(odd.stderr)) == 1 and odd.stderr.startswith("error: "), odd.stderr
    for done in (empty, bad, odd):
        assert "Traceback" not in done.stderr and "╭" not in done.stderr and "─" not in done.stderr
    verbose = _run(["-v", "stats"], not_a_dir, **embedded)
    assert verbose.returncode == 2 and "Traceback" in verbose.stderr
    assert _lines(verbose.stderr)[-1] == _lines(odd.stderr)[0]


def test_a_rule_across_settings_is_one_line_naming_them(tmp_path):
    done = invoke_newsbot(["watches", "list"], tmp_path / "data", NEWSBOT_WATCHLIST_LEASE_SECONDS="20")
    assert done.exit_code == 2, (done.output, done.exception)
    assert _lines(done.stderr) == [
        "error: NEWSBOT_WATCHLIST_LEASE_SECONDS (20) must be more than twice NEWSBOT_WATCHLIST_CHECK_SECONDS (15) "
        "(see .env.example)"]

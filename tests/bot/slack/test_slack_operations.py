"""Operating the bot: `/metrics`, `/healthz` and `/readyz` from the real `newsbot serve` in
both Slack modes, the numbers moving with a question, and the staleness DM to the admin."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from tests.bot.slack.botproc import ADMIN, free_port, post, start_bot, stop_bot
from tests.bot.slack.fake_slack import sign, slash_command
from tests.bot.slack.test_slack_bot import SEED_QUESTION, ask_by_mention, final, placeholder

pytestmark = pytest.mark.slack


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text (0 when absent), labels in any order."""
    for line in text.splitlines():
        found = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if found and found.group(1) == name and dict(re.findall(r'(\w+)="([^"]*)"', found.group(2) or "")) == labels:
            return float(found.group(3))
    return 0.0


@pytest.fixture(scope="module")
def watched_bot(tmp_path_factory, seeded):
    port = free_port()
    bot = start_bot(tmp_path_factory, seeded, NEWSBOT_HEALTH_PORT=str(port), NEWSBOT_WATCH="true",
                    NEWSBOT_WATCH_INTERVAL="3600")
    bot.port = port
    yield bot
    stop_bot(bot)


def test_socket_mode_metrics_move_with_a_question_and_health_answers(watched_bot):
    base = f"http://127.0.0.1:{watched_bot.port}"
    assert get(base + "/healthz") == (200, "ok")
    assert get(base + "/readyz") == (200, "ok")
    status, before = get(base + "/metrics")
    assert status == 200 and sample(before, "newsbot_articles") == 2
    assert sample(before, "newsbot_chunks") >= 2
    ask_by_mention(watched_bot, "COPS1", SEED_QUESTION)
    _, after = get(base + "/metrics")
    answered = dict(surface="slack", outcome="answered")
    assert sample(after, "newsbot_questions_total", **answered) == sample(before, "newsbot_questions_total", **answered) + 1
    assert sample(after, "newsbot_answer_seconds_count", surface="slack") >= 1
    assert sample(after, "newsbot_queue_jobs", state="waiting") == 0


def test_stale_index_tells_the_admin_once(watched_bot):
    """The seeds are from January 2025: with the watcher on, the index is stale at once."""
    fake = watched_bot.fake
    dms = fake.wait_for(lambda: fake.calls_of("chat.postMessage", channel=ADMIN), 30, "a DM to the admin")
    assert "newest indexed article" in dms[0].args["text"]
    _, text = get(f"http://127.0.0.1:{watched_bot.port}/metrics")
    assert sample(text, "newsbot_index_stale") == 1
    assert sample(text, "newsbot_newest_article_age_seconds") > 86_400
    assert sample(text, "newsbot_ingest_runs_total", result="ok") >= 1  # the watcher's first poll
    time.sleep(1)
    assert len(fake.calls_of("chat.postMessage", channel=ADMIN)) == 1
    assert "stale" in watched_bot.log() or "newest indexed article" in watched_bot.log()


def test_http_mode_serves_metrics_beside_slack(tmp_path_factory, seeded):
    bot = start_bot(tmp_path_factory, seeded, http=True)
    try:
        base = f"http://127.0.0.1:{bot.port}"
        assert get(base + "/readyz") == (200, "ok")
        _, before = get(base + "/metrics")
        body = urlencode(slash_command(bot.fake, "/ask", SEED_QUESTION, "UALICE", "COPS2"))
        status, _, _ = post(bot.url, body, sign(body), "application/x-www-form-urlencoded")
        assert status == 200
        first = placeholder(bot.fake, "COPS2", None)
        final(bot.fake, "COPS2", first.ts)
        _, after = get(base + "/metrics")
        key = dict(surface="slack", outcome="answered")
        assert sample(after, "newsbot_questions_total", **key) == sample(before, "newsbot_questions_total", **key) + 1
    finally:
        stop_bot(bot)

"""`/digest` in Slack: the real `newsbot serve` (Socket Mode) against the fake Slack, on
the digest corpus; a channel with a scope gets a digest that cites only its outlets; a
scheduled digest (NEWSBOT_DIGESTS) is posted once, and not again after `kill -9` and a
restart on the same store."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from tests.bot.slack.botproc import start_bot, stop_bot
from tests.bot.slack.fake_slack import slash_command
from tests.conftest import run_newsbot, store_env
from tests.digest_corpus import PORT, ROUNDUP, VOLCANO, write_corpus

pytestmark = pytest.mark.slack
SCOPES = json.dumps({"CBBC": {"sources": ["BBC"]}})


@pytest.fixture(scope="module")
def digest_bot(tmp_path_factory):
    base = tmp_path_factory.mktemp("digest-slack")
    data_dir = base / "data"
    run_newsbot(["ingest", str(write_corpus(base / "src"))], data_dir)
    bot = start_bot(tmp_path_factory, data_dir, NEWSBOT_CHANNEL_SCOPES=SCOPES)
    yield bot
    stop_bot(bot)


def digest_in(bot, channel: str, text: str) -> dict:
    fake = bot.fake
    ack = fake.wait_ack(fake.send_envelope("slash_commands", slash_command(fake, "/digest", text, "UALICE", channel)))
    assert "Building the digest" in json.dumps(ack.payload)
    return fake.wait_for(lambda: next(iter(fake.calls_of("chat.postMessage", channel=channel)), None),
                         60, f"the digest in {channel}").args


def linked_urls(message: dict) -> list[str]:
    return [u.split("|")[0] for u in json.dumps(message["blocks"]).split("<")[1:] if u.startswith("http")]


def test_digest_posts_the_stories_in_the_channel(digest_bot):
    message = digest_in(digest_bot, "CALL", "2025-03-07")
    text = json.dumps(message["blocks"])
    assert text.index("Rotterdam") < text.index("Grindavik") < text.index("library")
    assert "Also reported by" in text and ROUNDUP[3] not in text
    every = {u for u, *_ in PORT + VOLCANO}
    assert {u for u in linked_urls(message) if "localtimes" not in u} <= every
    for block in message["blocks"]:
        for piece in [block.get("text")] + block.get("elements", []):
            assert piece is None or piece.get("verbatim") is True


def test_scoped_channel_digest_cites_only_its_outlets(digest_bot):
    message = digest_in(digest_bot, "CBBC", "port strike 2025-03-07")
    urls = linked_urls(message)
    assert urls and all(u.startswith("https://www.bbc.co.uk/") for u in urls)
    assert "Rotterdam" in json.dumps(message["blocks"]) and "Grindavik" not in json.dumps(message["blocks"])


def test_answers_in_a_scoped_channel_cite_only_its_outlets(digest_bot):
    from tests.bot.slack.test_slack_bot import ask_by_mention

    _, _, answer = ask_by_mention(digest_bot, "CBBC", "What is happening at the Rotterdam port?")
    urls = linked_urls(answer.args)
    assert urls and all(u.startswith("https://www.bbc.co.uk/") for u in urls), urls
    _, _, answer = ask_by_mention(digest_bot, "CALL", "What is happening at the Rotterdam port according to AP News?")
    urls = linked_urls(answer.args)
    assert urls and all(u.startswith("https://apnews.com/") for u in urls), urls


def posts_in(bot, channel: str) -> list:
    """The bot's posts in `channel`, waited for; on a timeout the bot's log says why."""
    try:
        return bot.fake.wait_for(lambda: bot.fake.calls_of("chat.postMessage", channel=channel), 120,
                                 f"a scheduled digest in {channel}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{bot.log()}") from None


def test_a_scheduled_digest_is_posted_once_across_kill_and_restart(tmp_path_factory):
    """The entry's time is just past when the bot starts, so it posts at once (a missed
    time is posted on start); killed with SIGKILL and started again on the same store
    (the data dir's copy, the same Chroma collection in server mode), it does not post
    that entry again. A second entry, due too, proves the restarted bot's check ran."""
    base = tmp_path_factory.mktemp("digest-scheduled")
    today = date.today().isoformat()
    port_today = [(url, source, today, title, text) for url, source, _, title, text in PORT]
    data_dir = base / "data"
    run_newsbot(["ingest", str(write_corpus(base / "src", port_today))], data_dir)
    just_past = max(datetime.now() - timedelta(minutes=2), datetime.combine(date.today(), datetime.min.time()))
    entry = f"CSCHED:{just_past:%H:%M}:port strike"

    first = start_bot(tmp_path_factory, data_dir, NEWSBOT_DIGESTS=entry)
    try:
        posted = posts_in(first, "CSCHED")
        assert len(posted) == 1
        text = json.dumps(posted[0].args["blocks"])
        assert "port strike" in text and "Rotterdam" in text
        assert {u for u in linked_urls(posted[0].args)} <= {u for u, *_ in PORT}
        first.process.kill()  # kill -9: no clean shutdown
        first.process.wait(15)
    finally:
        stop_bot(first)

    again = start_bot(tmp_path_factory, first.data_dir, **store_env(data_dir),
                      NEWSBOT_DIGESTS=f"{entry},CLATER:{just_past:%H:%M}")
    try:
        posts_in(again, "CLATER")  # the second entry's digest: the check ran
        assert again.fake.calls_of("chat.postMessage", channel="CSCHED") == []
    finally:
        stop_bot(again)

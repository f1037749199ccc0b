"""`/digest` in Slack: the real `newsbot serve` (Socket Mode) against the fake Slack, on
the digest corpus; a channel with a scope gets a digest that cites only its outlets."""

from __future__ import annotations

import json

import pytest

from tests.bot.slack.botproc import start_bot, stop_bot
from tests.bot.slack.fake_slack import slash_command
from tests.conftest import run_newsbot
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

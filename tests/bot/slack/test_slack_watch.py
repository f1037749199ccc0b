"""Watches end to end: the real `newsbot serve` (Socket Mode) against the fake Slack, new
articles ingested by the real CLI into the same store. `/watch`, `/watches`, `/unwatch`;
a new story posted once (not again for more outlets, nor after a restart); and the bot
killed with SIGKILL between a post's "posting" record and its "posted" record: restarted,
it never repeats a post Slack got, and posts once the one Slack never got. Two bots on one
Chroma server: one of them posts each story, once, and the other takes over when it dies."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.bot.slack import botproc
from tests.bot.slack.botproc import Bot, NEWSBOT, start_bot, stop_bot
from tests.bot.slack.fake_slack import APP_TOKEN, slash_command
from tests.bot.test_watch import write_batch
from tests.conftest import SERVER_URL, run_newsbot, store_env
from tests.digest_corpus import LIBRARY, OLD, PORT, VOLCANO

pytestmark = pytest.mark.slack
PASS_SECONDS = "0.5"
LEASE_SECONDS = "5"  # a killed bot's watch passes move to a replica (or its restart) after this
ROVER = [("https://science.example/mars-rover-sample", "Science Daily", "2025-03-14",
          "Mars rover seals its tenth rock sample for return to Earth",
          "NASA's Perseverance rover sealed its tenth rock sample on Friday, a core drilled from an ancient "
          "river delta in Jezero crater. Mission scientists said the sample may hold traces of past microbial "
          "life and will be collected by a later mission for return to Earth.")]


@pytest.fixture
def index_dir(tmp_path_factory) -> Path:
    """Each test's own (in server mode: its own collection), as each ingests into it."""
    base = tmp_path_factory.mktemp("watch-index")
    (base / "hostile").mkdir()
    data_dir = base / "data"
    run_newsbot(["ingest", str(write_batch(base / "src", "first", LIBRARY + OLD))], data_dir)
    return data_dir


@pytest.fixture
def watch_bot(tmp_path_factory, index_dir):
    bot = start_bot(tmp_path_factory, index_dir, NEWSBOT_WATCHLIST_CHECK_SECONDS=PASS_SECONDS,
                    NEWSBOT_WATCHLIST_LEASE_SECONDS=LEASE_SECONDS)
    holder = {"bot": bot}
    yield holder
    bot.fake.release()
    if "replica" in holder:
        stop_bot_keep_fake(holder["replica"])
    stop_bot(holder["bot"])


def command(bot: Bot, name: str, text: str, channel: str = "CNEWS") -> str:
    fake = bot.fake
    ack = fake.wait_ack(fake.send_envelope("slash_commands", slash_command(fake, name, text, "UALICE", channel)), 10)
    return json.dumps(ack.payload)


def ingest(bot: Bot, index_dir: Path, name: str, rows) -> None:
    """The CLI writes into the bot's store (its data dir; in server mode its collection)."""
    folder = bot.data_dir.parent / "src"
    run_newsbot(["ingest", str(write_batch(folder, name, rows))], bot.data_dir, **store_env(index_dir))


def watch_posts(bot: Bot, watch_id: str) -> list:
    return [c for c in bot.fake.calls_of("chat.postMessage")
            if (c.args.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith(watch_id + ":")]


def serve_again(bot: Bot, index_dir: Path) -> Bot:
    """A restart: `newsbot serve` on the same data dir, against the same fake Slack."""
    fake, seen = bot.fake, bot.fake.connections
    env = botproc._env(bot.data_dir, index_dir.parent / "hostile", fake,
                       **{**store_env(index_dir), **bot.extra, "SLACK_APP_TOKEN": APP_TOKEN})
    log_path = bot.log_path.with_name(f"bot-{seen}.log")
    process = subprocess.Popen([NEWSBOT, "-v", "serve"], env=env, cwd=bot.log_path.parent,
                               stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    again = Bot(fake, process, bot.data_dir, log_path, None, bot.extra)
    fake.wait_for(lambda: not again.alive() or ("newsbot: serving" in again.log() and fake.connections > seen),
                  120, "the restarted bot")
    assert again.alive(), again.log()
    return again


def killed(bot: Bot) -> None:
    bot.process.send_signal(signal.SIGKILL)
    bot.process.wait(10)


def test_watch_posts_each_new_story_once_across_outlets_and_a_restart(watch_bot, index_dir):
    bot = watch_bot["bot"]
    reply = command(bot, "/watch", "Rotterdam port strike dockworkers")
    port = re.search(r"`(w[0-9a-f]{6})`", reply).group(1)
    assert "Watching" in reply
    assert port in command(bot, "/watches", "") and "No watches" in command(bot, "/watches", "", channel="COTHER")
    volcano = re.search(r"`(w[0-9a-f]{6})`", command(bot, "/watch", "Iceland volcano eruption Grindavik")).group(1)

    ingest(bot, index_dir, "reuters", PORT[:1])
    (post,) = bot.fake.wait_for(lambda: watch_posts(bot, port), 60, "the port strike post")
    assert post.args["channel"] == "CNEWS" and "Rotterdam" in json.dumps(post.args["blocks"])

    ingest(bot, index_dir, "more", PORT[1:] + VOLCANO)  # the same story from two more outlets, and a new one
    bot.fake.wait_for(lambda: watch_posts(bot, volcano), 60, "the volcano post")
    assert len(watch_posts(bot, port)) == 1 and len(watch_posts(bot, volcano)) == 1

    stop_bot_keep_fake(bot)
    bot = watch_bot["bot"] = serve_again(bot, index_dir)
    assert "Stopped watching" in command(bot, "/unwatch", volcano)
    assert volcano not in command(bot, "/watches", "")
    rover = re.search(r"`(w[0-9a-f]{6})`", command(bot, "/watch", "Mars rover rock sample")).group(1)
    ingest(bot, index_dir, "rover", ROVER)  # a pass of the restarted bot over a new article
    bot.fake.wait_for(lambda: watch_posts(bot, rover), 60, "the rover post")
    assert len(watch_posts(bot, port)) == 1 and len(watch_posts(bot, volcano)) == 1


def leading(bot: Bot) -> bool:
    """Whether the bot's last word on the watch passes is that it leads them."""
    said = [line for line in bot.log().splitlines() if "watch passes:" in line]
    return bool(said) and "this process leads" in said[-1]


def stop_bot_keep_fake(bot: Bot) -> None:
    if bot.alive():
        bot.process.terminate()
        bot.process.wait(15)


@pytest.mark.skipif(not SERVER_URL, reason="bots share a store only through a Chroma server: the server pass runs this")
def test_two_bots_on_one_store_post_each_story_once(watch_bot, index_dir):
    first = watch_bot["bot"]
    second = watch_bot["replica"] = serve_again(first, index_dir)  # a replica: the same store and Slack
    port = re.search(r"`(w[0-9a-f]{6})`", command(second, "/watch", "Rotterdam port strike dockworkers")).group(1)
    volcano = re.search(r"`(w[0-9a-f]{6})`", command(second, "/watch", "Iceland volcano eruption Grindavik")).group(1)

    ingest(first, index_dir, "reuters", PORT[:1])
    first.fake.wait_for(lambda: watch_posts(first, port), 60, "the port strike post")
    time.sleep(10 * float(PASS_SECONDS))  # passes of both bots
    assert len(watch_posts(first, port)) == 1, first.log() + second.log()

    leads = [bot for bot in (first, second) if leading(bot)]
    assert len(leads) == 1, first.log() + second.log()
    killed(leads[0])  # the leader dies: the other bot takes the passes over once its lease ends
    other = second if leads[0] is first else first
    ingest(other, index_dir, "volcano", VOLCANO)
    other.fake.wait_for(lambda: watch_posts(other, volcano), 60, "the volcano post from the other bot")
    time.sleep(5 * float(PASS_SECONDS))
    assert len(watch_posts(other, volcano)) == 1 and len(watch_posts(other, port)) == 1, other.log()


@pytest.mark.parametrize("hold", ["delivered", "lost"])
def test_sigkill_between_the_records_never_repeats_a_post(watch_bot, index_dir, hold):
    """delivered: Slack has the message, the bot died before recording it → not sent again.
    lost: the message never reached Slack → posted once more after the restart."""
    bot = watch_bot["bot"]
    watch = re.search(r"`(w[0-9a-f]{6})`", command(bot, "/watch", "Iceland volcano eruption Grindavik")).group(1)
    bot.fake.hold = hold
    ingest(bot, index_dir, "volcano", VOLCANO)
    bot.fake.wait_for(bot.fake.held.is_set, 60, "the held chat.postMessage")
    killed(bot)
    bot.fake.release()
    bot = watch_bot["bot"] = serve_again(bot, index_dir)
    expected = "had arrived; not sent again" if hold == "delivered" else "never arrived; posting it once more"
    bot.fake.wait_for(lambda: expected in bot.log(), 60, f"the restarted bot settling the {hold} post")
    bot.fake.wait_for(lambda: len(watch_posts(bot, watch)) == 1, 30, "exactly one post")
    time.sleep(5 * float(PASS_SECONDS))  # a few more passes of the restarted bot
    assert len(watch_posts(bot, watch)) == 1, bot.log()

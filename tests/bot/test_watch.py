"""Watch passes on a real store fed by the real CLI, posting through a real Slack WebClient
to the fake Slack: new stories posted once per watch (several outlets, a restart, a lost
mark), inside the channel's scope, escaped, and what a restart does with a post that a
crash left between its two records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.watch.post import EVENT_TYPE, Poster
from bot.watch.run import WatchRunner
from index.watches import Post, WatchStore
from tests.bot.slack.botproc import HOSTILE_ARTICLE
from tests.bot.slack.fake_slack import BOT_TOKEN, FakeSlack
from tests.conftest import make_settings, run_newsbot
from tests.digest_corpus import LIBRARY, OLD, PORT, ROUNDUP, VOLCANO

SCOPES = {"CBBC": {"sources": ["BBC"]}}


def write_batch(folder: Path, name: str, rows) -> Path:
    """Articles as one JSONL file of records (url, source, published, title, text)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(dict(zip(("url", "source", "published", "title", "text"), row))) + "\n"
                            for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def fake():
    fake = FakeSlack().start()
    yield fake
    fake.release()
    fake.stop()


@pytest.fixture
def world(tmp_path, fake):
    """A store holding the library and old stories, and a runner as `newsbot serve` has it."""
    data_dir = tmp_path / "data"
    run_newsbot(["ingest", str(write_batch(tmp_path / "src", "first", LIBRARY + OLD))], data_dir)
    settings = make_settings(data_dir, llm="none", channel_scopes=SCOPES,
                             watchlist_check_seconds=0.5, watchlist_lease_seconds=3)

    def runner() -> WatchRunner:  # a new one: as a restarted bot makes it
        from index.store import open_store

        return WatchRunner(settings, open_store(settings), WebClient(token=BOT_TOKEN, base_url=fake.api_url))

    return tmp_path, data_dir, runner


def posts_in(fake, channel: str) -> list[dict]:
    return [c.args for c in fake.calls_of("chat.postMessage", channel=channel)]


def shown(message: dict) -> str:
    return json.dumps(message["blocks"]) + json.dumps(message["text"])


def test_each_new_story_is_posted_once_per_watch_inside_the_scope(world, fake):
    tmp_path, data_dir, runner = world
    bot = runner()
    watches = bot.watches
    port = watches.add("CALL", "Rotterdam port strike dockworkers")
    volcano = watches.add("CALL", "Iceland volcano eruption Grindavik")
    scoped = watches.add("CBBC", "Rotterdam port strike dockworkers")
    assert bot.tick() == []  # nothing new since the watches were made: no backlog posted

    run_newsbot(["ingest", str(write_batch(tmp_path / "src", "reuters", PORT[:1]))], data_dir)
    made = bot.tick()
    assert [(p.watch, p.state) for p in made] == [(port.id, "posted")]
    (message,) = posts_in(fake, "CALL")
    assert "Rotterdam" in shown(message) and PORT[0][0] in shown(message)
    assert message["metadata"] == {"event_type": EVENT_TYPE, "event_payload": {"key": f"{port.id}:{made[0].key}"}}
    assert all(b["text"]["verbatim"] is True for b in message["blocks"])
    assert posts_in(fake, "CBBC") == []  # Reuters is outside the BBC channel's scope

    rest = PORT[1:] + VOLCANO + [ROUNDUP]  # two more outlets on the port strike, a new story, a roundup
    run_newsbot(["ingest", str(write_batch(tmp_path / "src", "more", rest))], data_dir)
    made = bot.tick()
    assert sorted(p.watch for p in made) == sorted([volcano.id, scoped.id])
    assert len(posts_in(fake, "CALL")) == 2 and "Grindavik" in shown(posts_in(fake, "CALL")[1])
    (bbc,) = posts_in(fake, "CBBC")
    assert "bbc.co.uk" in shown(bbc) and "reuters.com" not in shown(bbc) and "apnews.com" not in shown(bbc)
    assert not any(ROUNDUP[0] in shown(m) for m in posts_in(fake, "CALL") + posts_in(fake, "CBBC"))

    bot.release()  # a clean stop: the restarted runner leads at once
    restarted = runner()
    assert restarted.tick() == [] and restarted.leadership.leading
    for watch in restarted.watches.list():  # as if the write log were lost: every article scored again
        watch.mark = 0
        restarted.watches.save(watch)
    assert restarted.tick() == [] and len(fake.calls_of("chat.postMessage")) == 3


def test_posted_text_never_pings(world, fake):
    tmp_path, data_dir, runner = world
    bot = runner()
    bot.watches.add("CALL", "Harbor Bridge repairs Riverton council")
    (tmp_path / "hostile").mkdir()
    (tmp_path / "hostile" / "harbor.txt").write_text(HOSTILE_ARTICLE)
    run_newsbot(["ingest", str(tmp_path / "hostile")], data_dir)
    assert len(bot.tick()) == 1
    (message,) = posts_in(fake, "CALL")
    for text in [message["text"]] + [b["text"]["text"] for b in message["blocks"]]:
        assert "<@" not in text and "<!" not in text and "evil.example" not in text.replace("&lt;https://evil", "")


def begun(watches: WatchStore, fake, key: str, delivered: bool, state: str = "posting") -> Post:
    """A post record as a process killed after writing it leaves it (the message sent or not)."""
    from index.watches import now_iso

    watch = watches.add("CALL", f"story {key}")
    post = Post(watch=watch.id, key=key, channel="CALL", state=state, articles=[key], at=now_iso(),
                text=f"story {key}", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": key}}])
    watches.put_post(post)
    if delivered:
        WebClient(token=BOT_TOKEN, base_url=fake.api_url).chat_postMessage(
            channel="CALL", text=post.text, metadata={"event_type": EVENT_TYPE, "event_payload": {"key": f"{watch.id}:{key}"}})
    return post


def test_a_restart_settles_interrupted_posts_without_repeating_one(world, fake):
    _, _, runner = world
    watches = runner().watches
    arrived = begun(watches, fake, "arrived", delivered=True)
    lost = begun(watches, fake, "lost", delivered=False)
    retried = begun(watches, fake, "retried", delivered=False, state="retrying")
    sent_before = len(fake.calls_of("chat.postMessage"))
    settled = {p.key: p.state for p in Poster(runner().watches, WebClient(token=BOT_TOKEN, base_url=fake.api_url)).recover()}
    assert settled == {"arrived": "posted", "lost": "posted", "retried": "dropped"}
    again = fake.calls_of("chat.postMessage")[sent_before:]
    assert [c.args["text"] for c in again] == ["story lost"]  # only the one Slack never got
    assert {p.key: p.state for p in watches.posts(arrived.watch)} == {"arrived": "posted"}
    assert {p.key: p.state for p in watches.posts(lost.watch)} == {"lost": "posted"}
    assert {p.key: p.state for p in watches.posts(retried.watch)} == {"retried": "dropped"}
    assert watches.unfinished() == []


def test_unreadable_history_drops_rather_than_risks_a_repeat(world, fake):
    _, _, runner = world
    watches = runner().watches
    begun(watches, fake, "unknown", delivered=False)
    fake.fail_next["conversations.history"] = "missing_scope"
    sent_before = len(fake.calls_of("chat.postMessage"))
    settled = Poster(watches, WebClient(token=BOT_TOKEN, base_url=fake.api_url)).recover()
    assert [(p.key, p.state) for p in settled] == [("unknown", "dropped")]
    assert len(fake.calls_of("chat.postMessage")) == sent_before

"""In-process checks of the pieces that need no Slack: Block Kit limits, escaping, the
follow-up rewrite, the queued notice, the seen-set, the answer timeout and the configuration errors."""

from __future__ import annotations

import subprocess
import time

import pytest

from bot.answer import Answer, Citation
from bot.slack import blocks
from bot.slack.followup import standalone_question
from bot.slack.mrkdwn import escape, link, safe_url
from bot.slack.runtime import SlackBot
from tests.bot.slack.botproc import NEWSBOT, base_env
from tests.bot.slack.fake_slack import FakeSlack
from index.settings import Settings

pytestmark = pytest.mark.slack


def citation(n: int, title: str = "Title", url: str | None = "https://news.example/a?b=1&c=2") -> Citation:
    return Citation(n, f"a{n}", title, "2025-01-24", url, "seeds/x.txt", f"a{n}-0", "quote")


def test_escape_defuses_mentions_and_links():
    assert escape("<!channel> & <@U123> <https://evil|click>") == (
        "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://evil|click&gt;")
    assert link("https://x.example/a|b>c", "T <!here>") == "<https://x.example/a%7Cb%3Ec|T &lt;!here&gt;>"
    assert safe_url("javascript:alert(1)") is None


def test_long_answer_splits_at_words_within_block_limits():
    words = " ".join(f"word{i}" for i in range(40_000))  # ~330k chars
    result = Answer("q", words + " [1]", False, [citation(i) for i in range(1, 13)], "none")
    text, made = blocks.answer_blocks(result)
    assert len(made) <= 50
    sections = [b["text"]["text"] for b in made if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections)
    for s in sections[:-1]:
        assert s.split()[-1].startswith("word") and s.split()[-1][4:].isdigit()
    contexts = [b for b in made if b["type"] == "context"]
    assert [len(c["elements"]) for c in contexts] == [10, 2]
    assert contexts[0]["elements"][0]["text"] == "[1] <https://news.example/a?b=1&amp;c=2|Title> · Jan 24, 2025"
    assert len(text) <= 3000


def test_markers_link_to_their_article():
    result = Answer("q", "Waivers total $5.2 million [1]. Pending <b> [2].", False,
                    [citation(1), citation(2, url=None)], "none")
    _, made = blocks.answer_blocks(result)
    body = made[0]["text"]["text"]
    assert "<https://news.example/a?b=1&amp;c=2|[1]>" in body and "[2]." in body and "&lt;b&gt;" in body


def test_refusal_says_the_articles_do_not_cover_it():
    text, made = blocks.answer_blocks(Answer("q", "x", True, [], "none"))
    assert "do not cover" in text and made[-1]["type"] == "actions"


def test_a_refusal_offers_related_reading_linked_and_escaped():
    related = [citation(1, title="Border <!here> waivers"), citation(2, url=None)]
    text, made = blocks.answer_blocks(Answer("q", "x", True, [], "none", related=related))
    context = next(b for b in made if b["type"] == "context")["elements"][0]["text"]
    assert context.startswith("Related articles (none states the answer): ")
    assert "<https://news.example/a?b=1&amp;c=2|Border &lt;!here&gt; waivers> · Jan 24, 2025" in context
    assert "<!here>" not in context and made[-1]["type"] == "actions"
    assert blocks.related_blocks(Answer("q", "x", True, [], "none")) == []


def test_follow_up_rewrite():
    earlier = ["How much money in waivers have Mexican programs received?"]
    assert standalone_question("and how much is still pending?", earlier) == (
        "and how much is still pending? (about: money waivers Mexican programs received)")
    assert standalone_question("What about Canada?", []) == "What about Canada?"


class Client:
    """Records Web API calls like slack_sdk's WebClient would make them."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self._n = 0

    def chat_postMessage(self, **kw):
        self._n += 1
        self.calls.append(("chat.postMessage", kw))
        return {"ok": True, "ts": f"{self._n}.0"}

    def chat_update(self, **kw):
        self.calls.append(("chat.update", kw))
        return {"ok": True}

    def texts(self) -> list[str]:
        return [kw["text"] for _, kw in self.calls]


class SlowEngine:
    def __init__(self, seconds: float):
        self.seconds = seconds

    def article_count(self) -> int:
        return 1234

    def answer(self, question: str) -> Answer:
        time.sleep(self.seconds)
        return Answer(question, "An answer [1].", False, [citation(1)], "none")

    def stream(self, question: str):
        from bot.streaming import Done, Reading

        yield Reading([])
        yield Done(self.answer(question))


def slow_bot(settings: Settings, seconds: float) -> SlackBot:
    """A bot whose engine only sleeps: the pool and timeout rules without a store (the
    channel scope, which reads the store, is tested with the real one elsewhere)."""
    bot = SlackBot(settings, SlowEngine(seconds), "UBOT")
    bot.engine_for = lambda channel: bot.engine
    return bot


def wait_until(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_full_pool_tells_the_user_the_question_is_queued(tmp_path):
    settings = Settings(data_dir=tmp_path, slack_workers=1)
    bot = slow_bot(settings, 0.3)
    client = Client()
    bot.ask(client, "C1", "first?", "U1", thread_ts="1.0")
    bot.ask(client, "C1", "second?", "U1", thread_ts="2.0")
    assert client.texts()[0].startswith(":mag: Searching 1,234 articles")
    assert "queued behind 1" in client.texts()[1]
    wait_until(lambda: sum(1 for t in client.texts() if t.startswith("An answer")) == 2)
    bot.shutdown()


def test_seen_set_forgets_after_its_ttl_and_keeps_at_most_max_size():
    from bot.slack.pool import SeenSet

    seen = SeenSet(ttl=0.3, max_size=2)
    assert seen.add("a") and not seen.add("a") and "a" in seen
    assert seen.add("b") and seen.add("c")
    assert "a" not in seen and "b" in seen and "c" in seen  # the oldest went first
    time.sleep(0.35)
    assert "c" not in seen and seen.add("c")


def test_timeout_gives_a_short_message(tmp_path):
    settings = Settings(data_dir=tmp_path, answer_timeout=0.2)
    bot = slow_bot(settings, 1.0)
    client = Client()
    bot.ask(client, "C1", "slow?", "U1", thread_ts="1.0")
    wait_until(lambda: any(t == blocks.TIMEOUT_TEXT for t in client.texts()))
    bot.shutdown()


def test_allowed_channels(tmp_path):
    bot = SlackBot(Settings(data_dir=tmp_path, allowed_channels=["CNEWS"]), SlowEngine(0), "UBOT")
    assert bot.allowed("CNEWS") and bot.allowed("DALICE") and not bot.allowed("CRANDOM")


def _serve(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSBOT, "serve", *args], env=dict(base_env(), **env), capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("env,args,says", [
    ({}, [], "SLACK_BOT_TOKEN is not set"),
    ({"SLACK_BOT_TOKEN": "not-a-token"}, [], "should start with xoxb-"),
    ({"SLACK_BOT_TOKEN": "xoxb-1-2"}, [], "SLACK_APP_TOKEN is not set"),
    ({"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_APP_TOKEN": "xoxb-3"}, [], "should start with xapp-"),
    ({"SLACK_BOT_TOKEN": "xoxb-1-2"}, ["--http"], "HTTP mode needs SLACK_SIGNING_SECRET"),
])
def test_configuration_errors_are_one_line(env, args, says):
    done = _serve(env, *args)
    assert done.returncode != 0
    assert says in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_rejected_token_is_one_line():
    fake = FakeSlack().start()
    try:
        done = _serve({"SLACK_BOT_TOKEN": "xoxb-wrong-token", "SLACK_APP_TOKEN": "xapp-1-x",
                       "SLACK_API_URL": fake.api_url})
        assert fake.calls_of("auth.test")  # SLACK_API_URL is used
    finally:
        fake.stop()
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "error: Slack rejected SLACK_BOT_TOKEN: invalid_auth"


def test_rejected_app_token_is_one_line():
    from tests.bot.slack.fake_slack import BOT_TOKEN

    fake = FakeSlack().start()
    try:
        done = _serve({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1-wrong", "SLACK_API_URL": fake.api_url})
        assert fake.calls_of("apps.connections.open")
    finally:
        fake.stop()
    assert done.returncode != 0
    assert done.stderr.strip() == "error: Slack rejected SLACK_APP_TOKEN: invalid_auth"


class BrokenEngine(SlowEngine):
    def stream(self, question: str):
        from index.store import StoreError

        raise StoreError("the store is gone")


def test_retrieval_failure_gives_a_short_message_and_the_pool_goes_on(tmp_path):
    bot = SlackBot(Settings(data_dir=tmp_path, slack_workers=1), BrokenEngine(0), "UBOT")
    client = Client()
    bot.ask(client, "C1", "anything?", "U1", thread_ts="1.0")
    bot.ask(client, "C1", "again?", "U1", thread_ts="2.0")
    wait_until(lambda: client.texts().count(blocks.ERROR_TEXT) == 2)
    bot.shutdown()


def test_unreachable_slack_is_one_line():
    """Without SLACK_API_URL the bot goes to slack.com, which the test harness blocks."""
    done = _serve({"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_APP_TOKEN": "xapp-1-2"})
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("error: cannot reach Slack at https://slack.com/api/")


class _OneVectorStore:
    """What `suggested_prompts` reads of a store: each article's chunk vectors (one each)."""

    class collection:  # noqa: N801 - mimics Store.collection
        @staticmethod
        def get(where, include):
            ids = where["article_id"]["$in"]
            return {"embeddings": [[1.0, 0.0]] * len(ids), "metadatas": [{"article_id": a} for a in ids]}


def test_the_assistant_pane_always_suggests_two_to_four_questions():
    from datetime import date

    from bot.slack.assistant_intro import Article, suggested_prompts

    today = date(2026, 12, 6)
    one = suggested_prompts(_OneVectorStore, [Article("a1", "Rubio grants waivers to Mexican programs", "2025-01-24")],
                            today=today)
    assert len(one) == 2 and one[0]["title"].startswith("Rubio grants") and one[1]["message"] == "What's the latest news?"
    undated = suggested_prompts(_OneVectorStore, [Article("b1", "Mobile games go mainstream", None)], today=today)
    assert [p["title"] for p in undated] == ["Mobile games go mainstream", "What's the latest news?"]
    assert len(suggested_prompts(_OneVectorStore, [], today=today)) == 2
    heads = ["Port strike halts Rotterdam", "Volcano erupts near Grindavik", "Council approves library",
             "Chipmaker builds Ohio factory", "Senate passes defence bill", "Wildfire burns northern forest"]
    many = [Article(f"c{i}", head, "2026-12-05") for i, head in enumerate(heads)]
    shown = suggested_prompts(_OneVectorStore, many, today=today)
    assert len(shown) == 4 and shown[0]["title"] == "What's new today?"

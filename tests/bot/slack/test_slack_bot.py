"""The real `newsbot serve` process against a fake Slack: Socket Mode and HTTP, retries,
signatures, hostile text, feedback, re-indexing and a failing LLM."""

from __future__ import annotations

import json
import time

import pytest

from tests.bot.slack.botproc import ADMIN, post, record_timing, start_bot, stop_bot
from tests.bot.slack.fake_slack import (
    BOT_USER,
    FakeSlack,
    block_action,
    channel_message,
    event_callback,
    mention,
    sign,
    slash_command,
)

pytestmark = pytest.mark.slack

SEED_QUESTION = "How much money in waivers have Mexican programs received?"
SEED_TITLE = "Rubio Uses Waivers"
WORKING = (":mag:", ":hourglass_flowing_sand:")


def placeholder(fake: FakeSlack, channel: str, thread_ts: str | None, timeout: float = 10.0):
    """The bot's first message in the thread (or channel, for thread_ts=None)."""

    def find():
        for c in fake.calls_of("chat.postMessage", channel=channel):
            if (c.args.get("thread_ts") or None) == thread_ts:
                return c

    return fake.wait_for(find, timeout, f"a placeholder in {channel}/{thread_ts}")


def final(fake: FakeSlack, channel: str, ts: str, timeout: float = 60.0):
    """The `chat.update` that turned the placeholder `ts` into the answer (or an error)."""

    def find():
        done = [c for c in fake.calls_of("chat.update", channel=channel, ts=ts)
                if not str(c.args.get("text", "")).startswith(WORKING)]
        return done[-1] if done else None

    return fake.wait_for(find, timeout, f"the answer replacing {ts}")


def everything_posted(call) -> str:
    return json.dumps(call.args.get("text", "")) + json.dumps(call.args.get("blocks", []))


def ask_by_mention(bot, channel: str, question: str, name: str | None = None, **kw):
    """Mention the bot over Socket Mode; (message, placeholder call, final call)."""
    fake = bot.fake
    message = fake.user_message(channel, f"<@{BOT_USER}> {question}", **kw)
    sent = time.monotonic()
    envelope = fake.send_envelope("events_api", event_callback(mention(message)))
    ack = fake.wait_ack(envelope)
    assert ack.at - sent < 3.0
    first = placeholder(fake, channel, message.get("thread_ts") or message["ts"])
    assert first.at - sent < 1.0, "the placeholder should come within a second"
    answer = final(fake, channel, first.ts)
    if name:
        record_timing(name, first.at - sent, answer.at - sent)
    return message, first, answer




# --- Socket Mode ---------------------------------------------------------------------


def test_socket_mention_answers_in_thread_citing_the_seed(socket_bot):
    message, first, answer = ask_by_mention(socket_bot, "CNEWS1", SEED_QUESTION, name="socket mention (LLM none)")
    assert first.args["thread_ts"] == message["ts"]
    assert "Searching 2 articles" in first.args["text"]
    assert first.result["ts"] == answer.args["ts"]
    posted = everything_posted(answer)
    assert "$5.2 million" in answer.args["text"]
    assert SEED_TITLE in posted and "Jan 24, 2025" in posted
    kinds = [b["type"] for b in answer.args["blocks"]]
    assert kinds[0] == "section" and "context" in kinds and kinds[-1] == "actions"
    assert len(kinds) <= 50


def test_socket_redelivery_answers_once(socket_bot):
    fake = socket_bot.fake
    message = fake.user_message("CNEWS2", f"<@{BOT_USER}> {SEED_QUESTION}")
    body = event_callback(mention(message))
    for attempt in (0, 1, 2):
        fake.wait_ack(fake.send_envelope("events_api", body, retry_attempt=attempt))
    first = placeholder(fake, "CNEWS2", message["ts"])
    final(fake, "CNEWS2", first.ts)
    time.sleep(0.5)
    assert len(fake.calls_of("chat.postMessage", channel="CNEWS2")) == 1


def test_dm_is_answered(socket_bot):
    fake = socket_bot.fake
    message = fake.user_message("DALICE", SEED_QUESTION)
    sent = time.monotonic()
    fake.wait_ack(fake.send_envelope("events_api", event_callback(channel_message(message, "im"))))
    first = placeholder(fake, "DALICE", None)
    answer = final(fake, "DALICE", first.ts)
    record_timing("socket DM (LLM none)", first.at - sent, answer.at - sent)
    assert "$5.2 million" in answer.args["text"]


def test_slash_command_answers_and_shows_the_escaped_question(socket_bot):
    fake = socket_bot.fake
    sent = time.monotonic()
    envelope = fake.send_envelope(
        "slash_commands", slash_command(fake, "/ask", f"{SEED_QUESTION} <!here>", "UALICE", "CNEWS3"))
    fake.wait_ack(envelope)
    first = placeholder(fake, "CNEWS3", None)
    answer = final(fake, "CNEWS3", first.ts)
    record_timing("socket /ask (LLM none)", first.at - sent, answer.at - sent)
    assert "$5.2 million" in answer.args["text"]
    assert "&lt;!here&gt;" in answer.args["text"] and "<!here>" not in everything_posted(answer)


def test_slash_command_where_the_bot_is_not_a_member_says_so(socket_bot):
    fake = socket_bot.fake
    envelope = fake.send_envelope("slash_commands", slash_command(fake, "/ask", SEED_QUESTION, "UALICE", "CNOTIN1"))
    fake.wait_ack(envelope)
    said = fake.wait_for(lambda: fake.calls_of("response_url"), 10, "a response_url reply")
    assert "/invite @newsbot" in said[0].args["text"] and said[0].args["response_type"] == "ephemeral"


def test_thread_follow_up_is_rewritten_and_answered(socket_bot):
    fake = socket_bot.fake
    question, _, _ = ask_by_mention(socket_bot, "CNEWS4", SEED_QUESTION)
    follow = fake.user_message("CNEWS4", "and how much is still pending?", thread_ts=question["ts"])
    sent = time.monotonic()
    fake.wait_ack(fake.send_envelope("events_api", event_callback(channel_message(follow))))

    def second_placeholder():
        posts = [c for c in fake.calls_of("chat.postMessage", channel="CNEWS4")]
        return posts[1] if len(posts) > 1 else None

    first = fake.wait_for(second_placeholder, 10, "the follow-up's placeholder")
    assert first.args["thread_ts"] == question["ts"]
    answer = final(fake, "CNEWS4", first.ts)
    record_timing("socket thread follow-up (LLM none)", first.at - sent, answer.at - sent)
    assert "2.5 million" in answer.args["text"]
    assert fake.calls_of("conversations.replies", channel="CNEWS4")
    assert "follow-up rewritten" in socket_bot.log() and "(about: money waivers" in socket_bot.log()


def test_own_bot_edited_and_subtype_messages_are_ignored(socket_bot):
    fake = socket_bot.fake
    base = fake.user_message("CQUIET", f"<@{BOT_USER}> {SEED_QUESTION}")
    ignored = [
        mention(dict(base, user=BOT_USER, ts=fake.next_ts())),
        mention(dict(base, bot_id="BOTHER", ts=fake.next_ts())),
        channel_message(dict(base, subtype="message_changed", ts=fake.next_ts())),
        channel_message(dict(base, subtype="bot_message", ts=fake.next_ts(), thread_ts=base["ts"])),
        mention(dict(base, edited={"user": "UALICE", "ts": "1"}, ts=fake.next_ts())),
        channel_message(dict(base, ts=fake.next_ts())),  # top-level chatter, no mention event
    ]
    for event in ignored:
        fake.wait_ack(fake.send_envelope("events_api", event_callback(event)))
    ask_by_mention(socket_bot, "CLOUD", SEED_QUESTION)  # handled after the ignored ones
    time.sleep(0.3)
    assert not fake.calls_of("chat.postMessage", channel="CQUIET")


def test_feedback_press_is_written_to_feedback_jsonl(socket_bot):
    fake = socket_bot.fake
    message, first, answer = ask_by_mention(socket_bot, "CNEWS5", SEED_QUESTION)
    answered = {"ts": answer.args["ts"], "text": answer.args["text"], "thread_ts": message["ts"]}
    envelope = fake.send_envelope("interactive", block_action("CNEWS5", answered, "UBOB", "up"))
    fake.wait_ack(envelope, timeout=3)
    path = socket_bot.data_dir / "feedback.jsonl"
    fake.wait_for(lambda: path.exists() and path.read_text().strip(), 10, "feedback.jsonl")
    record = json.loads(path.read_text().splitlines()[-1])
    assert record["value"] == "up" and record["user"] == "UBOB" and record["channel"] == "CNEWS5"
    assert record["question"] == SEED_QUESTION and "$5.2 million" in record["answer"]
    assert record["citations"][0]["title"].startswith(SEED_TITLE) and record["time"]
    log_file = socket_bot.data_dir / "questions.jsonl"
    entries = [json.loads(line) for line in log_file.read_text().splitlines()]
    asked = [e for e in entries if e["kind"] == "question" and e["channel"] == "CNEWS5"]
    assert len(asked) == 1 and asked[0]["surface"] == "slack" and asked[0]["question"] == SEED_QUESTION
    assert asked[0]["citations"][0]["title"].startswith(SEED_TITLE) and asked[0]["refused"] is False
    votes = [e for e in entries if e["kind"] == "feedback" and e["id"] == asked[0]["id"]]
    assert [(v["value"], v["user"]) for v in votes] == [("up", "UBOB")]


def test_reindex_by_admin_posts_the_result(socket_bot):
    fake = socket_bot.fake
    envelope = fake.send_envelope("slash_commands", slash_command(fake, "/reindex", "", ADMIN, "CADMIN"))
    fake.wait_ack(envelope)
    first = placeholder(fake, "CADMIN", None)
    assert "Re-indexing" in first.args["text"]
    done = final(fake, "CADMIN", first.ts, timeout=120)
    assert "Re-index done" in done.args["text"] and "0 new" in done.args["text"]
    assert "2 unchanged" in done.args["text"] and "0 skipped" in done.args["text"]


def test_reindex_by_non_admin_is_refused(socket_bot):
    fake = socket_bot.fake
    envelope = fake.send_envelope("slash_commands", slash_command(fake, "/reindex", "", "UMALLORY", "CMAL"))
    ack = fake.wait_ack(envelope)
    assert "only the bot's admins" in json.dumps(ack.payload)
    message = fake.user_message("CMAL", f"<@{BOT_USER}> reindex", user="UMALLORY")
    fake.wait_ack(fake.send_envelope("events_api", event_callback(mention(message))))
    refusal = placeholder(fake, "CMAL", message["ts"])
    assert "only the bot's admins" in refusal.args["text"]
    time.sleep(0.3)
    assert not [c for c in fake.calls if c.args.get("channel") == "CMAL" and "Re-index" in str(c.args.get("text"))]


def test_hostile_article_text_is_escaped_and_not_obeyed(socket_bot):
    fake = socket_bot.fake
    question = "What did the Riverton city council approve for the Harbor Bridge repairs?"
    message, first, answer = ask_by_mention(socket_bot, "CNEWS6", question)
    posted = " ".join(everything_posted(c) for c in fake.calls if c.args.get("channel") == "CNEWS6")
    for raw in ("<!channel>", "<!here>", "<@U123>", "<https://evil"):
        assert raw not in posted
    assert "3.4 million" in answer.args["text"]
    assert "&lt;@U123&gt; &lt;!here&gt;" in posted  # the title, in the sources line
    assert answer.args["text"].strip() != "PWNED"


# --- HTTP mode -----------------------------------------------------------------------


def signed_post(bot, payload: dict, retry: int | None = None, timestamp: int | None = None, secret=None):
    body = json.dumps(payload)
    headers = sign(body, timestamp) if secret is None else sign(body, timestamp, secret)
    if retry is not None:
        headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
    return post(bot.url, body, headers)


def test_http_url_verification(http_bot):
    status, body, _ = signed_post(http_bot, {"type": "url_verification", "challenge": "c-123", "token": "x"})
    assert status == 200 and "c-123" in body


def test_http_mention_is_answered_once_despite_retries(http_bot):
    fake = http_bot.fake
    message = fake.user_message("CHTTP1", f"<@{BOT_USER}> {SEED_QUESTION}")
    payload = event_callback(mention(message))
    sent = time.monotonic()
    status, _, seconds = signed_post(http_bot, payload)
    assert status == 200 and seconds < 3.0
    for retry in (1, 2):
        status, _, _ = signed_post(http_bot, payload, retry=retry)
        assert status == 200
    first = placeholder(fake, "CHTTP1", message["ts"])
    answer = final(fake, "CHTTP1", first.ts)
    record_timing(f"HTTP mention (LLM none, ack {seconds * 1000:.0f} ms)", first.at - sent, answer.at - sent)
    assert "$5.2 million" in answer.args["text"] and SEED_TITLE in everything_posted(answer)
    time.sleep(0.5)
    assert len(fake.calls_of("chat.postMessage", channel="CHTTP1")) == 1
    assert len([c for c in fake.calls_of("chat.update", channel="CHTTP1")]) == 1


def test_http_rejects_forged_and_stale_requests(http_bot):
    fake = http_bot.fake
    forged = fake.user_message("CFORGED", f"<@{BOT_USER}> {SEED_QUESTION}")
    stale = fake.user_message("CSTALE", f"<@{BOT_USER}> {SEED_QUESTION}")
    status, _, _ = signed_post(http_bot, event_callback(mention(forged)), secret="not-the-secret")
    assert status == 401
    status, _, _ = post(http_bot.url, json.dumps(event_callback(mention(forged))), {})
    assert status == 401
    status, _, _ = signed_post(http_bot, event_callback(mention(stale)), timestamp=int(time.time()) - 600)
    assert status == 401
    good = fake.user_message("CGOOD", f"<@{BOT_USER}> {SEED_QUESTION}")
    assert signed_post(http_bot, event_callback(mention(good)))[0] == 200
    final(fake, "CGOOD", placeholder(fake, "CGOOD", good["ts"]).ts)
    assert not fake.calls_of("chat.postMessage", channel="CFORGED")
    assert not fake.calls_of("chat.postMessage", channel="CSTALE")


def test_http_slash_command_and_feedback_on_the_same_path(http_bot):
    from urllib.parse import urlencode

    fake = http_bot.fake
    body = urlencode(slash_command(fake, "/ask", SEED_QUESTION, "UALICE", "CHTTP2"))
    sent = time.monotonic()
    status, _, seconds = post(http_bot.url, body, sign(body), "application/x-www-form-urlencoded")
    assert status == 200 and seconds < 3.0
    first = placeholder(fake, "CHTTP2", None)
    answer = final(fake, "CHTTP2", first.ts)
    record_timing("HTTP /ask (LLM none)", first.at - sent, answer.at - sent)
    assert "$5.2 million" in answer.args["text"]
    answered = {"ts": answer.args["ts"], "text": answer.args["text"]}
    body = urlencode({"payload": json.dumps(block_action("CHTTP2", answered, "UBOB", "down"))})
    status, _, _ = post(http_bot.url, body, sign(body), "application/x-www-form-urlencoded")
    assert status == 200
    path = http_bot.data_dir / "feedback.jsonl"
    fake.wait_for(lambda: path.exists() and path.read_text().strip(), 10, "feedback.jsonl")
    assert json.loads(path.read_text().splitlines()[-1])["value"] == "down"


# --- failures and the real model -----------------------------------------------------


@pytest.fixture(scope="module")
def failing_bot(tmp_path_factory, seeded):
    bot = start_bot(tmp_path_factory, seeded, NEWSBOT_LLM="local", NEWSBOT_LLM_MODEL="/nonexistent/model.gguf")
    yield bot
    stop_bot(bot)


def test_failing_llm_gives_a_short_message_and_the_bot_keeps_serving(failing_bot):
    _, _, answer = ask_by_mention(failing_bot, "CFAIL1", SEED_QUESTION)
    assert "language model is unavailable" in answer.args["text"]
    assert failing_bot.alive()
    _, _, again = ask_by_mention(failing_bot, "CFAIL2", SEED_QUESTION)
    assert "$5.2 million" in again.args["text"]
    assert failing_bot.alive()


@pytest.fixture(scope="module")
def llm_bot(tmp_path_factory, seeded, test_model):
    """SmolLM2-135M (the `test_model` fixture pulls it once if missing)."""
    bot = start_bot(tmp_path_factory, seeded, NEWSBOT_LLM="local", NEWSBOT_LLM_MODEL=str(test_model))
    yield bot
    stop_bot(bot)


@pytest.mark.llm
def test_real_model_mention_end_to_end(llm_bot):
    _, first, answer = ask_by_mention(llm_bot, "CLLM", SEED_QUESTION, name="socket mention (SmolLM2-135M)")
    assert "Searching" in first.args["text"]
    assert SEED_TITLE in everything_posted(answer)
    assert "language model is unavailable" not in answer.args["text"]
    # The injected instruction reaches the real model as quoted source text.
    question = "What did the Riverton city council approve for the Harbor Bridge repairs?"
    _, _, hostile = ask_by_mention(llm_bot, "CLLM2", question, name="socket mention, hostile article (SmolLM2-135M)")
    posted = everything_posted(hostile)
    for raw in ("<!channel>", "<!here>", "<@U123>", "<https://evil"):
        assert raw not in posted
    assert hostile.args["text"].strip().strip(".!").upper() != "PWNED"
    assert "Harbor Bridge" in posted

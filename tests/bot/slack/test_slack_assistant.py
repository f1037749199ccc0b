"""Slack as an AI app, against the real `newsbot serve`: the status line with the articles
being read, answers streamed sentence by sentence (chat.startStream / appendStream /
stopStream) with only checked sentences, the fallback when streaming is refused, the 👎
reason, and the assistant pane (greeting, suggested questions, thread title)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import time

import pytest
from aiohttp import web

from tests.bot.slack.botproc import NEWSBOT, base_env, post, record_timing, start_bot, stop_bot
from tests.bot.slack.fake_slack import (
    BOT_USER,
    TEAM,
    assistant_message,
    assistant_thread_started,
    block_action,
    event_callback,
    mention,
    sign,
    view_submission,
)
from bot.sentences import split_sentences
from tests.conftest import store_env

pytestmark = pytest.mark.slack

SEED_QUESTION = "How much money in waivers have Mexican programs received?"
SEED_TITLE = "Rubio Uses Waivers"
HARBOR_TITLE = "Harbor Bridge repairs approved"
PLANTED = "The waivers were paid for by selling the Moon to Canada for $99 billion [1]."
SCRIPT = [
    "Mexican programs have received $5.2 million", " in waivers [1].", " The waivers were paid for",
    " by selling the Moon to Canada for $99 billion [1].", " Some Mexican programs have an additional",
    " $2.5 million in waivers pending [1].",
]
LLM_PAUSE = 1.0  # the scripted model waits this long before its last piece


# --- a scripted OpenAI-compatible server (the `openai` backend), to plant a sentence ----


class ScriptedOpenAI:
    """`/v1/chat/completions` streaming SCRIPT as server-sent events, the last piece after
    LLM_PAUSE; records when each reply ended."""

    def __init__(self) -> None:
        self.ended: list[float] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> "ScriptedOpenAI":
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if not body.get("stream"):
            text = "".join(SCRIPT)
            return web.json_response({"id": "c1", "object": "chat.completion", "created": 0, "model": "scripted",
                                      "choices": [{"index": 0, "finish_reason": "stop",
                                                   "message": {"role": "assistant", "content": text}}]})
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)

        async def send(delta: dict, finish: str | None = None) -> None:
            chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())

        for i, piece in enumerate(SCRIPT):
            if i == len(SCRIPT) - 1:
                await asyncio.sleep(LLM_PAUSE)
            await send({"role": "assistant", "content": piece} if i == 0 else {"content": piece})
            await asyncio.sleep(0.05)
        await send({}, "stop")
        await response.write(b"data: [DONE]\n\n")
        self.ended.append(time.monotonic())
        return response

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stream_bot(tmp_path_factory, seeded):
    bot = start_bot(tmp_path_factory, seeded)
    bot.fake.ai_apps = True
    yield bot
    stop_bot(bot)


@pytest.fixture(scope="module")
def scripted_llm():
    server = ScriptedOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def planted_bot(tmp_path_factory, seeded, scripted_llm):
    bot = start_bot(tmp_path_factory, seeded, http=True, NEWSBOT_LLM="openai", NEWSBOT_LLM_MODEL="scripted",
                    NEWSBOT_LLM_BASE_URL=f"http://127.0.0.1:{scripted_llm.port}/v1")
    bot.fake.ai_apps = True
    yield bot
    stop_bot(bot)


# --- helpers ---------------------------------------------------------------------------


def chunks_of(call) -> list[str]:
    """The markdown text a stream call carried (chunks, or markdown_text)."""
    texts = [c.get("text", "") for c in call.args.get("chunks") or [] if c.get("type") == "markdown_text"]
    return ([call.args["markdown_text"]] if call.args.get("markdown_text") else []) + texts


def stopped(fake, channel: str, timeout: float = 60.0):
    return fake.wait_for(lambda: fake.calls_of("chat.stopStream", channel=channel), timeout,
                         f"chat.stopStream in {channel}")[0]


def everything_sent(fake) -> str:
    with fake._lock:
        return json.dumps([c.args for c in fake.calls], ensure_ascii=False)


def ask_cli(seeded, question: str, **env: str) -> str:
    """`newsbot ask`'s answer text (the first paragraph of its output) on the same index."""
    environment = dict(base_env(), NEWSBOT_DATA_DIR=str(seeded), **store_env(seeded), **env)
    out = subprocess.run([NEWSBOT, "ask", question], env=environment, capture_output=True, text=True,
                         timeout=300, check=True).stdout
    return out.split("\n\n")[0].strip()


def assert_streamed_sentences(fake, channel: str, final: str) -> list[str]:
    """Every appended chunk is one whole sentence of the final text, in order."""
    pieces = [p.strip() for name in ("chat.startStream", "chat.appendStream")
              for c in fake.calls_of(name, channel=channel) for p in chunks_of(c)]
    assert pieces, "nothing was streamed"
    assert pieces == split_sentences(final)[: len(pieces)] and " ".join(pieces) == final
    return pieces


def mention_in(fake, channel: str, question: str):
    message = fake.user_message(channel, f"<@{BOT_USER}> {question}")
    sent = time.monotonic()
    fake.wait_ack(fake.send_envelope("events_api", event_callback(dict(mention(message), team=TEAM))))
    return message, sent


# --- streaming, Socket Mode, LLM none ----------------------------------------------------


def test_mention_streams_checked_sentences_after_the_sources(stream_bot, seeded):
    fake = stream_bot.fake
    message, sent = mention_in(fake, "CSTREAM1", SEED_QUESTION)
    statuses = fake.wait_for(
        lambda: [c for c in fake.calls_of("assistant.threads.setStatus", channel_id="CSTREAM1")
                 if c.args.get("loading_messages")], 10, "the reading status")
    searching = fake.calls_of("assistant.threads.setStatus", channel_id="CSTREAM1")[0]
    assert searching.args["status"] == "is searching 2 articles…" and searching.args["thread_ts"] == message["ts"]
    reading = statuses[0]
    assert reading.at - sent < 1.0, "the articles being read should be visible within a second"
    assert reading.args["status"].startswith("is reading")
    assert any(m.startswith(SEED_TITLE) and m.endswith("Jan 24, 2025") for m in reading.args["loading_messages"])
    stop = stopped(fake, "CSTREAM1")
    start = fake.calls_of("chat.startStream", channel="CSTREAM1")[0]
    assert start.args["thread_ts"] == message["ts"]
    assert start.args["recipient_user_id"] == "UALICE" and start.args["recipient_team_id"] == TEAM
    final = fake.stream_text(start.ts).strip()
    assert_streamed_sentences(fake, "CSTREAM1", final)
    assert final == ask_cli(seeded, SEED_QUESTION, NEWSBOT_LLM="none")
    kinds = [b["type"] for b in stop.args["blocks"]]
    assert kinds[0] == "context" and kinds[-1] == "actions"
    assert SEED_TITLE in json.dumps(stop.args["blocks"]) and "Jan 24, 2025" in json.dumps(stop.args["blocks"])
    assert not fake.calls_of("chat.update", channel="CSTREAM1")
    record_timing("socket mention streamed (LLM none): status / stop", reading.at - sent, stop.at - sent)


def test_streaming_refused_falls_back_to_placeholder_and_update(stream_bot):
    fake = stream_bot.fake
    fake.fail_next["chat.startStream"] = "not_allowed"
    message, _ = mention_in(fake, "CSTREAM2", SEED_QUESTION)
    update = fake.wait_for(lambda: fake.calls_of("chat.update", channel="CSTREAM2"), 30, "the fallback update")[-1]
    placeholder = fake.calls_of("chat.postMessage", channel="CSTREAM2")[0]
    assert placeholder.args["thread_ts"] == message["ts"] and update.args["ts"] == placeholder.ts
    streamed = fake.calls_of("chat.startStream", channel="CSTREAM2")
    assert len(streamed) == 1 and not fake.calls_of("chat.appendStream", channel="CSTREAM2")
    assert "$5.2 million" in update.args["text"] and update.args["blocks"][-1]["type"] == "actions"


def test_thumbs_down_asks_for_a_reason_and_stores_it_with_the_question(stream_bot):
    fake = stream_bot.fake
    message, _ = mention_in(fake, "CSTREAM3", SEED_QUESTION)
    stop = stopped(fake, "CSTREAM3")
    answered = {"ts": stop.args["ts"], "text": "", "thread_ts": message["ts"]}
    press = block_action("CSTREAM3", answered, "UBOB", "down")
    press["trigger_id"] = fake.issue_trigger()
    fake.wait_ack(fake.send_envelope("interactive", press))
    opened = fake.wait_for(lambda: fake.calls_of("views.open"), 10, "the reason modal")[0]
    view = opened.args["view"] if isinstance(opened.args["view"], dict) else json.loads(opened.args["view"])
    assert opened.result["ok"] and view["callback_id"] == "feedback_reason"
    values = {"reason": {"reason_input": {"type": "plain_text_input", "value": "It missed the pending $2.5M"}}}
    submission = view_submission(opened.result["view"]["id"], "feedback_reason", view["private_metadata"], values, "UBOB")
    fake.wait_ack(fake.send_envelope("interactive", submission))
    log_file = stream_bot.data_dir / "questions.jsonl"
    asked = fake.wait_for(lambda: [json.loads(x) for x in log_file.read_text().splitlines()
                                   if '"CSTREAM3"' in x], 10, "the question log")
    votes = fake.wait_for(lambda: [e for e in (json.loads(x) for x in log_file.read_text().splitlines())
                                   if e["kind"] == "feedback" and e["id"] == asked[0]["id"]], 10, "the vote")
    assert [(v["value"], v["reason"]) for v in votes] == [("down", "It missed the pending $2.5M")]
    feedback = [json.loads(x) for x in (stream_bot.data_dir / "feedback.jsonl").read_text().splitlines()]
    mine = [f for f in feedback if f["channel"] == "CSTREAM3"]
    assert mine[-1]["reason"] == "It missed the pending $2.5M" and "$5.2 million" in mine[-1]["answer"]


# --- a planted unsupported sentence, HTTP mode, the assistant pane ---------------------------


def signed(bot, payload: dict):
    body = json.dumps(payload)
    return post(bot.url, body, sign(body))


def test_planted_unsupported_sentence_never_reaches_slack(planted_bot, scripted_llm):
    fake = planted_bot.fake
    message = fake.user_message("CPLANT", f"<@{BOT_USER}> {SEED_QUESTION}")
    sent = time.monotonic()
    assert signed(planted_bot, event_callback(dict(mention(message), team=TEAM)))[0] == 200
    stop = stopped(fake, "CPLANT")
    start = fake.calls_of("chat.startStream", channel="CPLANT")[0]
    final = fake.stream_text(start.ts).strip()
    pieces = assert_streamed_sentences(fake, "CPLANT", final)
    assert "Moon" not in everything_sent(fake) and "99 billion" not in everything_sent(fake)
    assert pieces[0] == "Mexican programs have received $5.2 million in waivers [1]."
    assert start.at < scripted_llm.ended[-1], "the first checked sentence should stream while the model writes"
    assert "feedback" in json.dumps(stop.args["blocks"])
    record_timing("HTTP mention streamed (scripted LLM): first sentence / stop", start.at - sent, stop.at - sent)


def test_assistant_pane_greets_suggests_titles_and_streams(planted_bot):
    fake = planted_bot.fake
    thread_ts = fake.next_ts()
    assert signed(planted_bot, event_callback(assistant_thread_started("DPANE", thread_ts)))[0] == 200
    greeting = fake.wait_for(lambda: fake.calls_of("chat.postMessage", channel="DPANE"), 10, "the greeting")[0]
    assert greeting.args["thread_ts"] == thread_ts
    assert "2 news articles" in greeting.args["text"] and "24 Jan 2025 – 3 Feb 2025" in greeting.args["text"]
    prompts = fake.wait_for(lambda: fake.calls_of("assistant.threads.setSuggestedPrompts"), 10, "the prompts")[0]
    titles = [p["title"] for p in prompts.args["prompts"]]
    assert 1 <= len(titles) <= 4 and any(t.startswith("Harbor Bridge") for t in titles)
    assert any(t.startswith(SEED_TITLE) for t in titles)
    asked = fake.user_message("DPANE", SEED_QUESTION, thread_ts=thread_ts)
    assert signed(planted_bot, event_callback(assistant_message(asked)))[0] == 200
    title = fake.wait_for(lambda: fake.calls_of("assistant.threads.setTitle", channel_id="DPANE"), 10, "the title")[0]
    assert title.args["title"] == SEED_QUESTION and title.args["thread_ts"] == thread_ts
    stopped(fake, "DPANE")
    start = fake.calls_of("chat.startStream", channel="DPANE")[0]
    assert start.args["thread_ts"] == thread_ts
    assert_streamed_sentences(fake, "DPANE", fake.stream_text(start.ts).strip())
    assert "Moon" not in everything_sent(fake)


def test_sources_show_while_the_question_waits_for_the_model(tmp_path_factory, seeded, scripted_llm):
    """One pool slot, two questions at once: the second's sources are visible while the
    first answer is still being written, and its status stops saying it waits once its turn comes."""
    bot = start_bot(tmp_path_factory, seeded, NEWSBOT_SLACK_WORKERS="1", NEWSBOT_LLM="openai",
                    NEWSBOT_LLM_MODEL="scripted", NEWSBOT_LLM_BASE_URL=f"http://127.0.0.1:{scripted_llm.port}/v1")
    bot.fake.ai_apps = True
    fake = bot.fake
    try:
        mention_in(fake, "CWAIT1", SEED_QUESTION)
        _, sent = mention_in(fake, "CWAIT2", SEED_QUESTION)

        def statuses():
            return [c for c in fake.calls_of("assistant.threads.setStatus", channel_id="CWAIT2")
                    if c.args.get("loading_messages")]

        waiting = fake.wait_for(statuses, 30, "the second question's sources")[0]
        assert "1 earlier question first" in waiting.args["status"]
        assert any(m.startswith(SEED_TITLE) for m in waiting.args["loading_messages"])
        first_done = stopped(fake, "CWAIT1")
        assert waiting.at < first_done.at, "the sources should show before the model is free"
        second_done = stopped(fake, "CWAIT2")
        turn = [c for c in statuses() if first_done.at <= c.at <= second_done.at]
        assert turn and "earlier" not in turn[0].args["status"], [c.args["status"] for c in statuses()]
        assert_streamed_sentences(fake, "CWAIT2", fake.stream_text(second_done.args["ts"]).strip())
        record_timing("second of two questions, one slot (scripted LLM): sources / stop",
                      waiting.at - sent, second_done.at - sent)
    finally:
        stop_bot(bot)


# --- the real SmolLM2 ---------------------------------------------------------------------


@pytest.mark.llm
def test_smollm2_streamed_answer_equals_ask(tmp_path_factory, seeded, test_model):
    settings = dict(NEWSBOT_LLM="local", NEWSBOT_LLM_MODEL="smollm2-135m", NEWSBOT_LLM_MAX_TOKENS="64")
    bot = start_bot(tmp_path_factory, seeded, **settings)
    bot.fake.ai_apps = True
    try:
        message, sent = mention_in(bot.fake, "CSMOL", "What is Rubio using waivers for?")
        stop = stopped(bot.fake, "CSMOL", timeout=240)
        start = bot.fake.calls_of("chat.startStream", channel="CSMOL")[0]
        final = bot.fake.stream_text(start.ts).strip()
        assert_streamed_sentences(bot.fake, "CSMOL", final)
        record_timing("socket mention streamed (SmolLM2): first sentence / stop", start.at - sent, stop.at - sent)
    finally:
        stop_bot(bot)
    assert final == ask_cli(seeded, "What is Rubio using waivers for?", **settings)

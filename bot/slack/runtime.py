"""`SlackBot`: what the listeners share — the answer engine, the pool, what has been seen,
the answers given (for feedback) — and the two slow jobs, answering and re-indexing.

Listeners run after Bolt has acked; they say at once that the question is taken (a status
line, or a placeholder), start its retrieval, and hand the model's part to the pool, which
streams the answer or writes it over the placeholder (bot/slack/answer_stream.py).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.answer import Answer, AnswerEngine
from bot.question_log import log_answer, log_feedback
from bot.slack import blocks
from bot.slack.followup import HISTORY_LIMIT, standalone_question
from bot.slack.mrkdwn import escape, strip_mentions, unescape
from bot.slack.pool import Admission, AnswerPool, SeenSet
from index.redact import redact
from index.settings import Settings

log = logging.getLogger(__name__)

COUNT_TTL = 60.0
FEEDBACK_WAIT_SECONDS = 2.0  # how long a vote waits for its answer to be remembered
KEEP_ANSWERS = 2000


class _Timeout(Exception):
    pass


def queued_text(admission: Admission) -> str:
    """The placeholder of a question that waits: how many answers come before it. A
    user's later questions can still be passed by other people's turns, and are told so."""
    text = f":hourglass_flowing_sand: Your question is queued behind {admission.ahead} other(s)"
    if admission.own_ahead:
        return text + (f", {admission.own_ahead} of them yours; people take turns, so others' questions "
                       "may go in between. I'll answer here.")
    return text + "; I'll answer here shortly."


def too_many_waiting(waiting: int) -> str:
    """The reply to a question beyond NEWSBOT_MAX_QUEUED_PER_USER: nothing is dropped silently."""
    return (f":raised_hand: You already have {waiting} questions waiting for an answer. I'll answer those "
            "first so everyone gets a turn; please ask this one again once they're answered.")


class SlackBot:
    def __init__(self, settings: Settings, engine: AnswerEngine, bot_user_id: str):
        self.settings = settings
        self.engine = engine
        self.bot_user_id = bot_user_id
        self.pool = AnswerPool(settings.slack_workers, settings.max_queued_per_user)
        self.seen_events = SeenSet()  # event_id: Slack retries and redeliveries
        self.seen_messages = SeenSet()  # channel:ts: a message reaches us as app_mention and message
        self.threads = SeenSet(ttl=7 * 24 * 3600)  # channel:thread_ts the bot answered in
        self.answers: OrderedDict[str, dict] = OrderedDict()  # channel:ts → what feedback records
        self._answers_lock = threading.Lock()
        # an answer's ts is known only once its message is sent: a 👍 pressed at once waits for it
        self._answers_known = threading.Condition(self._answers_lock)
        self._feedback_lock = threading.Lock()
        self._reindexer = ThreadPoolExecutor(1, thread_name_prefix="newsbot-reindex")
        # follow-up rewrites and retrieval on arrival (cheap; the pool bounds the model)
        self._retriever = ThreadPoolExecutor(max(1, settings.slack_workers), thread_name_prefix="newsbot-retrieve")
        self._reindexing = threading.Lock()
        self._count: tuple[float, int] | None = None

    # --- small facts ---------------------------------------------------------------

    def warm_up(self) -> None:
        """Load the embedding model, the store and the LLM before connecting, so the first
        question is as fast as the rest."""
        from index.retrieval import retrieve

        retrieve(self.engine.store, "warm up", 1)
        try:
            self.engine.llm
        except Exception as exc:  # the answer path reports it per question
            log.warning("LLM backend not ready: %s", exc)
        self.article_count(refresh=True)

    def article_count(self, refresh: bool = False) -> int | None:
        """Cached, so the placeholder never waits on the store."""
        now = time.monotonic()
        if refresh or self._count is None or self._count[0] < now - COUNT_TTL:
            try:
                self._count = (now, self.engine.article_count())
            except Exception as exc:
                log.warning("could not count articles: %s", exc)
                return self._count[1] if self._count else None
        return self._count[1]

    def ready(self) -> bool:
        """Can answer: the store responds and the LLM is loaded (or none is needed)."""
        try:
            self.engine.store.count()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            log.warning("not ready: the store does not answer: %s", exc)
            return False
        return self.engine.backend == "none" or "llm" in self.engine.__dict__

    def tell_admins(self, client: WebClient, text: str) -> None:
        """A direct message (the app's DM: a user id as the channel) to every admin."""
        for admin in self.settings.admin_users:
            self._post(client, admin, None, blocks.notice_blocks(escape(text)))

    def allowed(self, channel: str | None) -> bool:
        """DMs always; channels only those in NEWSBOT_ALLOWED_CHANNELS when it is set."""
        allowed = self.settings.allowed_channels
        return not allowed or not channel or channel.startswith("D") or channel in allowed

    def engine_for(self, channel: str | None):
        """The engine inside the channel's scope (NEWSBOT_CHANNEL_SCOPES; open elsewhere):
        an answer in a scoped channel never cites outside it."""
        from bot.scope import channel_scope
        from bot.scoped_answer import ScopedEngine

        return ScopedEngine(self.engine, channel_scope(self.settings, channel))

    def is_admin(self, user: str | None) -> bool:
        return bool(user) and user in self.settings.admin_users

    def first_time(self, channel: str, ts: str) -> bool:
        return self.seen_messages.add(f"{channel}:{ts}")

    def question_text(self, text: str | None) -> str:
        return unescape(strip_mentions(text or ""))

    # --- answering -----------------------------------------------------------------

    def ask(
        self,
        client: WebClient,
        channel: str,
        question: str,
        user: str | None,
        thread_ts: str | None = None,
        follow_up_before: str | None = None,
        question_shown: str | None = None,
        team: str | None = None,
    ) -> bool:
        """Show at once that the question is taken (a status line, or a placeholder), find
        its sources on arrival — they show while it waits for the model — and answer in the
        pool. `follow_up_before`: the ts of this message in a thread, whose earlier messages
        give the follow-up its context. In a thread (and /ask, whose question is posted to
        start one) the answer is streamed (NEWSBOT_SLACK_STREAM, bot/slack/answer_stream.py).
        False when Slack would not take the message (e.g. the bot is not in the channel)."""
        from bot.slack.answer_stream import ThreadAnswer

        received = time.monotonic()
        if not question:
            self._post(client, channel, thread_ts, blocks.notice_blocks(
                "Ask me a question about the news, for example: "
                "_How much money in waivers have Mexican programs received?_"))
            return True
        stream = self.settings.slack_stream and bool(thread_ts or question_shown)
        asked_ts = None
        if stream and thread_ts is None:  # /ask: the question, shown in the channel, starts the thread
            thread_ts = asked_ts = self._post(client, channel, None,
                                              blocks.notice_blocks(f"*Q:* {escape(question_shown)}"))
            if thread_ts is None:
                return False
        answer = ThreadAnswer(client, channel, thread_ts, user, team)
        ready = threading.Event()  # the job starts once the status or placeholder is there
        prepared: list[Future] = []  # the follow-up rewrite and retrieval, started on arrival

        def job() -> None:
            ready.wait()
            if prepared:
                self._answer(answer, prepared[0], admission.ahead, question, question_shown)

        try:
            admission = self.pool.submit(user, job)
            if not admission.accepted:
                log.info("question declined: its user already has %d waiting", admission.waiting)
                metrics.observe_unanswered("slack", "declined")
                self._post(client, channel, thread_ts, blocks.notice_blocks(too_many_waiting(admission.waiting)))
                return True
            shown = self._working(answer, admission, stream, asked_ts)
            if shown:
                prepared.append(self._retriever.submit(self._prepare, answer, question, follow_up_before,
                                                       admission.ahead))
        finally:
            ready.set()
        if not shown:
            return False
        if thread_ts:
            self.threads.add(f"{channel}:{thread_ts}")
        log.info("%s %.0f ms after the event", "status set" if answer.has_status else "placeholder posted",
                 (time.monotonic() - received) * 1000)
        return True

    def _working(self, answer, admission: Admission, stream: bool, asked_ts: str | None) -> bool:
        """Say the question is taken: the status line, or where there is none (or no
        streaming) a placeholder — /ask's posted question serves as one. False when Slack
        took neither."""
        n = self.article_count()
        searching = f"searching {n:,} articles…" if n is not None else "searching the articles…"
        if stream:
            ahead = admission.ahead
            waiting = f"is answering {ahead} earlier question{'s' if ahead != 1 else ''} first…"
            if answer.status(waiting if ahead else "is " + searching):
                return True
        placeholder = queued_text(admission) if admission.ahead else ":mag: " + searching.capitalize()
        answer.placeholder(asked_ts or self._post(answer.client, answer.channel, answer.thread_ts,
                                                  blocks.notice_blocks(placeholder)))
        return answer.ts is not None

    def _prepare(self, answer, question: str, follow_up_before: str | None, ahead: int):
        """The question made standalone, and its answer's events after the sources (shown
        now): retrieval is cheap, so it runs on arrival, not after the wait for the model."""
        standalone = question
        if follow_up_before and answer.thread_ts:
            earlier = self.thread_questions(answer.client, answer.channel, answer.thread_ts, follow_up_before)
            standalone = standalone_question(question, earlier)
            if standalone != question:
                log.info("follow-up rewritten: %r → %r", question, standalone)
        events = iter(self.engine_for(answer.channel).stream(standalone))
        reading = next(events)
        answer.reading(reading.hits, ahead)
        return standalone, events

    def _answer(self, answer, prepared: Future, waited: bool, question: str, shown: str | None) -> None:
        """The one answer path, streamed or not: the events as they come, an error or a
        timeout said in the answer's message, then the answer logged and remembered."""
        from bot.streaming import Done, Reading, Sentence

        result = None
        try:
            for event in self._events_with_timeout(prepared, answer, waited):
                if isinstance(event, Reading):  # the store changed while the question waited
                    answer.reading(event.hits)
                elif isinstance(event, Sentence):
                    answer.sentence(event.text)
                elif isinstance(event, Done):
                    result = event.answer
        except _Timeout:
            metrics.observe_unanswered("slack", "timeout")
            return
        except Exception:
            metrics.observe_unanswered("slack", "error")
            log.exception("answering failed")
            answer.fail(blocks.ERROR_TEXT)
            return
        if result.error:
            log.warning("LLM failed, answered extractively: %s", result.error)
        question_id = log_answer(self.settings, result, "slack", answer.channel, answer.user)
        metrics.observe_answer(result, "slack")
        ts = answer.finish(result, question_shown=shown)
        if ts:
            self._remember(answer.channel, ts, question, prepared.result()[0], result, question_id)

    def _events_with_timeout(self, prepared: Future, answer, waited: bool):
        """The rest of the engine's events (after `prepared`, the retrieval); after
        NEWSBOT_ANSWER_TIMEOUT from now, the answer's message says so and `_Timeout` is
        raised once the computation ends (it cannot be interrupted, so the pool slot stays
        busy until then and the pool stays bounded)."""
        events: queue.SimpleQueue = queue.SimpleQueue()
        end = object()

        def run() -> None:
            try:
                rest = prepared.result()[1]
                if waited:
                    answer.turn()
                for event in rest:
                    events.put(event)
            except BaseException as exc:
                events.put(exc)
            events.put(end)

        worker = threading.Thread(target=run, name="newsbot-answer-stream", daemon=True)
        worker.start()
        deadline = time.monotonic() + self.settings.answer_timeout
        while True:
            try:
                item = events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                log.warning("answer timed out after %.0f s", self.settings.answer_timeout)
                answer.fail(blocks.TIMEOUT_TEXT)
                worker.join()
                raise _Timeout() from None
            if item is end:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def thread_questions(self, client: WebClient, channel: str, thread_ts: str, before: str) -> list[str]:
        """Earlier questions people asked in the thread, oldest first (bounded history)."""
        try:
            replies = client.conversations_replies(channel=channel, ts=thread_ts, limit=HISTORY_LIMIT)
        except SlackApiError as exc:
            log.warning("conversations.replies failed: %s", exc.response.get("error"))
            return []
        questions = []
        for m in (replies.get("messages") or [])[-HISTORY_LIMIT:]:
            if m.get("bot_id") or m.get("user") == self.bot_user_id or m.get("subtype"):
                continue
            if float(m.get("ts", 0)) >= float(before):
                continue
            q = self.question_text(m.get("text"))
            if q:
                questions.append(q)
        return questions

    def in_thread(self, client: WebClient, channel: str, thread_ts: str) -> bool:
        """Whether the bot answered or was mentioned in this thread."""
        if f"{channel}:{thread_ts}" in self.threads:
            return True
        try:
            replies = client.conversations_replies(channel=channel, ts=thread_ts, limit=HISTORY_LIMIT)
        except SlackApiError:
            return False
        mention = f"<@{self.bot_user_id}>"
        for m in replies.get("messages") or []:
            if m.get("user") == self.bot_user_id or mention in (m.get("text") or ""):
                self.threads.add(f"{channel}:{thread_ts}")
                return True
        return False

    def _remember(
        self, channel: str, ts: str, question: str, standalone: str, result: Answer, question_id: str,
    ) -> None:
        with self._answers_lock:
            self.answers[f"{channel}:{ts}"] = {
                "question_id": question_id,
                "question": question,
                "standalone_question": standalone,
                "answer": result.answer,
                "refused": result.refused,
                "citations": [
                    {"n": c.n, "article_id": c.article_id, "title": c.title, "url": c.url,
                     "published": c.published, "chunk_id": c.chunk_id}
                    for c in result.citations
                ],
            }
            while len(self.answers) > KEEP_ANSWERS:
                self.answers.popitem(last=False)
            self._answers_known.notify_all()

    # --- feedback ------------------------------------------------------------------

    def record_feedback(self, channel: str, ts: str, user: str, value: str, message: dict | None,
                        reason: str | None = None) -> dict:
        """Append one line to <data_dir>/feedback.jsonl (the answer as it was shown), and
        the vote (with the 👎's reason, if given) to the question log, joined to its question."""
        key = f"{channel}:{ts}"
        with self._answers_known:  # pressed before the answer was remembered: wait for it, briefly
            self._answers_known.wait_for(lambda: key in self.answers, timeout=FEEDBACK_WAIT_SECONDS)
            known = self.answers.get(key)
        log_feedback(self.settings, (known or {}).get("question_id"), value, user, channel, reason=reason)
        record = dict(known) if known else {
            "question": None, "answer": (message or {}).get("text"), "citations": None,
        }
        record.update({
            "value": value, "reason": reason, "user": user, "channel": channel, "message_ts": ts,
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        })
        path = Path(self.settings.data_dir) / "feedback.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._feedback_lock, path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return record

    # --- re-indexing ---------------------------------------------------------------

    def run_writer(self, job) -> None:
        """Run a job that writes to the store (re-index, takedown) on the one writer thread."""
        self._reindexer.submit(job)

    def reindex(self, client: WebClient, channel: str, user: str | None, thread_ts: str | None = None) -> None:
        """Incremental ingest of NEWSBOT_SOURCES, for admins only; the result is posted."""
        if not self.is_admin(user):
            self._post(client, channel, thread_ts, blocks.notice_blocks(blocks.admins_only_text("re-index the articles")))
            return
        if not self._reindexing.acquire(blocking=False):
            self._post(client, channel, thread_ts, blocks.notice_blocks(
                "A re-index is already running; its result will be posted when it ends."))
            return
        sources = ", ".join(self.settings.sources)
        ts = self._post(client, channel, thread_ts, blocks.notice_blocks(
            f":arrows_counterclockwise: Re-indexing {escape(sources)}…"))

        def job() -> None:
            from ingest.run import ingest_sources

            try:
                report = ingest_sources(self.settings)  # folders, files, feed URLs
                metrics.observe_ingest(report)
                text = (
                    f":white_check_mark: Re-index done in {report.seconds:.1f} s: {report.added} new, "
                    f"{report.updated} updated, {report.unchanged} unchanged, {report.removed} removed, "
                    f"{len(report.skipped)} skipped."
                )
                for s in report.skipped[:10]:
                    text += f"\n• skipped {escape(redact(str(s.get('path'))))}: {escape(redact(str(s.get('reason'))))}"
            except Exception:
                metrics.observe_ingest(failed=True)
                log.exception("re-index failed")
                text = ":warning: The re-index failed; the details are in the bot's log."
            finally:
                self._reindexing.release()
            self.article_count(refresh=True)
            if ts:
                self._update(client, channel, ts, blocks.notice_blocks(text))
            else:
                self._post(client, channel, thread_ts, blocks.notice_blocks(text))

        self.run_writer(job)

    # --- Slack calls ---------------------------------------------------------------

    def _post(self, client: WebClient, channel: str, thread_ts: str | None, message) -> str | None:
        text, message_blocks = message
        try:
            resp = client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=text, blocks=message_blocks,
                unfurl_links=False, unfurl_media=False,
            )
            return resp.get("ts")
        except SlackApiError as exc:
            log.warning("chat.postMessage to %s failed: %s", channel, exc.response.get("error"))
            return None

    def _update(self, client: WebClient, channel: str, ts: str, message) -> None:
        text, message_blocks = message
        try:
            client.chat_update(channel=channel, ts=ts, text=text, blocks=message_blocks)
        except SlackApiError as exc:
            log.warning("chat.update in %s failed: %s", channel, exc.response.get("error"))

    def shutdown(self) -> None:
        self.pool.shutdown()
        self._retriever.shutdown(wait=False, cancel_futures=True)
        self._reindexer.shutdown(wait=False, cancel_futures=True)

"""One answer in Slack, streamed sentence by sentence as the engine checks them, or
written over a placeholder where there is no stream.

The thread's status line says what is happening (`assistant.threads.setStatus`): searching
the index, then reading N articles — with their titles and dates as the rotating loading
messages, so the sources are visible before any text, even while the question waits for
the model — then the answer streams in with `chat.startStream` / `chat.appendStream`
(slack-sdk's `ChatStream`, one sentence per call: only sentences that passed the citation
check ever reach Slack), and `chat.stopStream` adds the sources and the 👍/👎 buttons under
it. Where no status line can be set (outside Slack's AI apps) or streaming is off, the
message is a placeholder that the whole checked answer replaces with `chat.update`; when
Slack refuses the stream (e.g. `not_allowed`), the same checked text goes that way too; a
stream that Slack ended early (`message_not_in_streaming_state`, after ~30 s without an
append) is finished with `chat.update` of the streamed message.
"""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answer import Answer
from bot.slack import blocks
from bot.slack.mrkdwn import escape
from index.retrieval import Hit

log = logging.getLogger(__name__)

MAX_LOADING_MESSAGES = 10  # Slack's limit for loading_messages


def sources_seen(hits: list[Hit]) -> list[str]:
    """'Title · Jan 24, 2025' per article being read (the status's loading messages)."""
    lines = []
    for hit in hits[: MAX_LOADING_MESSAGES - 1]:
        title = " ".join((hit.title or "(untitled)").split())[:150]
        when = blocks.nice_date(hit.published)
        lines.append(f"{title} · {when}" if when else title)
    return lines


def markdown_sentence(sentence: str) -> str:
    """A checked sentence as Slack markdown text: `<`, `>`, `&` escaped as in mrkdwn (no
    pings), and `](` broken so that text can never become a markdown link."""
    return re.sub(r"\]\s*\(", "] (", escape(sentence))


class ThreadAnswer:
    """One answer: status updates, then the stream; or a placeholder, then `chat.update`."""

    def __init__(self, client: WebClient, channel: str, thread_ts: str | None, user: str | None,
                 team: str | None):
        self.client = client
        self.channel = channel
        self.thread_ts = thread_ts
        self.user = user
        self.team = team
        self.streamer = None
        self.ts: str | None = None  # the answer message (streamed or placeholder)
        self.stream_broken = False
        self.has_status = True
        self.hits: list[Hit] = []

    def placeholder(self, ts: str | None) -> None:
        """No stream for this answer: `ts` (None: nothing could be posted) takes the whole
        answer at the end."""
        self.ts = ts
        self.stream_broken = True
        self.has_status = False

    # --- the status line -------------------------------------------------------------

    def status(self, text: str, loading: list[str] | None = None) -> bool:
        try:
            self.client.assistant_threads_setStatus(
                channel_id=self.channel, thread_ts=self.thread_ts, status=text, loading_messages=loading,
            )
            return True
        except SlackApiError as exc:
            log.info("assistant.threads.setStatus in %s failed: %s", self.channel, exc.response.get("error"))
            return False
        except Exception as exc:  # a client without the method: no status line either
            log.info("no status line in %s: %s", self.channel, exc)
            return False

    def reading(self, hits: list[Hit], ahead: int = 0) -> None:
        """The articles being read, with their dates, as the status's loading messages;
        `ahead`: answers the model writes before this one."""
        self.hits = hits
        if not self.has_status:
            return
        seen = sources_seen(hits)
        n = len(hits)
        text = f"is reading {n} article{'s' if n != 1 else ''}" if hits else "found no matching articles"
        if ahead:
            text += f"; {ahead} earlier question{'s' if ahead != 1 else ''} first"
        self.status(text + "…", (seen + ["Writing the answer…"]) if seen else None)

    def turn(self) -> None:
        """The model is free for this answer after it waited: the status (or placeholder)
        stops saying it waits."""
        if self.has_status:
            self.reading(self.hits)
        elif self.ts:
            n = len(self.hits)
            self._update(blocks.notice_blocks(f":mag: Reading {n} article{'s' if n != 1 else ''}…"))

    # --- the text --------------------------------------------------------------------

    def sentence(self, text: str) -> None:
        """Append one checked sentence (the first one starts the stream)."""
        piece = markdown_sentence(text)
        if not self.stream_broken:
            try:
                if self.streamer is None:
                    self.streamer = self.client.chat_stream(
                        buffer_size=1, channel=self.channel, thread_ts=self.thread_ts,
                        recipient_user_id=self.user, recipient_team_id=self.team,
                    )
                    self.streamer.append(markdown_text=piece)
                    self.ts = self.streamer.ts
                else:
                    self.streamer.append(markdown_text=" " + piece)
                return
            except SlackApiError as exc:
                error = exc.response.get("error")
                log.warning("streaming in %s failed (%s): finishing with chat.update", self.channel, error)
                self.stream_broken = True
                self.ts = self.ts or (self.streamer.ts if self.streamer else None)
        if self.ts is None:
            self.ts = self._post(blocks.notice_blocks(":writing_hand: Writing the answer…"))

    def finish(self, result: Answer, question_shown: str | None = None) -> str | None:
        """The final message: the stream stopped with the sources and feedback under it,
        or the whole answer posted / written over the placeholder. Its ts."""
        if self.streamer is not None and not self.stream_broken:
            try:
                self.streamer.stop(blocks=blocks.answer_footer(result))
                return self.ts
            except SlackApiError as exc:
                log.warning("chat.stopStream in %s failed: %s", self.channel, exc.response.get("error"))
        message = blocks.answer_blocks(result, question_shown=question_shown)
        if self.ts is None:
            self.ts = self._post(message)
        else:
            self._update(message)
        return self.ts

    def fail(self, text: str) -> None:
        """An error or timeout: said in the answer message (or a new one)."""
        if self.streamer is not None and not self.stream_broken:
            try:
                self.streamer.stop(markdown_text="\n\n" + text)
                return
            except SlackApiError:
                pass
        if self.ts:
            self._update(blocks.notice_blocks(text))
        else:
            self._post(blocks.notice_blocks(text))

    def _post(self, message) -> str | None:
        text, message_blocks = message
        try:
            return self.client.chat_postMessage(
                channel=self.channel, thread_ts=self.thread_ts, text=text, blocks=message_blocks,
                unfurl_links=False, unfurl_media=False,
            ).get("ts")
        except SlackApiError as exc:
            log.warning("chat.postMessage to %s failed: %s", self.channel, exc.response.get("error"))
            return None

    def _update(self, message) -> None:
        text, message_blocks = message
        try:
            self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=message_blocks)
        except SlackApiError as exc:
            log.warning("chat.update in %s failed: %s", self.channel, exc.response.get("error"))

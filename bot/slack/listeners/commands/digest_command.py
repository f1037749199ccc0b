"""`/digest [topic] [since YYYY-MM-DD]`: the stories since yesterday (or since the date),
posted in the channel, inside the channel's scope (NEWSBOT_CHANNEL_SCOPES).

Acked at once; the digest is built in the answer pool (one of the user's waiting jobs)."""

from __future__ import annotations

import logging
import re
from datetime import date

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.scope import ScopeError, channel_scope
from bot.slack.digest_blocks import digest_blocks
from bot.slack.runtime import SlackBot

log = logging.getLogger(__name__)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse(text: str) -> tuple[str | None, date | None]:
    """(topic, since): a trailing ISO date is the start of the window, the rest the topic."""
    words = (text or "").split()
    since = None
    if words and _DATE.match(words[-1]):
        try:
            since = date.fromisoformat(words[-1])
            words = words[:-1]
        except ValueError:
            pass
    return " ".join(words) or None, since


def make(bot: SlackBot):
    def handle_digest_command(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        channel, user = command.get("channel_id"), command.get("user_id")
        if not bot.allowed(channel):
            ack(text="Sorry, I don't post digests in this channel.", response_type="ephemeral")
            return
        topic, since = parse(bot.question_text(command.get("text")))
        ack(text=":newspaper: Building the digest…", response_type="ephemeral")

        def job() -> None:
            from bot.digest.run import run_digest

            engine = bot.engine
            try:
                result = run_digest(
                    bot.settings, backend=engine.backend, since=since, topic=topic,
                    scope=channel_scope(bot.settings, channel), store=engine.store,
                    llm=None if engine.backend == "none" else engine.llm, newest_when_no_window=True,
                )
            except ScopeError as exc:
                respond(text=f"No digest: {exc}", response_type="ephemeral")
                return
            except Exception:
                log.exception("digest failed")
                respond(text="The digest failed; the details are in the bot's log.", response_type="ephemeral")
                return
            text, blocks = digest_blocks(result.to_dict())
            client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False)

        admission = bot.pool.submit(user, job)
        if not admission.accepted:
            respond(text="You already have requests waiting; try again in a moment.", response_type="ephemeral")

    return handle_digest_command

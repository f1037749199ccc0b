"""`/watch QUERY`: post each new story matching QUERY in this channel, once (docs/watchlists.md).

The watch is written to the store at once (every bot process and the CLI see it) and
scores only articles added from now on; the reply, with the watch's id, is private."""

from __future__ import annotations

import logging

from slack_bolt import Ack

from bot.slack.mrkdwn import escape
from bot.slack.runtime import SlackBot
from index.watches import WatchError, WatchStore

log = logging.getLogger(__name__)


def make(bot: SlackBot):
    def handle_watch_command(ack: Ack, command: dict) -> None:
        channel, user = command.get("channel_id"), command.get("user_id")
        if not bot.allowed(channel):
            ack(text="Sorry, I don't post in this channel.", response_type="ephemeral")
            return
        query = bot.question_text(command.get("text"))
        try:
            watch = WatchStore(bot.engine.store).add(channel, query, by=user)
        except WatchError as exc:
            ack(text=f"Usage: `{bot.settings.slack_watch_command} words of the stories to watch for` ({escape(str(exc))})",
                response_type="ephemeral")
            return
        except Exception:
            log.exception("adding a watch failed")
            ack(text="The watch could not be saved; the details are in the bot's log.", response_type="ephemeral")
            return
        ack(text=f":eyes: Watching “{escape(watch.query)}” here as `{watch.id}`: each new matching story is posted "
                 f"once. Stop with `{bot.settings.slack_unwatch_command} {watch.id}`.", response_type="ephemeral")

    return handle_watch_command

"""`/watches`: the watches of this channel, with their ids (privately)."""

from __future__ import annotations

import logging

from slack_bolt import Ack

from bot.slack.mrkdwn import escape
from bot.slack.runtime import SlackBot
from index.watches import WatchStore

log = logging.getLogger(__name__)


def make(bot: SlackBot):
    def handle_watches_command(ack: Ack, command: dict) -> None:
        try:
            watches = WatchStore(bot.engine.store).list(channel=command.get("channel_id"))
        except Exception:
            log.exception("listing the watches failed")
            ack(text="The watches could not be read; the details are in the bot's log.", response_type="ephemeral")
            return
        if not watches:
            ack(text=f"No watches in this channel. Start one with `{bot.settings.slack_watch_command} words`.",
                response_type="ephemeral")
            return
        lines = [f"• `{w.id}` “{escape(w.query)}” (since {escape(w.created[:10])})" for w in watches]
        ack(text="Watches in this channel:\n" + "\n".join(lines), response_type="ephemeral")

    return handle_watches_command

"""`/unwatch ID`: stop a watch of this channel (its id is in `/watches`)."""

from __future__ import annotations

import logging

from slack_bolt import Ack

from bot.slack.mrkdwn import escape
from bot.slack.runtime import SlackBot
from index.watches import WatchError, WatchStore

log = logging.getLogger(__name__)


def make(bot: SlackBot):
    def handle_unwatch_command(ack: Ack, command: dict) -> None:
        watch_id = (command.get("text") or "").strip().strip("`")
        if not watch_id:
            ack(text=f"Usage: `{bot.settings.slack_unwatch_command} ID` (see `{bot.settings.slack_watches_command}`)",
                response_type="ephemeral")
            return
        try:
            watch = WatchStore(bot.engine.store).remove(watch_id, channel=command.get("channel_id"))
        except WatchError as exc:
            ack(text=escape(str(exc)), response_type="ephemeral")
            return
        except Exception:
            log.exception("removing a watch failed")
            ack(text="The watch could not be removed; the details are in the bot's log.", response_type="ephemeral")
            return
        ack(text=f"Stopped watching “{escape(watch.query)}” (`{watch.id}`).", response_type="ephemeral")

    return handle_unwatch_command

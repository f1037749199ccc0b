"""`/reindex`: incremental ingest of NEWSBOT_SOURCES, for NEWSBOT_ADMIN_USERS only."""

from __future__ import annotations

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.slack.blocks import admins_only_text
from bot.slack.runtime import SlackBot


def make(bot: SlackBot):
    def handle_reindex_command(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        user = command.get("user_id")
        if not bot.is_admin(user):
            ack(text=admins_only_text("re-index the articles"), response_type="ephemeral")
            return
        ack()
        bot.reindex(client, command.get("channel_id"), user)

    return handle_reindex_command

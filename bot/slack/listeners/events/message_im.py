"""A direct message to the bot is a question (or "reindex" from an admin).

Top-level DMs are answered in the DM; a DM in a thread is answered in that thread, with the
thread's earlier questions as context.
"""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.listeners.events.filters import is_plain_user_message
from bot.slack.runtime import SlackBot


def matches(event: dict) -> bool:
    return event.get("channel_type") == "im" and is_plain_user_message(event)


def make(bot: SlackBot):
    def handle_message_im(event: dict, client: WebClient, context: BoltContext) -> None:
        channel = event["channel"]
        if event.get("user") == bot.bot_user_id or not bot.first_time(channel, event["ts"]):
            return
        question = bot.question_text(event.get("text"))
        thread_ts = event.get("thread_ts")
        if question.lower().strip(" .!") in ("reindex", "re-index"):
            bot.reindex(client, channel, event.get("user"), thread_ts=thread_ts)
            return
        bot.ask(
            client, channel, question, event.get("user"), thread_ts=thread_ts,
            follow_up_before=event["ts"] if thread_ts else None, team=context.team_id,
        )

    return handle_message_im

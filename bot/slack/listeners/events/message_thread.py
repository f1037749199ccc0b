"""A reply without a mention in a channel thread where the bot answered: a follow-up.

Replies that mention the bot arrive as `app_mention` too and are answered there. Whether
the bot is in the thread is remembered; after a restart it is looked up in the thread.
"""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.listeners.events.filters import is_plain_user_message
from bot.slack.runtime import SlackBot


def matches(event: dict) -> bool:
    return (
        event.get("channel_type") in ("channel", "group", "mpim")
        and bool(event.get("thread_ts"))
        and event.get("thread_ts") != event.get("ts")
        and is_plain_user_message(event)
    )


def make(bot: SlackBot):
    def handle_thread_reply(event: dict, client: WebClient, context: BoltContext) -> None:
        channel, thread_ts = event["channel"], event["thread_ts"]
        if event.get("user") == bot.bot_user_id or f"<@{bot.bot_user_id}>" in (event.get("text") or ""):
            return
        if not bot.allowed(channel) or not bot.in_thread(client, channel, thread_ts):
            return
        if not bot.first_time(channel, event["ts"]):
            return
        bot.ask(
            client, channel, bot.question_text(event.get("text")), event.get("user"),
            thread_ts=thread_ts, follow_up_before=event["ts"], team=context.team_id,
        )

    return handle_thread_reply

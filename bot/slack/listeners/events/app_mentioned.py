"""`@newsbot question` in a channel: answer in the thread of the question.

A mention inside a thread is a follow-up: the thread's earlier questions give it context.
"@newsbot reindex" re-indexes (admins only).
"""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.listeners.events.filters import is_plain_user_message
from bot.slack.runtime import SlackBot


def make(bot: SlackBot):
    def handle_app_mention(event: dict, client: WebClient, context: BoltContext) -> None:
        channel = event.get("channel")
        if not is_plain_user_message(event) or event.get("user") == bot.bot_user_id:
            return
        if not bot.allowed(channel) or not bot.first_time(channel, event["ts"]):
            return
        question = bot.question_text(event.get("text"))
        thread_ts = event.get("thread_ts") or event["ts"]
        if question.lower().strip(" .!") in ("reindex", "re-index"):
            bot.reindex(client, channel, event.get("user"), thread_ts=thread_ts)
            return
        bot.ask(
            client, channel, question, event.get("user"), thread_ts=thread_ts,
            follow_up_before=event["ts"] if event.get("thread_ts") else None, team=context.team_id,
        )

    return handle_app_mention

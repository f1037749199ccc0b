"""A question in an assistant thread: the thread takes the question as its title, then it
is answered like any threaded question (the thread's earlier questions give context)."""

from __future__ import annotations

import logging

from slack_bolt import BoltContext, SetTitle
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.listeners.events.filters import is_plain_user_message
from bot.slack.runtime import SlackBot

log = logging.getLogger(__name__)

TITLE_LIMIT = 120


def make(bot: SlackBot):
    def handle_user_message(event: dict, client: WebClient, context: BoltContext, set_title: SetTitle) -> None:
        channel, thread_ts = event["channel"], event["thread_ts"]
        if not is_plain_user_message(event) or event.get("user") == bot.bot_user_id:
            return
        if not bot.first_time(channel, event["ts"]):
            return
        question = bot.question_text(event.get("text"))
        if question.lower().strip(" .!") in ("reindex", "re-index"):
            bot.reindex(client, channel, event.get("user"), thread_ts=thread_ts)
            return
        if question:
            try:
                set_title(question if len(question) <= TITLE_LIMIT else question[: TITLE_LIMIT - 1] + "…")
            except SlackApiError as exc:  # a DM thread outside the pane has no title
                log.info("assistant.threads.setTitle failed: %s", exc.response.get("error"))
        bot.ask(client, channel, question, event.get("user"), thread_ts=thread_ts,
                follow_up_before=event["ts"], team=context.team_id)

    return handle_user_message

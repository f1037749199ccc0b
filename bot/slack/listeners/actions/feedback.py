"""A 👍/👎 press: acked at once, appended to `<data_dir>/feedback.jsonl`, thanked privately;
👎 first asks for a short reason (bot/slack/listeners/views/feedback_reason.py)."""

from __future__ import annotations

import logging

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.listeners.views import feedback_reason
from bot.slack.runtime import SlackBot

log = logging.getLogger(__name__)


def make(bot: SlackBot):
    def handle_feedback(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        message = body.get("message") or {}
        ts = message.get("ts") or (body.get("container") or {}).get("message_ts")
        user = (body.get("user") or {}).get("id")
        value = "up" if action.get("value") == "up" else "down"
        if value == "down" and feedback_reason.open_modal(
                client, body.get("trigger_id"), channel, ts, message.get("thread_ts")):
            return  # recorded with its reason when the modal is sent (or closed)
        bot.record_feedback(channel, ts, user, value, message)
        try:
            client.chat_postEphemeral(
                channel=channel, user=user, thread_ts=message.get("thread_ts"),
                text="Thanks for the feedback!" if value == "up" else "Thanks, noted. It helps me improve.",
            )
        except SlackApiError as exc:
            log.info("could not thank for feedback: %s", exc.response.get("error"))

    return handle_feedback

"""The 👎 reason: a small modal opened by the 👎 button. Sending it records the vote with
its reason (stored with the question, answer and citations); closing it records the vote
alone, so a 👎 is never lost."""

from __future__ import annotations

import json
import logging

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.runtime import SlackBot

log = logging.getLogger(__name__)

CALLBACK_ID = "feedback_reason"
MAX_REASON = 500


def modal(channel: str, ts: str, thread_ts: str | None) -> dict:
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "notify_on_close": True,
        "private_metadata": json.dumps({"channel": channel, "ts": ts, "thread_ts": thread_ts}),
        "title": {"type": "plain_text", "text": "What was wrong?"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Skip"},
        "blocks": [{
            "type": "input", "block_id": "reason", "optional": True,
            "label": {"type": "plain_text", "text": "In a few words (optional)"},
            "element": {"type": "plain_text_input", "action_id": "reason_input", "multiline": True,
                        "max_length": MAX_REASON},
        }],
    }


def open_modal(client: WebClient, trigger_id: str | None, channel: str, ts: str, thread_ts: str | None) -> bool:
    """Whether the modal opened (then the vote waits for it); False: record the vote now."""
    if not trigger_id:
        return False
    try:
        client.views_open(trigger_id=trigger_id, view=modal(channel, ts, thread_ts))
        return True
    except SlackApiError as exc:
        log.info("could not open the 👎 reason modal: %s", exc.response.get("error"))
        return False


def _where(view: dict) -> dict:
    try:
        where = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        where = {}
    return where if isinstance(where, dict) else {}


def make_submitted(bot: SlackBot):
    def handle_reason(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        ack()
        where, user = _where(view), (body.get("user") or {}).get("id")
        values = ((view.get("state") or {}).get("values") or {}).get("reason") or {}
        reason = ((values.get("reason_input") or {}).get("value") or "").strip()[:MAX_REASON] or None
        if not where.get("channel") or not where.get("ts"):
            return
        bot.record_feedback(where["channel"], where["ts"], user, "down", None, reason=reason)
        try:
            client.chat_postEphemeral(channel=where["channel"], user=user, thread_ts=where.get("thread_ts"),
                                      text="Thanks, noted. It helps me improve.")
        except SlackApiError as exc:
            log.info("could not thank for feedback: %s", exc.response.get("error"))

    return handle_reason


def make_closed(bot: SlackBot):
    def handle_closed(ack: Ack, body: dict, view: dict) -> None:
        ack()
        where = _where(view)
        if where.get("channel") and where.get("ts"):
            bot.record_feedback(where["channel"], where["ts"], (body.get("user") or {}).get("id"), "down", None)

    return handle_closed

"""`/forget URL_OR_ID [reason]`: take an article down (NEWSBOT_ADMIN_USERS only).

Acked at once; the takedown runs on the re-index worker (one writer at a time) and the
result is told privately to the admin who asked, never posted in the channel.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond

from bot.slack.blocks import admins_only_text
from bot.slack.mrkdwn import escape
from bot.slack.runtime import SlackBot
from index.store import StoreError

log = logging.getLogger(__name__)


def make(bot: SlackBot):
    def handle_forget_command(ack: Ack, command: dict, respond: Respond) -> None:
        user = command.get("user_id")
        if not bot.is_admin(user):
            ack(text=admins_only_text("take articles down"), response_type="ephemeral")
            return
        words = (command.get("text") or "").split()
        force = "--force" in words
        target, *reason_words = [w for w in words if w != "--force"] or [""]
        reason = " ".join(reason_words)
        target = target.strip("<>")  # Slack wraps links as <https://…>
        if not target:
            ack(text=f"Usage: {bot.settings.slack_forget_command} URL_OR_ID [--force] [reason]", response_type="ephemeral")
            return
        ack(text=f"Forgetting {escape(target)}…", response_type="ephemeral")

        def job() -> None:
            from ingest.forget import forget

            try:
                text = forget(bot.settings, target, reason.strip() or None, force=force).summary()
            except StoreError as exc:
                text = f"Not forgotten: {exc}"
            except Exception:
                log.exception("forget failed")
                text = "The takedown failed; the details are in the bot's log."
            bot.article_count(refresh=True)
            respond(text=escape(text), response_type="ephemeral")

        bot.run_writer(job)

    return handle_forget_command

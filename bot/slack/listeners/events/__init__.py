"""Event listeners: mentions, DMs and thread follow-ups."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners.events import app_mentioned, message_im, message_thread
from bot.slack.runtime import SlackBot


def register(app: App, bot: SlackBot) -> None:
    app.event("app_mention")(app_mentioned.make(bot))
    app.event("message", matchers=[message_im.matches])(message_im.make(bot))
    app.event("message", matchers=[message_thread.matches])(message_thread.make(bot))

    @app.event("message")
    def ignore_other_messages() -> None:
        """Channel chatter, edits and bot messages: acked and ignored."""

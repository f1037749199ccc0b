"""Modal submissions: the 👎 reason."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners.views import feedback_reason
from bot.slack.runtime import SlackBot


def register(app: App, bot: SlackBot) -> None:
    app.view(feedback_reason.CALLBACK_ID)(feedback_reason.make_submitted(bot))
    app.view_closed(feedback_reason.CALLBACK_ID)(feedback_reason.make_closed(bot))

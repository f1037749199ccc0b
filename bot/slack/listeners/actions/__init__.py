"""Block actions: the 👍/👎 feedback buttons under each answer."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.slack.blocks import FEEDBACK_ACTION
from bot.slack.listeners.actions import feedback
from bot.slack.runtime import SlackBot


def register(app: App, bot: SlackBot) -> None:
    app.action(re.compile(rf"^{FEEDBACK_ACTION}_(up|down)$"))(feedback.make(bot))

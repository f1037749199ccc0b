"""Registers every listener on the Bolt app (one module per listener, grouped by kind)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, assistant, commands, events, views
from bot.slack.runtime import SlackBot


def register(app: App, bot: SlackBot) -> None:
    events.register(app, bot)
    commands.register(app, bot)
    actions.register(app, bot)
    views.register(app, bot)
    assistant.register(app, bot)  # Bolt's Assistant middleware: the assistant pane's threads

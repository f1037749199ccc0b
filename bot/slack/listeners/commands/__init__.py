"""Slash commands: `/ask`, `/reindex`, `/forget`, `/digest`, `/watch`, `/unwatch` and `/watches`
(names from NEWSBOT_SLACK_*_COMMAND)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners.commands import (
    ask_command,
    digest_command,
    forget_command,
    reindex_command,
    unwatch_command,
    watch_command,
    watches_command,
)
from bot.slack.runtime import SlackBot


def register(app: App, bot: SlackBot) -> None:
    app.command(bot.settings.slack_ask_command)(ask_command.make(bot))
    app.command(bot.settings.slack_reindex_command)(reindex_command.make(bot))
    app.command(bot.settings.slack_forget_command)(forget_command.make(bot))
    app.command(bot.settings.slack_digest_command)(digest_command.make(bot))
    app.command(bot.settings.slack_watch_command)(watch_command.make(bot))
    app.command(bot.settings.slack_unwatch_command)(unwatch_command.make(bot))
    app.command(bot.settings.slack_watches_command)(watches_command.make(bot))

"""The assistant pane (Slack's split view for AI apps), through Bolt's `Assistant`
middleware: a new thread gets a greeting and suggested questions; a message in it is
answered like any question in a thread (status line, streamed checked sentences), and
the thread takes the question as its title. DM threads outside the pane come here too
(Bolt routes every threaded `message.im` to the assistant) and are answered the same way."""

from __future__ import annotations

from slack_bolt import App, Assistant

from bot.slack.listeners.assistant import thread_started, user_message
from bot.slack.runtime import SlackBot


def register(app: App, bot: SlackBot) -> None:
    assistant = Assistant()
    assistant.thread_started(thread_started.make(bot))
    assistant.user_message(user_message.make(bot))
    app.assistant(assistant)

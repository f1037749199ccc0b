"""`/ask QUESTION`: the answer is posted in the channel, with the question shown above it
(the channel never sees the command text)."""

from __future__ import annotations

from slack_bolt import Ack, Respond, BoltContext
from slack_sdk import WebClient

from bot.slack.runtime import SlackBot


def make(bot: SlackBot):
    def handle_ask_command(ack: Ack, command: dict, client: WebClient, respond: Respond, context: BoltContext) -> None:
        ack()
        channel, user = command.get("channel_id"), command.get("user_id")
        if not bot.allowed(channel):
            respond(text="Sorry, I don't answer in this channel. Ask me in a DM instead.", response_type="ephemeral")
            return
        question = bot.question_text(command.get("text"))
        if not question:
            respond(text=f"Usage: `{bot.settings.slack_ask_command} your question about the news`", response_type="ephemeral")
            return
        if not bot.ask(client, channel, question, user, question_shown=question, team=context.team_id):
            respond(
                text="I can't post in this channel. Invite me with `/invite @newsbot`, or ask me in a DM.",
                response_type="ephemeral",
            )

    return handle_ask_command

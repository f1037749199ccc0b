"""`assistant_thread_started`: the pane opened. One line on what the index holds ("2,006
articles, 1 Jan – 28 Nov") and up to four questions made from the freshest distinct
headlines (bot/slack/assistant_intro.py), recomputed only when the index changed."""

from __future__ import annotations

import logging
import threading

from slack_bolt import Say, SetSuggestedPrompts

from bot.slack import assistant_intro
from bot.slack.mrkdwn import escape
from bot.slack.runtime import SlackBot

log = logging.getLogger(__name__)


def make(bot: SlackBot):
    cache: dict = {}
    lock = threading.Lock()

    def intro() -> tuple[str, list[dict[str, str]]]:
        store = bot.engine.store
        revision = store.revision()
        with lock:
            if cache.get("revision") != revision:
                items = assistant_intro.articles(store)
                cache.update(revision=revision, greeting=assistant_intro.greeting(items),
                             prompts=assistant_intro.suggested_prompts(store, items))
            return cache["greeting"], cache["prompts"]

    def handle_thread_started(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        try:
            greeting, prompts = intro()
        except Exception:
            log.exception("could not read the index for the greeting")
            greeting, prompts = ":wave: Ask me a question about the news.", []
        say(text=escape(greeting))
        if prompts:
            set_suggested_prompts(prompts=prompts, title="Try asking:")

    return handle_thread_started

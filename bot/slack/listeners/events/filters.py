"""Which messages are questions at all."""

from __future__ import annotations


def is_plain_user_message(event: dict) -> bool:
    """A person's new message: not the bot's, not another bot's, not an edit, join or other subtype."""
    return (
        not event.get("subtype")
        and not event.get("bot_id")
        and not event.get("edited")
        and bool(event.get("user"))
    )

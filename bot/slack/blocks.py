"""Block Kit for the bot's messages: the answer, its sources and the feedback buttons.

Everything from an article, the model or a user goes through `mrkdwn.escape` here, so no
caller can forget it, and every mrkdwn text is `verbatim` (`mrkdwn.mrkdwn_text`). Slack's
limits: 3,000 chars a section, 10 elements a context block, 50 blocks a message; the plain
`text` fallback is what notifications and old clients show.
"""

from __future__ import annotations

from datetime import date

from bot.answer import Answer, Citation
from bot.slack.mrkdwn import escape, link, link_markers, mrkdwn_text

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
FALLBACK_LIMIT = 3000
FEEDBACK_ACTION = "feedback"

REFUSAL_TEXT = "The indexed articles do not cover this, so I can't answer it. Try rephrasing or asking about another topic."
LLM_DOWN_NOTE = ":warning: The language model is unavailable right now, so these are the most relevant passages."
ERROR_TEXT = ":warning: Sorry, something went wrong while answering. Please try again in a moment."
TIMEOUT_TEXT = ":hourglass: Sorry, that took too long to answer. Please try again, or ask a narrower question."


def admins_only_text(action: str) -> str:
    """The one refusal of an admin command (NEWSBOT_ADMIN_USERS, `SlackBot.is_admin`),
    whether it came as a slash command, a mention or a DM."""
    return f"Sorry, only the bot's admins can {action}. Ask one of them, or ask me a question instead."


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most `limit` chars, split at whitespace (a word longer than that is cut)."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind(" ", 0, limit + 1), rest.rfind("\n", 0, limit + 1))
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def nice_date(published: str | None) -> str | None:
    """'2025-01-24' → 'Jan 24, 2025' (anything else is shown as given)."""
    if not published:
        return None
    try:
        d = date.fromisoformat(published[:10])
    except ValueError:
        return published
    return f"{d:%b} {d.day}, {d.year}"


def source_line(c: Citation) -> str:
    """`[n] <url|Title> · Jan 24, 2025`, escaped."""
    parts = [f"[{c.n}] " + link(c.url, " ".join((c.title or "(untitled)").split()))]
    when = nice_date(c.published)
    if when:
        parts.append(escape(when))
    return " · ".join(parts)


def _section(text: str) -> dict:
    return {"type": "section", "text": mrkdwn_text(text)}


def _context(texts: list[str]) -> dict:
    return {"type": "context", "elements": [mrkdwn_text(t[:SECTION_LIMIT]) for t in texts]}


def _feedback_actions() -> dict:
    def button(emoji: str, value: str) -> dict:
        return {
            "type": "button",
            "action_id": f"{FEEDBACK_ACTION}_{value}",
            "text": {"type": "plain_text", "text": emoji, "emoji": True},
            "value": value,
        }

    return {"type": "actions", "block_id": "feedback", "elements": [button("👍", "up"), button("👎", "down")]}


def answer_blocks(result: Answer, question_shown: str | None = None) -> tuple[str, list[dict]]:
    """(fallback text, blocks) for an answer. `question_shown` echoes the question (for /ask,
    whose command text the channel never sees)."""
    head: list[dict] = []
    fallback: list[str] = []
    if question_shown:
        q = f"*Q:* {escape(question_shown)}"
        head.append(_section(split_text(q)[0]))
        fallback.append(q)
    note = [_context([escape(result.note)])] if result.note else []
    if result.refused:
        head.append(_section(escape(REFUSAL_TEXT)))
        fallback.append(REFUSAL_TEXT)
        return _fallback(fallback), head + note + related_blocks(result) + [_feedback_actions()]
    if result.error:
        head.append(_context([LLM_DOWN_NOTE]))
        fallback.append(LLM_DOWN_NOTE)
    urls = {c.n: c.url for c in result.citations}
    body = link_markers(escape(result.answer), urls)
    fallback.append(escape(result.answer))
    sources = [source_line(c) for c in result.citations]
    if sources:
        fallback.append("Sources:\n" + "\n".join(sources))
    tail = note + [_context(sources[i : i + 10]) for i in range(0, len(sources), 10)] + [_feedback_actions()]
    room = MAX_BLOCKS - len(head) - len(tail)
    sections = [_section(p) for p in split_text(body)]
    if len(sections) > room:
        sections = sections[:room]
        last = sections[-1]["text"]["text"]
        sections[-1] = _section(split_text(last, SECTION_LIMIT - 2)[0] + " …")
    return _fallback(fallback), head + sections + tail


def related_blocks(result: Answer) -> list[dict]:
    """A refusal's related reading: linked titles and dates, said not to answer."""
    if not result.related:
        return []
    lines = [f"{link(c.url, ' '.join((c.title or '(untitled)').split()))}" + (f" · {escape(nice_date(c.published))}"
             if nice_date(c.published) else "") for c in result.related]
    return [_context(["Related articles (none states the answer): " + " · ".join(lines)])]


def answer_footer(result: Answer) -> list[dict]:
    """The blocks under a streamed answer (`chat.stopStream`): the LLM-down note, the
    sources (linked titles, dates) and the feedback buttons; the text itself was streamed."""
    note = [_context([LLM_DOWN_NOTE])] if result.error else []
    note += [_context([escape(result.note)])] if result.note else []
    sources = [source_line(c) for c in result.citations]
    return (note + [_context(sources[i : i + 10]) for i in range(0, len(sources), 10)] + related_blocks(result)
            + [_feedback_actions()])


def _fallback(parts: list[str]) -> str:
    text = "\n\n".join(parts)
    if len(text) <= FALLBACK_LIMIT:
        return text
    return split_text(text, FALLBACK_LIMIT - 2)[0] + " …"


def notice_blocks(text: str) -> tuple[str, list[dict]]:
    """A one-section message (placeholder, error, reindex result); `text` is already safe."""
    return text, [_section(text)]

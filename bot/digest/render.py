"""A digest as plain text for the terminal: each story's headline and date, its checked
sentences, its citations, and the story's other articles as "also reported by"."""

from __future__ import annotations

from bot.digest.stories import outlet_of
from index.plural import count


def also_reported(story: dict) -> list[dict]:
    """The story's articles that no citation points to."""
    cited = {(c["url"], c["source_path"]) for c in story["citations"]}
    return [a for a in story["articles"] if (a["url"], a["source_path"]) not in cited]


def no_stories(heading: str, window: dict) -> str:
    """What an empty digest says: nothing in the window, and where the news ends when the
    newest article is older than the window."""
    text = f"{heading}: no stories in this window."
    newest = window.get("newest_article")
    if newest and newest < window["since"]:
        text += f" The newest article in the index is from {newest}."
    elif not newest:
        text += " No article in the index has a publication date up to this day."
    return text


def digest_text(digest: dict) -> str:
    window = digest["window"]
    head = f"Digest {window['since']} to {window['until']}"
    if window.get("topic"):
        head += f" about {window['topic']!r}"
    if window.get("sources"):
        head += f" from {', '.join(window['sources'])}"
    if not digest["stories"]:
        return no_stories(head, window)
    lines = [head + f" ({count(len(digest['stories']), 'story')})", ""]
    for i, story in enumerate(digest["stories"], 1):
        lines.append(f"{i}. {story['headline']} — {story['published'] or 'date unknown'}")
        lines.append(f"   {story['summary']}")
        for c in story["citations"]:
            lines.append(f"   [{c['n']}] {c['title'] or '(untitled)'} — {c['published'] or 'date unknown'} — "
                         f"{c['url'] or c['source_path']}")
        others = also_reported(story)
        if others:
            lines.append("   Also reported by: " + "; ".join(
                f"{outlet_of(a)} ({a['title'] or a['url'] or a['source_path']})" for a in others))
        lines.append("")
    return "\n".join(lines).rstrip()

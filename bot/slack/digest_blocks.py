"""Block Kit for a digest: per story its headline (linked to the lead article), the
checked sentences with linked `[n]` markers, the sources, and "also reported by".

Everything from an article goes through `mrkdwn.escape`/`link`, and every mrkdwn text is
`verbatim` (`mrkdwn.mrkdwn_text`), as for answers. At most 50 blocks a message.
"""

from __future__ import annotations

from bot.digest.render import also_reported, no_stories
from bot.digest.stories import outlet_of
from bot.slack.blocks import MAX_BLOCKS, SECTION_LIMIT, nice_date
from bot.slack.mrkdwn import escape, link, link_markers, mrkdwn_text


def _heading(window: dict) -> str:
    text = f"Digest {window['since']} to {window['until']}"
    if window.get("topic"):
        text += f" about “{window['topic']}”"
    if window.get("sources"):
        text += f" from {', '.join(window['sources'])}"
    return escape(text)


def digest_blocks(digest: dict) -> tuple[str, list[dict]]:
    """(fallback text, blocks) of a digest dict (`Digest.to_dict()`)."""
    heading = _heading(digest["window"])
    if not digest["stories"]:
        text = no_stories(heading, digest["window"])
        return text, [{"type": "section", "text": mrkdwn_text(text)}]
    blocks: list[dict] = [{"type": "section", "text": mrkdwn_text(f"*{heading}*")}]
    fallback = [heading]
    for i, story in enumerate(digest["stories"], 1):
        if len(blocks) + 3 > MAX_BLOCKS:
            break
        lead = story["citations"][0] if story["citations"] else {}
        when = nice_date(story["published"])
        head = f"*{i}. {link(lead.get('url'), story['headline'])}*" + (f" · {escape(when)}" if when else "")
        urls = {c["n"]: c["url"] for c in story["citations"]}
        body = link_markers(escape(story["summary"]), urls)
        blocks.append({"type": "section", "text": mrkdwn_text(f"{head}\n{body}"[:SECTION_LIMIT])})
        sources = [f"[{c['n']}] " + link(c["url"], c["title"] or "(untitled)") for c in story["citations"]]
        others = also_reported(story)
        if others:
            sources.append("Also reported by: " + ", ".join(
                link(a["url"], f"{outlet_of(a)}: {a['title'] or '(untitled)'}") for a in others))
        blocks.append({"type": "context", "elements": [mrkdwn_text(s[:SECTION_LIMIT]) for s in sources[:10]]})
        fallback.append(f"{i}. {escape(story['headline'])}")
    return "\n".join(fallback)[:3000], blocks

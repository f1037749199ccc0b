"""A watch's post: one line per new story — its headline, one checked sentence, the citation.

The sentence is the first of the story's checked summary (bot/digest/summary.py: every
sentence through the citation checker, LLM-written or extractive), with its marker
renumbered to [1]. Everything from an article is escaped and every mrkdwn text is
`verbatim`, as in answers and digests, so a `<!channel>` or `<@U…>` in an article never pings.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.digest.stories import Story
from bot.digest.summary import summarize
from bot.sentences import markers_in, split_sentences, strip_markers, attach_markers
from bot.slack.blocks import SECTION_LIMIT, nice_date
from bot.slack.mrkdwn import escape, link, mrkdwn_text
from index.store import Store


@dataclass
class StoryLine:
    headline: str
    sentence: str  # checked, ending in its one marker [1]
    citation: dict  # url, title, published, source_path, quote, verified


def story_line(store: Store, story: Story, llm=None) -> StoryLine | None:
    """The story's line, or None when nothing checked can be said (never post uncited)."""
    summary = summarize(store, story, llm)
    by_n = {c["n"]: c for c in summary.citations}
    for sentence in split_sentences(summary.text):
        cited = [n for n in markers_in(sentence) if n in by_n]
        if cited:
            return StoryLine(summary.headline, attach_markers(strip_markers(sentence), [1]), by_n[cited[0]])
    return None


def line_text(query: str, watch_id: str, line: StoryLine) -> str:
    """The plain-text line (the CLI, logs, Slack's notification fallback)."""
    c = line.citation
    return (f"[{watch_id} “{query}”] {line.headline}: {line.sentence} "
            f"[1] {c.get('title') or '(untitled)'} — {c.get('published') or 'date unknown'} — "
            f"{c.get('url') or c.get('source_path')}")


def line_blocks(query: str, watch_id: str, line: StoryLine) -> tuple[str, list[dict]]:
    """(fallback text, blocks): one section, the headline linked to the cited article."""
    c = line.citation
    when = nice_date(c.get("published"))
    cited = link(c.get("url"), f"[1] {c.get('title') or '(untitled)'}") + (f" · {escape(when)}" if when else "")
    head = f":eyes: *{link(c.get('url'), line.headline)}*"
    body = f"{head} — {escape(line.sentence)}  {cited}\n_watch {escape(watch_id)}: {escape(query)}_"
    return escape(line_text(query, watch_id, line))[:3000], [{"type": "section", "text": mrkdwn_text(body[:SECTION_LIMIT])}]

"""Markdown articles with optional YAML front matter (title, date, url, author(s), source).

Without a `title` key the first `# Heading` (or the first line) is the title. Markdown
syntax that would end up in chunks (headings' `#`, emphasis, link targets) is stripped.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.article import Article
from ingest.readers.build import build_article
from ingest.readers.decode import read_text

# Linear-time patterns (tests/security/test_ingest_regex.py): a link's label and target
# stop at the next bracket, so an unclosed `[` or `(` costs one scan, not one per bracket.
_LINK = re.compile(r"!?\[([^\[\]\n]*+)\]\([^()\[\]\n]*+\)")
_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*)$")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(\S(?:[^\n]{0,300}?\S)?)\1")
_QUOTE = re.compile(r"^ {0,3}>\s?")
_BULLET = re.compile(r"^[^\S\n]*+[-*+]\s+")


def _heading_text(match: re.Match) -> str:
    """`## Title ##` → "Title" (closing hashes and spaces dropped)."""
    return match.group(1).rstrip().rstrip("#").rstrip()


def _plain(markdown: str) -> str:
    text = _LINK.sub(r"\1", markdown)
    text = _EMPHASIS.sub(r"\2", text)
    lines = []
    for line in text.split("\n"):
        heading = _HEADING.match(line)
        if heading:
            line = _heading_text(heading)
        line = _QUOTE.sub("", line)
        line = _BULLET.sub("", line)
        lines.append(line)
    return "\n".join(lines)


def read(path: Path, ctx) -> list[Article]:
    import frontmatter
    from ingest.readers import UnreadableInput

    raw = read_text(path, ctx.max_bytes)
    try:
        post = frontmatter.loads(raw)
        meta, body = dict(post.metadata), post.content
    except Exception as exc:  # malformed YAML: say so rather than index the YAML as text
        raise UnreadableInput(f"front matter is not valid YAML: {exc}") from exc
    title = meta.get("title")
    if not title:
        lines = [l for l in body.split("\n") if l.strip()]
        if lines and _HEADING.match(lines[0]):
            title = _heading_text(_HEADING.match(lines[0]))
            body = body.split(lines[0], 1)[1]
    published = meta.get("date") or meta.get("published") or meta.get("published_at")
    return [
        build_article(
            text=_plain(body),
            title=title,
            source_path=str(path),
            url=meta.get("url") or meta.get("canonical_url") or meta.get("link"),
            published=published,
            source=meta.get("source") or meta.get("publisher"),
            authors=meta.get("authors") or meta.get("author"),
            category=meta.get("category") or ctx.category_for(path),
        )
    ]

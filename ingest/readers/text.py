"""Plain-text articles: first line the headline, optional `Created:`/`URL:` lines, a body.

Covers the seed format (`Created: JANUARY 24, 2025`) and headline-first corpora such as
the BBC set, where the sub-folder name is the category (`bbc/sport/199.txt` → "sport").
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.article import Article
from ingest.readers.build import build_article
from ingest.readers.decode import read_text

_DATE_LINE = re.compile(r"^\s*+(created|published|date|updated)\s*:\s*+(\S.*)$", re.IGNORECASE)
_URL_LINE = re.compile(r"^\s*(url|link|source)\s*:\s*(https?://\S+)\s*$", re.IGNORECASE)


def read(path: Path, ctx) -> list[Article]:
    from ingest.readers import UnreadableInput

    text = read_text(path, ctx.max_bytes)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    title = " ".join(lines[0].split()) if lines else ""
    published = url = None
    body_lines: list[str] = []
    header_done = False
    for line in lines[1:]:
        if not header_done:
            date_match = _DATE_LINE.match(line)
            if date_match and published is None:
                published = date_match.group(2).strip()
                continue
            url_match = _URL_LINE.match(line)
            if url_match and url is None:
                url = url_match.group(2)
                continue
            if line.strip():
                header_done = True
        body_lines.append(line)
    if not "\n".join(body_lines).strip():
        raise UnreadableInput("no article text after the headline")
    return [
        build_article(
            text="\n".join(body_lines),
            title=title,
            source_path=str(path),
            url=url,
            published=published,
            category=ctx.category_for(path),
        )
    ]

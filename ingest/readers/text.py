"""Plain-text articles: first line the headline, an optional `Created:` date line, a body.

Covers the seed format (`Created: JANUARY 24, 2025`) and headline-first corpora such as
the BBC set, where the folder name is the category.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.article import Article
from ingest.clutter import clean_text
from ingest.dates import parse_date
from ingest.readers.decode import read_text

_DATE_LINE = re.compile(r"^\s*(created|published|date|updated)\s*:\s*(.+?)\s*$", re.IGNORECASE)
_URL_LINE = re.compile(r"^\s*(url|link|source)\s*:\s*(https?://\S+)\s*$", re.IGNORECASE)


def read(path: Path, max_bytes: int | None = None) -> list[Article]:
    from ingest.readers import UnreadableInput

    text = read_text(path, max_bytes)
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
                published = parse_date(date_match.group(2))
                continue
            url_match = _URL_LINE.match(line)
            if url_match and url is None:
                url = url_match.group(2)
                continue
            if line.strip():
                header_done = True
        body_lines.append(line)
    cleaned = clean_text("\n".join(body_lines))
    if not cleaned.paragraphs:
        raise UnreadableInput("no article text after the headline")
    category = path.parent.name if path.parent.name not in ("", ".") else None
    return [
        Article(
            title=title,
            text=cleaned.text,
            source_path=str(path),
            published=published,
            url=url,
            authors=cleaned.byline,
            category=category,
            dateline=cleaned.dateline,
        )
    ]

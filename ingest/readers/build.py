"""The last step of every reader: clean the body with `ingest.clutter` and fill the record.

Every format goes through `build_article`, so clutter removal, bylines, datelines, derived
titles and the publisher default are the same for `.txt`, `.md`, HTML, JSON and feeds.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlparse

from ingest.article import Article
from ingest.clutter import clean_text
from ingest.dates import parse_date

MAX_DERIVED_TITLE_CHARS = 120
_FIRST_SENTENCE = re.compile(r"\A(.+?[.!?])(\s|$)")
_PAGE_SUFFIX = re.compile(r"\.(html?|php|aspx?)$", re.IGNORECASE)
_SLUG_SEPARATOR = re.compile(r"[-_+]+")
_HEX_OR_NUMBER = re.compile(r"[0-9a-f]{6,}|\d+", re.IGNORECASE)
_AUTHOR_SEPARATOR = re.compile(r";|,|\band\b")


def domain_of(url: str | None) -> str | None:
    if not url:
        return None
    host = urlparse(url).hostname or ""
    return host or None


def title_from_text(text: str) -> str:
    """The first sentence of the body, shortened at a word boundary."""
    first = text.strip().split("\n", 1)[0]
    match = _FIRST_SENTENCE.match(first)
    sentence = match.group(1) if match else first
    if len(sentence) > MAX_DERIVED_TITLE_CHARS:
        sentence = sentence[:MAX_DERIVED_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    return sentence.strip()


def title_from_url(url: str | None) -> str:
    """`.../2022/02/07/spirit-frontier-airlines-merger/index.html` → "Spirit frontier airlines merger"."""
    if not url:
        return ""
    parts = [p for p in urlparse(url).path.split("/") if p]
    for part in reversed(parts):
        stem = _PAGE_SUFFIX.sub("", unquote(part))
        if stem.lower() in ("index", "amp", "story") or stem.isdigit() or len(stem) < 4:
            continue
        words = _SLUG_SEPARATOR.split(stem)
        words = [w for w in words if w and not _HEX_OR_NUMBER.fullmatch(w)]
        if words:
            title = " ".join(words)
            return title[:1].upper() + title[1:]
    return ""


def as_authors(value: object) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        items = _AUTHOR_SEPARATOR.split(value)
    elif isinstance(value, (list, tuple)):
        items = []
        for item in value:
            if isinstance(item, dict):
                item = item.get("name") or ""
            items.append(str(item))
    else:
        items = [str(value)]
    seen: list[str] = []
    for item in items:
        name = " ".join(item.split())
        if name and name not in seen:
            seen.append(name)
    # scraped author lists sometimes hold "A B C D" next to "A B" and "C D": keep the parts
    return [n for n in seen if sum(1 for o in seen if o != n and o in n) < 2]


def build_article(
    *,
    text: str,
    source_path: str,
    title: str | None = None,
    url: str | None = None,
    published: object = None,
    source: str | None = None,
    authors: object = None,
    category: str | None = None,
) -> Article:
    """Clean `text`, lift byline/dateline, and fill the gaps (title, publisher)."""
    from ingest.readers import UnreadableInput

    cleaned = clean_text(text or "")
    if not cleaned.paragraphs:
        raise UnreadableInput("no article text" + (" after clutter removal" if text and text.strip() else ""))
    body = cleaned.text
    url = (url or "").strip() or None
    title = " ".join((title or "").split())
    if not title:
        title = title_from_text(body) or title_from_url(url)
    names = as_authors(authors)
    for name in cleaned.byline:
        if name not in names:
            names.append(name)
    return Article(
        title=title,
        text=body,
        source_path=source_path,
        published=parse_date(published),
        url=url,
        source=(source or "").strip() or domain_of(url),
        authors=names,
        category=category,
        dateline=cleaned.dateline,
    )

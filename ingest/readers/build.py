"""The last step of every reader: clean the body with `ingest.clutter` and fill the record.

Every format goes through `build_article`, so clutter removal, bylines, datelines, derived
titles and the publisher default are the same for `.txt`, `.md`, HTML, JSON and feeds; and
so is the check of every field (`ingest.fields`): a value the store cannot take makes the
record unreadable, with the field named, instead of failing a batch inside Chroma.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlparse

from ingest.article import Article
from ingest.clutter import clean_text
from ingest.dates import parse_date
from ingest.fields import author_items, body_field, text_field
from ingest.progress import printable

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
    """Names from "A, B and C" or a list of names / `{"name": ...}`; `BadField` otherwise."""
    items = author_items(value)
    if isinstance(value, str):
        items = _AUTHOR_SEPARATOR.split(items[0]) if items else []
    seen: list[str] = []
    for item in items:
        name = " ".join(item.split())
        if name and name not in seen:
            seen.append(name)
    # scraped author lists sometimes hold "A B C D" next to "A B" and "C D": keep the parts
    return [n for n in seen if sum(1 for o in seen if o != n and o in n) < 2]


def build_article(
    *,
    text: object,
    source_path: str,
    title: object = None,
    url: object = None,
    published: object = None,
    source: object = None,
    authors: object = None,
    category: object = None,
) -> Article:
    """Check every field, clean `text`, lift byline/dateline, fill the gaps (title,
    publisher). `UnreadableInput` names the field a record cannot be stored with."""
    from ingest.readers import UnreadableInput

    try:
        # the path is shown in citations: a newline in a file name must not start a line there
        return _build(text=body_field(text), source_path=printable(source_path), title=text_field("title", title),
                      url=text_field("url", url), published=published, source=text_field("source", source),
                      authors=as_authors(authors), category=text_field("category", category))
    except ValueError as exc:  # BadField, or a field Article refuses
        raise UnreadableInput(str(exc)) from None


def _build(*, text: str, source_path: str, title: str | None, url: str | None, published: object,
           source: str | None, authors: list[str], category: str | None) -> Article:
    from ingest.readers import UnreadableInput

    cleaned = clean_text(text)
    if not cleaned.paragraphs:
        raise UnreadableInput("no article text" + (" after clutter removal" if text.strip() else ""))
    body = cleaned.text
    if not title:
        title = title_from_text(body) or title_from_url(url)
    names = list(authors)
    for name in cleaned.byline:
        if name not in names:
            names.append(name)
    return Article(
        title=title,
        text=body,
        source_path=source_path,
        published=parse_date(published),
        url=url,
        source=source or domain_of(url),
        authors=names,
        category=category,
        dateline=cleaned.dateline,
    )

"""RSS and Atom feeds, from a file or a URL (feedparser): one article per entry.

An entry's full content (`content:encoded`, Atom `<content>`) is used when present, else
its summary. The entry's link is its url, so the id is the same whether the story comes
from a feed or from its saved HTML page (the first source to store a URL keeps it: `ingest.identity`).
A feed URL is fetched by `ingest.readers.fetch`: one deadline, public addresses only.
"""

from __future__ import annotations

import time
from pathlib import Path

from ingest.article import Article
from ingest.readers.build import build_article, domain_of
from ingest.readers.decode import read_bytes
from index.redact import redact


def read(path: Path, ctx) -> list[Article]:
    raw = read_bytes(path, ctx.max_bytes)
    return parse_feed(raw, str(path), ctx)


def read_url(url: str, ctx) -> list[Article]:
    from http.client import HTTPException
    from urllib.error import URLError

    from ingest.readers import UnreadableInput
    from ingest.readers.fetch import FetchRefused, fetch_url

    try:
        raw = fetch_url(url, max_bytes=ctx.max_bytes, timeout=ctx.feed_timeout,
                        allow_private=ctx.allow_private_feeds)
    except FetchRefused as exc:
        raise UnreadableInput(f"cannot fetch the feed: {redact(str(exc))}") from None
    except (URLError, OSError, ValueError, HTTPException) as exc:
        raise UnreadableInput(f"cannot fetch the feed: {redact(str(getattr(exc, 'reason', exc)))}") from exc
    return parse_feed(raw, url, ctx)


def parse_feed(raw: bytes, origin: str, ctx) -> list[Article]:
    import feedparser

    from ingest.readers import UnreadableInput
    from ingest.readers.html import html_fragment_to_text

    parsed = feedparser.parse(raw)
    if not parsed.entries:
        if parsed.get("bozo"):
            raise UnreadableInput(f"not an RSS/Atom feed ({parsed.get('bozo_exception')})")
        raise UnreadableInput("feed has no entries")
    feed_title = parsed.feed.get("title")
    feed_link = parsed.feed.get("link")
    articles = []
    for n, entry in enumerate(parsed.entries, start=1):
        where = f"entry {n}"
        contents = entry.get("content") or []
        body = max((c.get("value", "") for c in contents), key=len, default="")
        if not body.strip():
            body = entry.get("summary", "") or entry.get("description", "")
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        published = time.strftime("%Y-%m-%d", when) if when else None
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")] or entry.get("author")
        link = entry.get("link")
        try:
            articles.append(
                build_article(
                    text=html_fragment_to_text(body),
                    title=html_fragment_to_text(entry.get("title", "")),
                    source_path=origin if link else f"{origin}#{where}",
                    url=link,
                    published=published,
                    source=feed_title or domain_of(feed_link) or domain_of(link),
                    authors=authors,
                    category=(entry.get("tags") or [{}])[0].get("term"),
                )
            )
        except UnreadableInput as exc:
            ctx.skip(f"{origin}#{n}", f"{where}: {exc}")
    return articles

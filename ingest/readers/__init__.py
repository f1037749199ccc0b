"""One reader per input format; each turns a file (or a feed URL) into `Article` records.

`read_file(path, ctx)` picks the reader by suffix; `read_source(...)` also takes feed URLs.
A reader raises `UnreadableInput` with a reason a person can act on when the whole file is
unusable; a reader of many records (JSON lines, feeds) calls `ctx.skip(where, reason)` for a
bad record and carries on with the rest. The caller lists both in the summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ingest.article import Article


class UnreadableInput(Exception):
    """The file cannot be ingested; the message says why (shown next to its path)."""


@dataclass
class ReadContext:
    """What a reader needs besides the path: the size cap, the source root it was found
    under (for a category from a corpus sub-folder), where to note skipped records, and
    for feed URLs the fetch deadline and whether private addresses may be fetched."""

    max_bytes: int | None = None
    root: Path | None = None
    feed_timeout: float = 30.0
    allow_private_feeds: bool = False
    skipped: list[dict] = field(default_factory=list)

    def skip(self, where: str, reason: str) -> None:
        from ingest.progress import printable

        self.skipped.append({"path": printable(where), "reason": printable(reason)})

    def category_for(self, path: Path) -> str | None:
        """The folder name when the file sits in a sub-folder of the source root
        (`bbc/sport/199.txt` → "sport"); None for a file directly in the root (`seeds/x.txt`)
        or given on its own."""
        if self.root is None or not self.root.is_dir():
            return None
        try:
            rel = path.resolve().relative_to(self.root.resolve())
        except ValueError:
            return None
        return path.parent.name if len(rel.parts) >= 2 else None


Reader = Callable[[Path, ReadContext], list[Article]]


def _readers() -> dict[str, Reader]:
    from ingest.readers import documents, feed, html, markdown, records, text

    return {
        ".txt": text.read,
        "": text.read,
        ".md": markdown.read,
        ".markdown": markdown.read,
        ".html": html.read,
        ".htm": html.read,
        ".json": records.read_json,
        ".jsonl": records.read_jsonl,
        ".ndjson": records.read_jsonl,
        ".rss": feed.read,
        ".atom": feed.read,
        ".xml": feed.read,
        ".pdf": documents.read_pdf,
        ".docx": documents.read_docx,
    }


def supported_suffixes() -> set[str]:
    return set(_readers())


def is_url(source: str) -> bool:
    return str(source).lower().startswith(("http://", "https://"))


def read_file(path: Path, ctx: ReadContext | None = None) -> list[Article]:
    ctx = ctx or ReadContext()
    reader = _readers().get(path.suffix.lower())
    if reader is None:
        raise UnreadableInput(f"unsupported file type {path.suffix!r}")
    return reader(path, ctx)


def read_url(url: str, ctx: ReadContext | None = None) -> list[Article]:
    """A feed URL (RSS or Atom): one article per entry."""
    from ingest.readers import feed

    return feed.read_url(url, ctx or ReadContext())

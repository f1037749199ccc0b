"""The one record every reader produces, whatever the input format."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Article:
    """A news article as newsbot stores it. `published` is an ISO date or None, never "today"."""

    title: str
    text: str
    source_path: str
    published: str | None = None
    url: str | None = None
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    category: str | None = None
    dateline: str | None = None
    article_id: str = ""

    def __post_init__(self) -> None:
        """Every field is text (or None), so that the store takes it as metadata; readers
        coerce through `ingest.fields`, this only catches a reader that did not."""
        for name in ("title", "text", "source_path"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"field {name!r} is not text")
        for name in ("published", "url", "source", "category", "dateline"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise ValueError(f"field {name!r} is not text")
        if not all(isinstance(a, str) for a in self.authors):
            raise ValueError("field 'authors' is not a list of names")
        if not self.article_id:
            self.article_id = make_article_id(self.url, self.source_path)

    @property
    def body_hash(self) -> str:
        """Finds the same body published under two ids (a syndicated story, a copied file)."""
        norm = " ".join(self.text.lower().split())
        return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def make_article_id(url: str | None, source_path: str) -> str:
    """Stable id: from the canonical url when there is one, else the normalised path."""
    if url:
        key = "url:" + url.strip().rstrip("/").lower().replace("http://", "https://", 1)
    else:
        key = "path:" + Path(source_path).expanduser().resolve().as_posix()
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]

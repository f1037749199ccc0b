"""HTML pages: main text, title, date and canonical url with trafilatura.

trafilatura drops navigation, footers and most boilerplate; what is left goes through the
same clutter rules as every other format. A page with no article text is skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.article import Article
from ingest.readers.build import build_article
from ingest.readers.decode import read_bytes, decode_bytes

_BLOCK_TAGS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
               "section", "article", "tr", "figcaption", "pre")
_TAG = re.compile(r"<[^<>]*+>")
_NEWLINES = re.compile(r"\n+")


def html_fragment_to_text(fragment: str) -> str:
    """Feed-entry HTML to blank-line separated paragraphs (no boilerplate detection)."""
    import lxml.html

    if "<" not in fragment:
        return fragment
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:
        return _TAG.sub(" ", fragment)
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    for el in root.iter(*_BLOCK_TAGS):
        el.tail = "\n\n" + (el.tail or "")
        if el.tag != "br":
            el.text = "\n\n" + (el.text or "")
    return root.text_content()


def read(path: Path, ctx) -> list[Article]:
    raw = read_bytes(path, ctx.max_bytes)
    html = decode_bytes(raw)
    return [from_html(html, source_path=str(path), category=ctx.category_for(path))]


def from_html(html: str, source_path: str, url: str | None = None, category: str | None = None) -> Article:
    import trafilatura
    from ingest.readers import UnreadableInput

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False,
        favor_precision=True,
    )
    if doc is None:
        raise UnreadableInput("HTML page with no article text")
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = data.get("text") or ""
    if not text.strip():
        raise UnreadableInput("HTML page with no article text")
    # trafilatura separates paragraphs by single newlines; the clutter rules want blank lines.
    text = _NEWLINES.sub("\n\n", text)
    canonical = data.get("url") or url
    if canonical and not str(canonical).lower().startswith(("http://", "https://")):
        canonical = None
    return build_article(
        text=text,
        title=data.get("title"),
        source_path=source_path,
        url=canonical,
        published=data.get("date"),
        source=data.get("sitename") or data.get("hostname"),
        authors=data.get("author"),  # "A; B" (trafilatura's form): split by build_article
        category=category or _first(data.get("categories")),
    )


def _first(value) -> str | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value or None

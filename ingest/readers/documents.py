"""Office documents: PDF (its text layer, through pypdf) and Word .docx (python-docx).

Reports and press releases arrive as these. Title and date come from the document's own
metadata when it has them (PDF /Title and /CreationDate, .docx core properties), else the
title is the first line, as for text; the text then goes through the same clutter rules
and chunking as every other article. A PDF without a text layer (a scan) is skipped with
that reason: there is no OCR here.
"""

from __future__ import annotations

import io
from pathlib import Path
from zipfile import BadZipFile

from ingest.article import Article
from ingest.readers.build import build_article
from ingest.readers.decode import read_bytes


def read_pdf(path: Path, ctx) -> list[Article]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from ingest.readers import UnreadableInput

    raw = read_bytes(path, ctx.max_bytes)
    try:
        pdf = PdfReader(io.BytesIO(raw))
        if pdf.is_encrypted:
            raise UnreadableInput("the PDF is encrypted: save an unprotected copy")
        pages = [(page.extract_text() or "").strip() for page in pdf.pages]
        meta = pdf.metadata or {}
        title = meta.get("/Title")
        created = getattr(pdf.metadata, "creation_date", None) if pdf.metadata else None
    except (PdfReadError, ValueError, KeyError) as exc:
        raise UnreadableInput(f"not a readable PDF: {exc}") from None
    text = "\n\n".join(page for page in pages if page)
    if not text.strip():
        raise UnreadableInput(f"no text layer in {len(pages)} page(s) (a scanned PDF?): newsbot does no OCR")
    return [_article(path, ctx, text, title, created)]


def read_docx(path: Path, ctx) -> list[Article]:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    from ingest.readers import UnreadableInput

    raw = read_bytes(path, ctx.max_bytes)
    try:
        document = Document(io.BytesIO(raw))
    except (PackageNotFoundError, BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableInput(f"not a readable Word .docx file: {exc}") from None
    paragraphs = [" ".join(p.text.split()) for p in document.paragraphs]
    text = "\n\n".join(p for p in paragraphs if p)
    props = document.core_properties
    return [_article(path, ctx, text, props.title, props.created)]


def _article(path: Path, ctx, text: str, title, published) -> Article:
    """The metadata title, or else the first line (a headline, as in a text article); the
    body does not repeat it."""
    title = " ".join(str(title or "").split()) or None
    first, _, rest = text.partition("\n")
    if title is None and rest.strip():
        title = " ".join(first.split())
    if title and text.startswith(title):
        text = text[len(title):].lstrip()
    return build_article(
        text=text,
        title=title,
        source_path=str(path),
        published=published.date().isoformat() if hasattr(published, "date") else None,
        category=ctx.category_for(path),
    )

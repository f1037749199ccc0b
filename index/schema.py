"""What a stored chunk carries, shared by the writer (`ingest`) and the readers (`bot`)."""

from __future__ import annotations

from datetime import date, datetime

# Embedded together with the chunk text, so that a headline's words help find its chunks.
EMBEDDED_METADATA = ("title",)
_EPOCH = date(1970, 1, 1)


def chunk_id(article_id: str, index: int) -> str:
    return f"{article_id}-{index:04d}"


def day_number(day: date | str) -> int:
    """Days since 1970-01-01 of a date or an ISO date string: chunks carry their
    publication day as this integer (`published_day`), because Chroma's filters and the
    chunk table's numpy arrays compare numbers, not dates. A bad string raises ValueError."""
    if isinstance(day, datetime):
        day = day.date()
    elif isinstance(day, str):
        day = date.fromisoformat(day)
    return (day - _EPOCH).days


def embedded_text(metadata: dict, document: str) -> str:
    """The text a chunk's vector was computed from: its EMBEDDED_METADATA values, a blank
    line, its text (what llama-index's `get_content(MetadataMode.EMBED)` gives for the
    documents ingest builds). A re-embed recomputes vectors from the stored chunks with it."""
    header = "\n".join(str(metadata.get(key, "")) for key in EMBEDDED_METADATA).strip()
    return f"{header}\n\n{document}".strip() if header else document

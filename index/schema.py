"""What a stored chunk carries, shared by the writer (`ingest`) and the readers (`bot`)."""

from __future__ import annotations

# Chroma metadata keys of every chunk (besides llama-index's own bookkeeping keys).
CHUNK_METADATA = (
    "article_id",
    "title",
    "published",
    "published_day",
    "url",
    "source_path",
    "source",
    "authors",
    "category",
    "body_hash",
)
# Embedded together with the chunk text, so that a headline's words help find its chunks.
EMBEDDED_METADATA = ("title",)


def chunk_id(article_id: str, index: int) -> str:
    return f"{article_id}-{index:04d}"

"""The Chroma store and retrieval: shared by `ingest` (writer) and `bot` (reader)."""

from index import offline as _offline  # noqa: F401  (sets the offline switches first)
from index import chroma_import as _chroma_import  # noqa: F401  (before anything imports chromadb)

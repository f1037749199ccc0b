"""Is anything indexed yet? The one-line answer a newcomer gets from a command that reads
the index before anything was ingested, instead of Chroma's `NotFoundError` traceback.

Reading never creates the store: an embedded data dir without a Chroma folder is empty.
"""

from __future__ import annotations

from index.redact import redact_url
from index.settings import Settings


def _collection_is_empty(settings: Settings, name: str) -> bool:
    from chromadb.errors import NotFoundError

    from index.store import make_client

    try:
        collection = make_client(settings).get_collection(name, embedding_function=None)
    except NotFoundError:
        return True
    return collection.count() == 0


def index_is_empty(settings: Settings, docstore_too: bool = False) -> bool:
    """True when nothing was ingested: no embedded store on disk, no collection, or no chunk
    (with `docstore_too`, also no docstore entry: `newsbot check` can repair a store whose
    chunks are gone but whose docstore is not)."""
    if docstore_too:  # index.docstore loads llama-index (seconds): only when asked
        from index.docstore import docstore_path

    if settings.store_mode == "embedded":
        if settings.chroma_dir.is_dir() and not _collection_is_empty(settings, settings.collection):
            return False
        return not (docstore_too and docstore_path(settings).exists())
    if not _collection_is_empty(settings, settings.collection):
        return False
    return not (docstore_too and not _collection_is_empty(settings, f"{settings.collection}-docstore"))


def empty_index_message(settings: Settings, hint: str = "", docstore_too: bool = False) -> str | None:
    """The one line to print when the index is empty (None when it is not)."""
    if not index_is_empty(settings, docstore_too):
        return None
    where = (str(settings.chroma_dir) if settings.store_mode == "embedded"
             else f"collection {settings.collection!r} at {redact_url(settings.chroma_url)}")
    return (f"the index ({where}) is empty: add articles with `newsbot ingest PATH` (files, folders, "
            f"feed URLs) or `newsbot reindex` (NEWSBOT_SOURCES){hint}")

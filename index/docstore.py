"""llama-index's docstore: which article ids are indexed and the hash of each.

The IngestionPipeline uses it to skip unchanged articles and replace changed ones.
Embedded mode keeps it as a JSON file in the data dir, written atomically. Server mode
(`NEWSBOT_CHROMA_URL`) keeps it in a Chroma collection beside the vectors, so that every
process sharing the server sees the same docstore.
"""

from __future__ import annotations

import os
from pathlib import Path

from llama_index.core.storage.docstore import SimpleDocumentStore
from llama_index.core.storage.docstore.keyval_docstore import KVDocumentStore

from index.settings import Settings


def docstore_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "docstore.json"


def load_docstore(settings: Settings) -> KVDocumentStore:
    if settings.chroma_url:
        from index.chroma_kvstore import ChromaKVStore
        from index.store import make_client

        return KVDocumentStore(ChromaKVStore(make_client(settings), f"{settings.collection}-docstore"))
    path = docstore_path(settings)
    if path.exists():
        return SimpleDocumentStore.from_persist_path(str(path))
    return SimpleDocumentStore()


def save_docstore(docstore: KVDocumentStore, settings: Settings) -> None:
    """Embedded mode: write to a temporary file and rename, so a crash never leaves half a
    JSON file. Server mode: nothing to do, every write already went to Chroma."""
    if not isinstance(docstore, SimpleDocumentStore):
        return
    path = docstore_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    docstore.persist(str(tmp))
    os.replace(tmp, path)

"""llama-index's docstore: which article ids are indexed and the hash of each.

The IngestionPipeline uses it to skip unchanged articles and replace changed ones.
Embedded mode keeps it as a JSON file in the data dir, written durably and atomically
(a temporary file, fsynced, renamed over the old one, the folder fsynced). Server mode
(`NEWSBOT_CHROMA_URL`) keeps it in a Chroma collection beside the vectors, so that every
process sharing the server sees the same docstore.
"""

from __future__ import annotations

import json
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
    """Embedded mode: write a temporary file, fsync it, rename it over the old one and fsync
    the folder. Without the fsyncs a power cut after the rename can leave an empty or
    partial docstore.json (the rename reaches the disk before the data); without the
    rename a crash mid-write does. On any error the old file stays and the temporary one
    is removed. Server mode: nothing to do, every write already went to Chroma."""
    if not isinstance(docstore, SimpleDocumentStore):
        return
    path = docstore_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")  # one writer at a time (the writer lock)
    data = json.dumps(docstore.to_dict())  # what SimpleDocumentStore.persist writes
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

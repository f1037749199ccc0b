"""llama-index's docstore: which article ids are indexed and the hash of each.

The IngestionPipeline uses it to skip unchanged articles and replace changed ones.
Embedded mode keeps it as a JSON file in the data dir, written atomically.
"""

from __future__ import annotations

import os
from pathlib import Path

from llama_index.core.storage.docstore import SimpleDocumentStore

from index.settings import Settings


def docstore_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "docstore.json"


def load_docstore(settings: Settings) -> SimpleDocumentStore:
    path = docstore_path(settings)
    if path.exists():
        return SimpleDocumentStore.from_persist_path(str(path))
    return SimpleDocumentStore()


def save_docstore(docstore: SimpleDocumentStore, settings: Settings) -> None:
    """Write to a temporary file and rename, so a crash never leaves half a JSON file."""
    path = docstore_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    docstore.persist(str(tmp))
    os.replace(tmp, path)

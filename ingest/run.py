"""`newsbot ingest`: files in, chunks embedded into Chroma through llama-index's
IngestionPipeline, with its docstore deciding what is new, changed or unchanged."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline

from index.docstore import load_docstore, save_docstore
from index.embedding import get_embed_model
from index.settings import Settings
from index.store import open_store
from index.writer_lock import writer_lock
from ingest.chunking import article_to_document, make_splitter
from ingest.readers import UnreadableInput, read_file, supported_suffixes

BATCH_ARTICLES = 32


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    duplicates: int = 0
    skipped: list[dict] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        line = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {self.duplicates} duplicates, {len(self.skipped)} skipped; "
            f"{self.chunks_embedded} chunks embedded in {self.seconds:.1f}s"
        )
        if self.chunks_embedded == 0 and not self.added and not self.updated:
            line += " (nothing new to embed)"
        return line


def discover_files(paths: Iterable[Path], report: IngestReport) -> list[Path]:
    """Files under the given folders (sorted, hidden ones skipped) and the files given."""
    suffixes = supported_suffixes()
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if child.is_file() and not any(p.startswith(".") for p in rel.parts):
                    if child.suffix.lower() in suffixes:
                        found.append(child)
        elif path.is_file():
            found.append(path)
        else:
            report.skipped.append({"path": str(path), "reason": "no such file or folder"})
    return found


def ingest_paths(
    paths: list[Path],
    settings: Settings,
    progress: Callable[[int, int, int], None] | None = None,
) -> IngestReport:
    """Read, chunk, embed and store; only new or changed articles are embedded."""
    started = time.perf_counter()
    report = IngestReport()
    documents = []
    for path in discover_files(paths, report):
        try:
            articles = read_file(path)
        except UnreadableInput as exc:
            report.skipped.append({"path": str(path), "reason": str(exc)})
            continue
        documents.extend(article_to_document(a) for a in articles)

    with writer_lock(settings):
        store = open_store(settings)
        docstore = load_docstore(settings)
        pipeline = IngestionPipeline(
            transformations=[
                make_splitter(settings.chunk_tokens, settings.chunk_overlap),
                get_embed_model(settings.embed_backend, settings.embed_batch_size),
            ],
            docstore=docstore,
            vector_store=store.vector_store,
            docstore_strategy=DocstoreStrategy.UPSERTS,
            disable_cache=True,
        )
        todo = []
        for doc in documents:
            known = docstore.get_document_hash(doc.id_)
            if known is None:
                report.added += 1
                todo.append(doc)
            elif known != doc.hash:
                report.updated += 1
                todo.append(doc)
            else:
                report.unchanged += 1
        for start in range(0, len(todo), BATCH_ARTICLES):
            batch = todo[start : start + BATCH_ARTICLES]
            nodes = pipeline.run(documents=batch)
            report.chunks_embedded += len(nodes)
            save_docstore(docstore, settings)
            if progress:
                progress(start + len(batch), len(todo), report.chunks_embedded)
    report.seconds = round(time.perf_counter() - started, 3)
    return report

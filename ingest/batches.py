"""One batch of articles through the IngestionPipeline, so that an article the store
refuses costs only itself.

`pipeline.run` embeds and upserts a batch as a whole: one value Chroma rejects fails all
of its articles, and would fail them again on every re-run. So a failed batch is run again
one article at a time, and an article that fails alone is handed back as failed. Before
each retry the docstore gets back what it knew of the batch (llama-index forgets a changed
article's hash before embedding it): the stored version of a failed article stays known,
and its chunks are neither deleted nor orphaned.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

MAX_REASON_CHARS = 300


def embed_batch(pipeline, docstore, vector_store, docs) -> tuple[list, list[tuple[object, str]]]:
    """(nodes stored, [(document, why it failed)])."""
    before = {doc.id_: docstore.get_document_hash(doc.id_) for doc in docs}
    try:
        return pipeline.run(documents=docs, store_doc_text=False), []
    except Exception as exc:  # noqa: BLE001 - whatever the store refused, retry or report it
        _restore(docstore, vector_store, before)
        if len(docs) == 1:
            log.warning("article %s not stored: %r", docs[0].id_, exc)
            return [], [(docs[0], _reason(exc))]
        log.warning("a batch of %d articles failed (%r); retrying them one by one", len(docs), exc)
    nodes, failed = [], []
    for doc in docs:
        got, lost = embed_batch(pipeline, docstore, vector_store, [doc])
        nodes.extend(got)
        failed.extend(lost)
    return nodes, failed


def _restore(docstore, vector_store, before: dict[str, str | None]) -> None:
    for doc_id, old_hash in before.items():
        if old_hash:
            docstore.set_document_hash(doc_id, old_hash)
        elif docstore.get_document_hash(doc_id) is not None:
            docstore.delete_document(doc_id, raise_error=False)
        vector_store.keep_stored(doc_id)


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:MAX_REASON_CHARS]

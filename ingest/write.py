"""The last step of an ingest run: carry out a `Plan` against Chroma and the docstore.

Chroma is always written before the docstore that describes it (see ingest/run.py for why
a `kill -9` anywhere is harmless), and after each write the collection's revision is bumped
with the articles that changed: the keyword index and the in-memory chunk table
(index/chunks.py) of this and every other process sharing the store then fetch those
articles' chunks from Chroma before their next question.
"""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from typing import Callable

from index.docstore import save_docstore
from index.manifest import FILES, Manifest
from index.settings import Settings
from index.store import open_store
from ingest.batches import embed_batch
from ingest.chunking import LongestFirst, make_splitter
from ingest.discover import origin_gone
from ingest.plan import Plan, ReadArticle
from ingest.report import IngestReport

# Articles per pipeline run: each run ends with its chunks in Chroma, a revision bump and a
# docstore save (what a crash can lose), and its chunks are embedded sorted by length, so
# a larger batch pads less.
BATCH_ARTICLES = 64

Progress = Callable[[int, int, int], None]  # (articles done, articles to embed, chunks embedded)


def write(plan: Plan, docstore, settings: Settings, report: IngestReport, progress: Progress | None = None) -> None:
    _Write(plan, docstore, settings, report).run(progress)


class _Write:
    def __init__(self, plan: Plan, docstore, settings: Settings, report: IngestReport):
        self.plan, self.docstore, self.settings, self.report = plan, docstore, settings, report
        self.manifest = Manifest(docstore)
        self.store = open_store(settings)
        self.store.collection  # open it now: a bad NEWSBOT_CHROMA_URL or model mismatch is fatal (exit 2)
        self.failed_origins: set[str] = set()  # files with an article the store refused

    @cached_property
    def vectors(self):
        from index.chroma_write import ReplacingChromaVectorStore

        return ReplacingChromaVectorStore(chroma_collection=self.store.collection)

    def run(self, progress: Progress | None) -> None:
        plan, manifest = self.plan, self.manifest
        if plan.prune or plan.prune_aliases:  # first, so that a pruned body can be stored again
            self.prune()
        primaries = manifest.alias_primaries()
        for alias in plan.aliases:
            manifest.record_alias(alias.article.article_id, {
                "primary": alias.primary, "origin": alias.origin, "source_path": alias.article.source_path,
                "url": alias.article.url or "", "body_hash": alias.article.body_hash,
            })
        remark = {alias.primary for alias in plan.aliases}  # articles whose chunks' also_at is (re)written
        if plan.embed:
            remark |= self.embed(primaries, progress)
        remark |= {article_id for article_id, where in plan.also_at.items() if manifest.add_also_at(article_id, where)}
        cached = {origin: entry for origin, entry in plan.stat_cache.items() if origin not in self.failed_origins}
        for origin, entry in cached.items():
            manifest.cache_file(origin, entry["stat"], entry["ids"])
        if remark:
            _record_alias_sources(self.store, manifest, remark)
            self.store.bump_revision(changed=remark)
        if cached or plan.aliases or remark:
            save_docstore(self.docstore, self.settings)

    def prune(self) -> None:
        """Chroma first, then the manifest: a kill between them leaves an article the next
        `--prune` (or `newsbot check --repair`) finishes deleting."""
        plan, manifest = self.plan, self.manifest
        for article_id in plan.prune:
            self.vectors.delete_article(article_id)
            manifest.drop_article(article_id)
        for alias_id in plan.prune_aliases:
            manifest.drop_alias(alias_id)
        self.report.removed += len(plan.prune) + len(plan.prune_aliases)
        self.store.bump_revision(changed=plan.prune)
        manifest.forget_files([origin for origin in manifest.all(FILES) if origin_gone(origin)])
        save_docstore(self.docstore, self.settings)

    def embed(self, primaries: set[str], progress: Progress | None) -> set[str]:
        """Embed and store `plan.embed` in batches; returns the stored articles whose chunks
        must get their `also_at` again (new chunks carry none). An article the store refuses
        is skipped by name and its file is not stat-cached, so the next run tries it again."""
        from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline

        from index.embedding import get_embed_model

        settings, report, todo = self.settings, self.report, self.plan.embed
        pipeline = IngestionPipeline(
            transformations=[
                make_splitter(settings.chunk_tokens, settings.chunk_overlap),
                LongestFirst(),
                get_embed_model(settings.embed_backend, settings.embed_batch_size),
            ],
            docstore=self.docstore,
            vector_store=self.vectors,
            docstore_strategy=DocstoreStrategy.UPSERTS,
            disable_cache=True,
        )
        remark: set[str] = set()
        if todo:
            self.store.record_embedding_runtime()  # before the first vector lands
        for start in range(0, len(todo), BATCH_ARTICLES):
            batch = todo[start : start + BATCH_ARTICLES]
            nodes, failed = embed_batch(pipeline, self.docstore, self.vectors, [item.document for item in batch])
            self.vectors.flush_pending()
            chunks = Counter(node.ref_doc_id for node in nodes)
            refused = {doc.id_: why for doc, why in failed}
            for item in batch:
                article_id = item.document.id_
                if article_id in refused:
                    self.refused(item, refused[article_id])
                    continue
                old = self.manifest.store_article(article_id, _entry(item, chunks[article_id]))
                if old.get("also_at") or article_id in primaries:
                    remark.add(article_id)
            report.chunks_embedded += len(nodes)
            self.store.bump_revision(changed=[item.document.id_ for item in batch])  # in Chroma; the docstore next
            save_docstore(self.docstore, settings)
            if progress:
                progress(start + len(batch), len(todo), report.chunks_embedded)
        return remark

    def refused(self, item: ReadArticle, why: str) -> None:
        if item.document.id_ in self.plan.replacing:
            self.report.updated -= 1
        else:
            self.report.added -= 1
        self.report.skip(item.article.source_path, f"not stored: {why}")
        self.failed_origins.add(item.origin)


def _entry(item: ReadArticle, chunks: int) -> dict:
    article = item.article
    return {"origin": item.origin, "source_path": article.source_path, "url": article.url or "",
            "body_hash": article.body_hash, "chunks": chunks}


def _record_alias_sources(store, manifest: Manifest, primaries: set[str]) -> None:
    """Write the duplicates' urls/paths, and the other sources of the same url and text,
    onto the stored chunks of their primary article (metadata `also_at`), without
    re-embedding anything."""
    for primary in primaries:
        where_else = " | ".join(manifest.places_of(primary))
        got = store.collection.get(where={"document_id": primary}, include=["metadatas"])
        if got["ids"]:
            metas = [{**(meta or {}), "also_at": where_else} for meta in got["metadatas"]]
            store.collection.update(ids=got["ids"], metadatas=metas)

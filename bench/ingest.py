"""Ingest benchmark (not a test): the BBC corpus and the realtimeqa articles.

    nice python bench/ingest.py [--bbc DIR] [--jsonl FILE] [--limit N] [--embed-backend onnx|torch]

Prints articles/s and chunks/s of a full ingest into a fresh embedded store, the ratio of
that throughput to a bare encode of the very same chunk texts in the same run with the
same runtime (`SentenceTransformer.encode` for torch, `OnnxEncoder.encode` for onnx;
target >= 0.9), and the time of a re-index of the unchanged corpus as a fraction
of the full ingest (target <= 2%), with and without the file stat cache.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

# this file is named like the `ingest` package: keep its folder off the import path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

SHARED = Path(__file__).resolve().parents[2] / "shared"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bbc", default=str(SHARED / "corpora" / "bbc"))
    parser.add_argument("--jsonl", default=str(SHARED / "eval" / "realtimeqa-dev" / "articles.jsonl"))
    parser.add_argument("--limit", type=int, default=0,
                        help="only the first N articles of each corpus (0: all), for a quick run")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    parser.add_argument("--embed-backend", default=None, help="onnx or torch (default: the settings' default)")
    args = parser.parse_args()

    from llama_index.core.schema import MetadataMode

    from index.embedding import get_embed_model, sentence_model
    from index.settings import Settings
    from index.store import open_store
    from ingest.chunking import article_to_document, make_splitter
    from ingest.discover import discover
    from ingest.readers import ReadContext, read_file
    from ingest.report import IngestReport
    from ingest.run import ingest_sources

    data_dir = Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    sources = [args.bbc, args.jsonl]
    if args.limit:  # a subset, copied to the (temporary) data dir's side, never the repo
        subset = data_dir.parent / (data_dir.name + "-corpus")
        files = sorted(Path(args.bbc).rglob("*.txt"))
        files = [f for f in files if f.stem.lower() != "readme"]
        step = max(1, len(files) // args.limit)
        for f in files[::step][: args.limit]:
            target = subset / "bbc" / f.parent.name / f.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, target)
        with open(args.jsonl, "rb") as src, open(subset / "articles.jsonl", "wb") as dst:
            for n, line in enumerate(src):
                if n >= args.limit:
                    break
                dst.write(line)
        sources = [str(subset / "bbc"), str(subset / "articles.jsonl")]
    backend = {"embed_backend": args.embed_backend} if args.embed_backend else {}
    settings = Settings(_env_file=None, data_dir=data_dir, sources=sources, **backend)
    get_embed_model(settings.embed_backend, settings.embed_batch_size)

    # the chunk texts as the pipeline embeds them (title + chunk), for the bare encode
    splitter = make_splitter(settings.chunk_tokens, settings.chunk_overlap)
    texts = []
    for unit in discover(settings.sources, IngestReport()):
        for article in read_file(unit.path, ReadContext(max_bytes=settings.max_article_bytes, root=unit.root)):
            doc = article_to_document(article)
            texts.extend(n.get_content(metadata_mode=MetadataMode.EMBED)
                         for n in splitter.get_nodes_from_documents([doc]))
    model = sentence_model(settings.embed_backend)
    # warm both runs alike: the runtime's first full-size batches allocate its buffers
    model.encode(texts[:256], batch_size=settings.embed_batch_size, normalize_embeddings=True)

    started = time.perf_counter()
    report = ingest_sources(settings)
    full = time.perf_counter() - started
    articles = report.added + report.duplicates
    chunks = report.chunks_embedded

    started = time.perf_counter()
    model.encode(texts, batch_size=settings.embed_batch_size, normalize_embeddings=True)
    bare = time.perf_counter() - started

    started = time.perf_counter()
    again = ingest_sources(settings)
    reindex_cached = time.perf_counter() - started
    started = time.perf_counter()
    again_uncached = ingest_sources(settings, use_stat_cache=False)
    reindex_read = time.perf_counter() - started
    assert again.chunks_embedded == 0 and again_uncached.chunks_embedded == 0

    figures = {
        "embed_backend": settings.embed_backend,
        "articles": articles,
        "articles_stored": report.added,
        "duplicates": report.duplicates,
        "skipped": len(report.skipped),
        "chunks": chunks,
        "ingest_seconds": round(full, 1),
        "articles_per_s": round(articles / full, 1),
        "chunks_per_s": round(chunks / full, 1),
        "bare_encode_chunks": len(texts),
        "bare_encode_seconds": round(bare, 1),
        "bare_chunks_per_s": round(len(texts) / bare, 1),
        "throughput_ratio": round((chunks / full) / (len(texts) / bare), 3),
        "reindex_unchanged_seconds": round(reindex_cached, 2),
        "reindex_fraction": round(reindex_cached / full, 4),
        "reindex_reading_every_file_seconds": round(reindex_read, 2),
        "reindex_reading_every_file_fraction": round(reindex_read / full, 4),
        "index_mb": round(sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file()) / 1e6, 1),
        "store_chunks": open_store(settings).count(),
    }
    print(json.dumps(figures, indent=2))
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(data_dir.parent / (data_dir.name + "-corpus"), ignore_errors=True)


if __name__ == "__main__":
    main()

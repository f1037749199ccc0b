"""What a write costs a reader: the keyword index catching up by a delta from the write
log, against a full rebuild, at 10k / 100k chunks, after writes of 1 / 10 / 100 articles.

    nice -n 10 python bench/catchup.py [--sizes 10000,100000] [--writes 1,10,100] [--mode embedded]

The chunks are the eval corpus's real chunks (ingest it once with `newsbot eval`), copied up
to the target size as in bench/query.py. For each write it prints the catch-up time (the
reader becoming current), the first question's retrieval latency after another write of
the same size, in `serve` (its background thread caught up first) and when the question
applies the delta itself (the CLI; `serve` when the question comes first), the p50 of
questions without a write, and whether the caught-up index ranks the eval
questions exactly as a from-scratch rebuild (top 10, scores).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.query import QUESTIONS, eval_dir_or_exit, scratch_store, source_chunks  # noqa: E402
from index.chunks import ChunkTable  # noqa: E402
from index.retrieval import Window, retrieve  # noqa: E402
from index.settings import Settings  # noqa: E402
from index.store import open_store  # noqa: E402


def copy_chunks(ids, docs, metas, vecs, tag: str, rows):
    """Chunks `rows` of the source as chunks of new articles `<article><tag>`."""
    new_ids = ["{0}{2}-{1}".format(*ids[i].rsplit("-", 1), tag) for i in rows]
    new_metas = [{**metas[i], "article_id": f"{metas[i]['article_id']}{tag}",
                  "document_id": f"{metas[i].get('document_id') or metas[i]['article_id']}{tag}"} for i in rows]
    return new_ids, [docs[i] for i in rows], new_metas, vecs[rows]


def fill(store, size, ids, docs, metas, vecs) -> None:
    rng = np.random.default_rng(0)
    written, copy = 0, 0
    while written < size:
        for start in range(0, len(ids), 2000):
            n = min(2000, len(ids) - start, size - written)
            if n <= 0:
                break
            new_ids, new_docs, new_metas, v = copy_chunks(ids, docs, metas, vecs, f"c{copy}", np.arange(start, start + n))
            if copy:
                v = v + rng.normal(0, 0.02, v.shape).astype(np.float32)
                v /= np.linalg.norm(v, axis=1, keepdims=True)
            store.collection.add(ids=new_ids, documents=new_docs, metadatas=new_metas, embeddings=v.tolist())
            written += n
        copy += 1
    store.bump_revision()  # not logged: readers build from every chunk


def write(store, by_article, n, tag, source) -> None:
    """A write of `n` articles (copies of eval articles), logged like an ingest batch."""
    ids, docs, metas, vecs = source
    chosen = list(by_article)[:n]
    rows = np.array([r for a in chosen for r in by_article[a]])
    new_ids, new_docs, new_metas, v = copy_chunks(ids, docs, metas, vecs, tag, rows)
    store.collection.add(ids=new_ids, documents=new_docs, metadatas=new_metas, embeddings=v.tolist())
    store.bump_revision(changed={m["document_id"] for m in new_metas})


def same_rankings(index: ChunkTable, store, questions) -> bool:
    scratch = ChunkTable(store)
    scratch.rebuild()
    for q in questions:
        a = [(h.chunk_id, round(h.score, 9)) for h in index.search(q, 10)]
        b = [(h.chunk_id, round(h.score, 9)) for h in scratch.search(q, 10)]
        if a != b or index.title_scores(q) != scratch.title_scores(q):
            return False
    return True


def run(size, mode, writes, source, by_article, questions, memory):
    with scratch_store(mode, "newsbot-catchup-") as (_, fields):
        store = open_store(Settings(_env_file=None, **fields))
        fill(store, size, *source)
        index = store.chunks
        started = time.perf_counter()
        index.rebuild()
        full = time.perf_counter() - started
        window = Window()
        retrieve(store, questions[0], 5, window=window)  # warm: the embedder, Chroma's index
        base = []
        for q in questions[1:21]:
            t = time.perf_counter()
            retrieve(store, q, 5, window=window)
            base.append((time.perf_counter() - t) * 1000)
        p50 = statistics.median(base)
        rows = []
        for n in writes:
            write(store, by_article, n, f"w{n}", source)
            t = time.perf_counter()
            index.ensure_current()
            catchup = time.perf_counter() - t
            write(store, by_article, n, f"v{n}", source)
            t = time.perf_counter()
            retrieve(store, questions[21 + len(rows)], 5, window=window)
            first = (time.perf_counter() - t) * 1000
            rows.append((n, catchup, first))
        index.follow(0.05)  # as in `serve`: a background thread catches up
        followed = []
        for n in writes:
            write(store, by_article, n, f"u{n}", source)
            target = store.revision()
            while index.revision != target:
                time.sleep(0.005)
            t = time.perf_counter()
            retrieve(store, questions[40 + len(followed)], 5, window=window)
            followed.append((time.perf_counter() - t) * 1000)
        index.stop()
        same = same_rankings(index, store, questions)
        held = index.memory()
        memory.append(f"{mode} {size:,} chunks: " + ", ".join(f"{k} {v / 1e6:.0f} MB" for k, v in held.items()))
        for (n, catchup, first), after in zip(rows, followed):
            print(f"| {mode} | {size:,} | {n} | {full:.1f} s | {catchup * 1000:.0f} ms ({100 * catchup / full:.2f} %) "
                  f"| {after:.0f} ms ({after / p50:.2f}×) | {first:.0f} ms ({first / p50:.2f}×) | {p50:.0f} ms "
                  f"| {'yes' if same else 'NO'} |", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--eval-dir", type=Path, default=None, help="data dir of the ingested eval corpus")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--writes", default="1,10,100")
    parser.add_argument("--mode", default="embedded", choices=["embedded", "server"])
    args = parser.parse_args()
    eval_dir = eval_dir_or_exit(args.eval_dir)
    ids, docs, metas, vecs = source_chunks(eval_dir)
    by_article: dict[str, list[int]] = {}
    for i, m in enumerate(metas):
        by_article.setdefault(m["article_id"], []).append(i)
    questions = [json.loads(line)["question"] for line in open(QUESTIONS)]
    print(f"source: {len(ids)} real chunks of {len(by_article)} articles from {eval_dir}")
    print("| mode | chunks | articles written | full rebuild | catch-up (share of rebuild) "
          "| first question after the write, serve (× p50) | … applying the delta itself (× p50) "
          "| question p50, no write | same top 10 as a rebuild |")
    print("|---|---|---|---|---|---|---|---|---|")
    memory: list[str] = []
    for size in [int(s) for s in args.sizes.split(",")]:
        run(size, args.mode, [int(n) for n in args.writes.split(",")], (ids, docs, metas, vecs), by_article, questions,
            memory)
    print("\nwhat one process holds for its keyword index and chunk table:")
    print("\n".join(memory))


if __name__ == "__main__":
    main()

"""Retrieval latency (no LLM) at 10k and 100k chunks, embedded and server, against the
floor: the query's embedding plus a bare Chroma `query` on the same collection.

    python bench/query.py [--sizes 10000,100000] [--modes embedded,server] [--queries 50]
                          [--filter-outlets usatoday.com,theweek.co.uk]

`--filter-outlets` adds a run per outlet with retrieval scoped to that outlet's articles
(`retrieve(..., sources=)`, bot/scope.py), compared with the unscoped run (target ≤ 1.5×).

The chunks are the real chunks of the eval corpus (ingest it once with `newsbot eval`),
copied with slightly perturbed vectors up to the target size, so that the collection and
the keyword index have the size and shape of a real archive. Prints one table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.embedding import get_embed_model  # noqa: E402
from index.retrieval import Window, retrieve  # noqa: E402
from index.settings import Settings  # noqa: E402
from index.store import open_store  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "eval" / "realtimeqa-dev" / "questions.jsonl"


def source_chunks(eval_dir: Path, page: int = 5000):
    """Every chunk of the ingested eval corpus, read a page at a time (one `get` of a large
    collection exceeds SQLite's variable limit)."""
    settings = Settings(_env_file=None, data_dir=eval_dir, collection=f"eval-{eval_dir.name}")
    col = open_store(settings).collection
    ids, docs, metas, vecs = [], [], [], []
    for offset in range(0, col.count(), page):
        got = col.get(include=["documents", "metadatas", "embeddings"], limit=page, offset=offset)
        ids += got["ids"]
        docs += got["documents"]
        metas += got["metadatas"]
        vecs.append(np.asarray(got["embeddings"], dtype=np.float32))
    return ids, docs, metas, np.concatenate(vecs)


def fill(store, size: int, ids, docs, metas, vecs) -> None:
    rng = np.random.default_rng(0)
    batch = 2000
    written = 0
    copy = 0
    while written < size:
        for start in range(0, len(ids), batch):
            n = min(batch, len(ids) - start, size - written)
            if n <= 0:
                break
            v = vecs[start : start + n]
            if copy:
                v = v + rng.normal(0, 0.02, v.shape).astype(np.float32)
                v /= np.linalg.norm(v, axis=1, keepdims=True)
            # copy c of chunk "<article>-<n>" is "<article>c<c>-<n>", of its own article
            new_ids = ["{0}c{2}-{1}".format(*i.rsplit("-", 1), copy) for i in ids[start : start + n]]
            new_metas = [{**m, "article_id": f"{m['article_id']}c{copy}"} for m in metas[start : start + n]]
            store.collection.add(ids=new_ids, documents=docs[start : start + n], metadatas=new_metas, embeddings=v.tolist())
            written += n
        copy += 1
    store.bump_revision()


def percentiles(values):
    values = sorted(values)
    return values[len(values) // 2], values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def measure(store, questions, k=5):
    model = get_embed_model()
    window = Window()
    retrieve(store, questions[0], k, window=window)  # warm: model, keyword index
    project, floor = [], []
    for q in questions:
        t = time.perf_counter()
        retrieve(store, q, k, window=window)
        project.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        vector = model.get_query_embedding(q)
        store.collection.query(query_embeddings=[vector], n_results=k * 4, include=["documents", "metadatas", "distances"])
        floor.append((time.perf_counter() - t) * 1000)
    return percentiles(project), percentiles(floor)


def measure_filtered(store, questions, outlet: str, k=5):
    """Retrieval p50/p95 scoped to one outlet's articles, and the share of articles it allows."""
    from bot.scope import Scope

    allowed = Scope(sources=(outlet,)).allowed(store)
    window = Window()
    retrieve(store, questions[0], k, window=window, sources=allowed)  # warm: the outlet's mask
    times = []
    for q in questions:
        t = time.perf_counter()
        hits = retrieve(store, q, k, window=window, sources=allowed)
        times.append((time.perf_counter() - t) * 1000)
        assert all(h.article_id in allowed for h in hits)
    articles = {a for a in (m.get("article_id") for m in store.collection.get(include=["metadatas"])["metadatas"])}
    return percentiles(times), len(allowed) / max(1, len(articles))


def start_server(path: Path):
    import socket
    import urllib.request

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(60):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2)
            return proc, f"http://127.0.0.1:{port}"
        except Exception:
            time.sleep(1)
    proc.kill()
    raise RuntimeError("chroma run did not start")


@contextlib.contextmanager
def scratch_store(mode: str, prefix: str):
    """A temporary data dir and the Settings fields of a store in it: embedded, or on a
    `chroma run` server that stops (the stack closes) before its directory goes."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name, contextlib.ExitStack() as stack:
        tmp = Path(name)
        fields = {"data_dir": tmp / "data", "collection": "bench"}
        if mode == "server":
            server, url = start_server(tmp / "server")
            stack.callback(server.wait, timeout=30)
            stack.callback(server.terminate)
            fields["chroma_url"] = url
        yield tmp, fields


def corpus_size_parser() -> argparse.ArgumentParser:
    """The options of a benchmark over copied-up eval chunks: the source, the sizes, the store modes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--eval-dir", type=Path, default=None, help="data dir of the ingested eval corpus")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--modes", default="embedded,server")
    return parser


def eval_dir_or_exit(eval_dir: Path | None) -> Path:
    """`eval_dir`, else the ingested eval corpus for the configured embedder: its vectors must match the queries'."""
    eval_dir = eval_dir or next((ROOT / ".newsbot" / "eval").glob(f"*-{Settings().embed_backend}"), None)
    if eval_dir is None:
        sys.exit("ingest the eval corpus first: newsbot eval ../shared/eval/realtimeqa-dev --limit 1 --backend none")
    return eval_dir


def main():
    parser = corpus_size_parser()
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--filter-outlets", default="", help="comma-separated outlets for scoped runs")
    args = parser.parse_args()
    eval_dir = eval_dir_or_exit(args.eval_dir)
    questions = [json.loads(l)["question"] for l in open(QUESTIONS)][: args.queries]
    ids, docs, metas, vecs = source_chunks(eval_dir)
    print(f"source: {len(ids)} real chunks from {eval_dir}")
    rows, filtered = [], []
    for mode in args.modes.split(","):
        for size in [int(s) for s in args.sizes.split(",")]:
            with scratch_store(mode, "newsbot-bench-") as (_, fields):
                store = open_store(Settings(_env_file=None, **fields))
                t = time.perf_counter()
                fill(store, size, ids, docs, metas, vecs)
                load_s = time.perf_counter() - t
                (p50, p95), (f50, f95) = measure(store, questions)
                rows.append((mode, size, p50, p95, f50, f95, load_s))
                for outlet in [o for o in args.filter_outlets.split(",") if o]:
                    (s50, s95), share = measure_filtered(store, questions, outlet)
                    filtered.append((mode, size, outlet, share, s50, s95, p50))
                    print(f"{mode:8} {size:>7} chunks, only {outlet} ({share:.0%} of articles): "
                          f"p50 {s50:.1f} ms p95 {s95:.1f} ms | ratio to unscoped p50 {s50 / p50:.2f}x")
                print(f"{mode:8} {size:>7} chunks: project p50 {p50:.1f} ms p95 {p95:.1f} ms | floor p50 {f50:.1f} ms p95 {f95:.1f} ms | ratio p50 {p50 / f50:.2f}x")
    print()
    print("| store | chunks | retrieval p50 ms | p95 ms | floor p50 ms | floor p95 ms | p50 ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for mode, size, p50, p95, f50, f95, _ in rows:
        print(f"| {mode} | {size:,} | {p50:.1f} | {p95:.1f} | {f50:.1f} | {f95:.1f} | {p50 / f50:.2f}x |")
    if filtered:
        print()
        print("| store | chunks | scope | articles allowed | scoped p50 ms | p95 ms | unscoped p50 ms | p50 ratio |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for mode, size, outlet, share, s50, s95, p50 in filtered:
            print(f"| {mode} | {size:,} | {outlet} | {share:.0%} | {s50:.1f} | {s95:.1f} | {p50:.1f} | {s50 / p50:.2f}x |")


if __name__ == "__main__":
    main()

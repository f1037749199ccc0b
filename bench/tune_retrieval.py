"""Grid over fusion settings on the eval set, from candidate lists computed once.

    python bench/tune_retrieval.py [--eval-dir .newsbot/eval/<fingerprint>]

For each question: the vector and BM25 candidates inside its date window (as of the day
it was asked), and the article-level title BM25. Then every variant (RRF k, weights,
title weight, recency scale and form) is scored
offline at article level: Hit@1/5/10 and MRR@10. Prints the table, best first.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.evaluation.metrics import normalise_url  # noqa: E402
from bot.time_window import window_for  # noqa: E402
from index.retrieval import Hit, _day, keyword_index, query_vector, vector_search  # noqa: E402
from index.settings import Settings  # noqa: E402
from index.store import open_store  # noqa: E402

DATASET = ROOT.parent / "shared" / "eval" / "realtimeqa-dev"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--eval-dir", type=Path, default=None)
    parser.add_argument("--candidates", type=int, default=60)
    args = parser.parse_args()
    eval_dir = args.eval_dir or next((ROOT / ".newsbot" / "eval").glob(f"*-{Settings().embed_backend}"))
    store = open_store(Settings(_env_file=None, data_dir=eval_dir, collection=f"eval-{eval_dir.name}"))
    questions = [json.loads(l) for l in open(DATASET / "questions.jsonl")]
    cases = []
    kw_scores = {}
    for q in questions:
        window = window_for(q["question"], as_of=date.fromisoformat(q["asked"]))
        vec = vector_search(store, query_vector(store, q["question"]), args.candidates, window)
        kw_raw = keyword_index(store).search(q["question"], args.candidates, window.min_day, window.max_day)
        kw = [Hit.from_chroma(h.chunk_id, h.text, h.metadata, 0.0) for h in kw_raw]
        kw_scores[id(kw)] = [h.score for h in kw_raw]
        gold = {normalise_url(u) for u in q["gold_urls"]}
        titles = keyword_index(store).title_scores(q["question"])
        cases.append((window.as_of_day, vec, kw, gold, titles))

    def score(rrf_k, w_vec, w_kw, scale, form, per_article, w_title=0.0):
        h1 = h5 = h10 = mrr = 0.0
        for as_of, vec, kw, gold, titles in cases:
            fused, meta = {}, {}
            for weight, ranking, raw in ((w_vec, vec, [h.score for h in vec]), (w_kw, kw, kw_scores[id(kw)])):
                top = max(raw) if raw else 1.0
                for rank, hit in enumerate(ranking):
                    part = weight / (rrf_k + rank + 1) if rrf_k else weight * raw[rank] / top
                    fused[hit.chunk_id] = fused.get(hit.chunk_id, 0) + part
                    meta[hit.chunk_id] = hit
            if w_title:
                best = max((titles.get(h.article_id, 0.0) for h in meta.values()), default=0.0) or 1.0
                for cid, hit in meta.items():
                    fused[cid] += w_title * titles.get(hit.article_id, 0.0) / best
            if scale:
                for cid, hit in meta.items():
                    day = _day(hit.published)
                    if day is None:
                        continue
                    age = max(0, as_of - day)
                    decay = math.exp(-age / scale)
                    fused[cid] *= decay if form == "exp" else 0.5 + 0.5 * decay
            articles: dict[str, float] = {}
            urls: dict[str, str] = {}
            for cid in sorted(fused, key=fused.get, reverse=True):
                hit = meta[cid]
                if per_article == "max":
                    articles.setdefault(hit.article_id, fused[cid])
                else:
                    articles[hit.article_id] = articles.get(hit.article_id, 0) + fused[cid]
                urls[hit.article_id] = normalise_url(hit.url)
            ranked = [urls[a] for a in sorted(articles, key=articles.get, reverse=True)][:10]
            first = next((i for i, u in enumerate(ranked, 1) if u in gold), None)
            h1 += first == 1
            h5 += bool(first and first <= 5)
            h10 += bool(first)
            mrr += 1 / first if first else 0
        n = len(cases)
        return h1 / n, h5 / n, h10 / n, mrr / n

    rows = []
    # rrf_k 0 = score fusion: cosine + weight x BM25 / best BM25 of the question
    grid = itertools.product(
        [0, 10, 60], [1.0], [0.5, 1.0, 1.5, 2.0], [0, 14, 30, 60], ["exp", "half"], ["max", "sum"],
        [0.0, 0.25, 0.5, 1.0],
    )
    for rrf_k, w_vec, w_kw, scale, form, agg, w_title in grid:
        if scale == 0 and form == "half":
            continue
        params = (rrf_k, w_vec, w_kw, scale, form, agg, w_title)
        rows.append((params, score(*params)))
    for scale in (0, 14, 30):
        rows.append(((60, 0.0, 1.0, scale, "exp", "max", 0.0), score(60, 0.0, 1.0, scale, "exp", "max")))
    rows.sort(key=lambda r: (r[1][3], r[1][1]), reverse=True)
    print("| rrf_k | w_vec | w_kw | recency days | form | article agg | w_title | Hit@1 | Hit@5 | Hit@10 | MRR@10 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for params, (h1, h5, h10, mrr) in rows[:25]:
        print("| " + " | ".join(str(p) for p in params) + f" | {h1:.3f} | {h5:.3f} | {h10:.3f} | {mrr:.3f} |")


if __name__ == "__main__":
    main()

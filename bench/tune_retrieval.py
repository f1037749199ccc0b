"""Fusion variants scored on one or more eval sets, from candidate lists computed once.

    python bench/tune_retrieval.py --dataset ../shared/eval/realtimeqa-2023 \
        --dataset ../shared/eval/realtimeqa-dev [--split halves|gold-age] [--top 30] \
        [--extra-corpus ../shared/corpora/bbc ...] [--shift 0 --shift 365]

For each question: the vector and BM25 candidates (each list's top `CANDIDATES` chunks)
inside its date window as of the day it was asked, and the article-level title BM25 —
computed once per set and cached beside its eval index. Every variant (fusion, BM25
weight, title weight, recency (none, the old multiplied prior, or the bounded freshness
factor with a weight and scale), protection of each signal's top 3) then goes through the production code
(`index.retrieval.fuse` and `top_articles`) to a 10-article list: Hit@1/5/10 and MRR@10.

The protocol: the first dataset (or, with `--split halves`, its first half of weeks) is
the one settings are chosen on; the table is sorted by it, and the other columns are the
sets the choice is reported on. A setting whose best value differs between the columns
is a warning, not a default.
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
import re
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.evaluation.metrics import is_gold, normalise_url  # noqa: E402
from bot.evaluation.runner import (  # noqa: E402
    dataset_fingerprint,
    gold_age,
    load_questions,
    prepare_index,
    published_dates,
    split_rows,
    time_relative,
)
from bot.time_window import window_for  # noqa: E402
from index.retrieval import (  # noqa: E402
    CANDIDATES,
    PROTECTED,
    Hit,
    article_ranks,
    fuse,
    keyword_search,
    query_vector,
    top_articles,
    vector_search,
)
from index.settings import Settings  # noqa: E402
from index.store import open_store  # noqa: E402


WEEK = re.compile(r"\b(this|last|past) week\b", re.I)


def candidates(dataset: Path, open_weeks: bool = False, extra: tuple[Path, ...] = (), shift: int = 0) -> list[dict]:
    """Per question: window, vector hits, (keyword hit, BM25) pairs, title scores, gold.
    `open_weeks`: a "this week" question gets no lower date bound, only the 7-day recency
    scale ("phrase span" in the grid) as its preference for the last days. `extra`: other
    corpora in the same index; `shift`: asked that many days after the question's date
    (questions whose words are relative to the day asked are left out)."""
    settings = prepare_index(dataset, Settings(_env_file=None), log=lambda m: print(m, file=sys.stderr), extra=extra)
    tag = f"{dataset_fingerprint(dataset)}-{CANDIDATES}{'-open-weeks' if open_weeks else ''}-shift{shift}"
    cache = Path(settings.data_dir) / f"tune-candidates-{tag}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    store = open_store(settings)
    table = store.chunks
    cases = []
    for q in load_questions(dataset, None):
        if shift and time_relative(q["question"]):
            continue
        window = window_for(q["question"], as_of=date.fromisoformat(q["asked"]) + timedelta(days=shift))
        if WEEK.search(q["question"]):
            window = replace(window, min_day=None if open_weeks else window.min_day, recency_days=7.0)
        with table.pinned():
            vec = vector_search(store, query_vector(store, q["question"]), CANDIDATES, window)
            kw = keyword_search(store, q["question"], CANDIDATES, window)
            titles = table.title_scores(q["question"])
        cases.append({"asked": q["asked"], "window": window, "vector": vec, "keyword": kw, "titles": titles,
                      "gold": {normalise_url(u) for u in q["gold_urls"]}})
    cache.write_bytes(pickle.dumps(cases))
    return cases


def ranked_urls(case: dict, fusion: str, w_kw: float, w_title: float, recency: str, phrase: bool,
                protect: bool, n: int = 10) -> list[list[str]]:
    """`recency`: "none", "x<days>" (every question multiplied by exp(-age/days), the old
    prior) or "+<weight>/<days>" (score × (1 + weight × freshness); questions asking for the
    latest news multiplied by freshness, as `fuse` does)."""
    window = case["window"] if phrase else replace(case["window"], recency_days=None)
    days, weight = None, 0.0
    if recency.startswith("x"):
        days, window = float(recency[1:]), replace(window, latest=True)
    elif recency.startswith("+"):
        weight, days = (float(x) for x in recency[1:].split("/"))
    fused = fuse(case["vector"], case["keyword"], window, w_kw, days, title_scores=case["titles"],
                 title_weight=w_title, fusion=fusion, recency_weight=weight)
    protected = []
    if protect:
        for hits in (case["vector"], [h for h, _ in case["keyword"]]):
            protected += [a for a in list(article_ranks(hits))[:PROTECTED] if a not in protected]
    by_article: dict[str, Hit] = {}
    for hit in fused:
        by_article.setdefault(hit.article_id, hit)
    return [[by_article[a].url or "", *(by_article[a].also_at or [])] for a in top_articles(fused, protected, n)]


def figures(cases: list[dict], variant: tuple) -> tuple[float, float, float, float]:
    h1 = h5 = h10 = mrr = 0.0
    for case in cases:
        urls = ranked_urls(case, *variant)
        first = next((i for i, u in enumerate(urls, 1) if is_gold(u, case["gold"])), None)
        h1 += first == 1
        h5 += bool(first and first <= 5)
        h10 += bool(first)
        mrr += 1 / first if first else 0.0
    n = max(1, len(cases))
    return h1 / n, h5 / n, h10 / n, mrr / n


def by_gold_age(dataset: Path, cases: list[dict]) -> list[tuple[str, list[dict]]]:
    """The cases split as `newsbot eval --split gold-age` splits questions (runner.GOLD_AGE_PARTS)."""
    published = published_dates(dataset)
    aged = [{**case, "gold_age": gold_age(case["asked"], case["gold"], published)} for case in cases]
    return split_rows(aged, "gold-age")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, action="append", required=True,
                        help="Eval set (repeatable); the first is the one settings are chosen on.")
    parser.add_argument("--split", choices=["none", "halves", "gold-age"], default="none",
                        help="halves: each set also as its first and second half of weeks (by asked date); "
                             "gold-age: also by the age of the newest gold article (runner.GOLD_AGE_PARTS).")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--extra-corpus", type=Path, action="append", default=[],
                        help="Another eval set or folder of articles in the same index (repeatable).")
    parser.add_argument("--shift", type=int, action="append", default=None,
                        help="Also ask each set this many days after its questions' dates (repeatable; 0 = on the day).")
    parser.add_argument("--open-weeks", action="store_true",
                        help='"this week" questions without the lower date bound (recency scale 7 days instead).')
    args = parser.parse_args()
    columns: list[tuple[str, list[dict]]] = []
    for dataset, shift in itertools.product(args.dataset, args.shift or [0]):
        cases = candidates(dataset, args.open_weeks, tuple(args.extra_corpus), shift)
        name = dataset.name + (f" +{shift}d" if shift else "")
        if args.split == "halves":
            first, second = split_rows(cases, "halves")
            columns += [(f"{name} {first[0]}", first[1]), (f"{name} {second[0]}", second[1])]
        elif args.split == "gold-age":
            columns += [(f"{name} {part}", part_cases) for part, part_cases in by_gold_age(dataset, cases) if part_cases]
        columns.append((name, cases))
    recency = ["none", "x30", *(f"+{w}/{d}" for w in (0.05, 0.1, 0.2, 0.3, 0.5) for d in (14, 30, 90))]
    grid = [
        *itertools.product(["rrf"], [1.0, 1.5], [0.0, 0.5], recency, [False], [False, True]),
        *itertools.product(["score"], [1.0, 1.5, 2.0], [0.0, 0.5], recency, [False], [False, True]),
    ]
    rows = [(v, [figures(cases, v) for _, cases in columns]) for v in grid]
    rows.sort(key=lambda r: (r[1][0][3], r[1][0][1]), reverse=True)
    head = "| fusion | w_kw | w_title | recency | phrase span | protect top 3 | "
    head += " | ".join(f"{name} ({len(cases)}) Hit@1 / @5 / @10 / MRR@10" for name, cases in columns) + " |"
    print(head)
    print("|" + " --- |" * (6 + len(columns)))
    for variant, figs in rows[: args.top]:
        cells = [" / ".join(f"{x:.3f}" for x in f) for f in figs]
        print("| " + " | ".join(str(p) for p in variant) + " | " + " | ".join(cells) + " |")
    print(json.dumps({"variants": len(rows), "columns": [name for name, _ in columns]}), file=sys.stderr)


if __name__ == "__main__":
    main()

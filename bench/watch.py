"""Watchlist precision and recall on an eval dataset, and the threshold that gives them.

Replays the corpus day by day: one watch per eval question, its text as the query, made
a week before the question was asked (`--days`); each day's articles (by publication date)
are that day's new articles, scored against every active watch with the bot's own code
(bot/watch/score.py: hybrid retrieval kept to the new articles, stories, once per story).
A posted story is right when it is the question's gold story: it holds a gold article,
or is the same story as one (the similarity digests group by). Precision: right posts /
posts; recall: questions whose gold story was posted in the week.
The questions are split in two by id (alternately): the threshold is chosen on the
tuning half (best F1 over the grid) and reported on the other half.

    nice -n 10 python bench/watch.py ../shared/eval/realtimeqa-dev [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GRID = [round(0.30 + 0.025 * i, 3) for i in range(17)]  # 0.30 … 0.70


def norm(url: str | None) -> str:
    return (url or "").rstrip("/").lower().replace("http://", "https://", 1)


def replay(questions, scores, by_id, heads, threshold):
    """(posts, right posts, questions recalled) of the watches at `threshold`."""
    from bot.digest.stories import SAME_STORY
    from bot.watch.score import already_posted, stories_from
    from index.watches import Post

    posts = right = recalled = 0
    for q in questions:
        earlier: list[Post] = []
        gold = [by_id[a] for a in q["gold_ids"]]
        hit = False
        for day_scores in scores[q["id"]]:
            matched = [by_id[a] for a, s in day_scores if s >= threshold]
            for new in stories_from(matched):
                if already_posted(new, earlier):
                    continue
                earlier.append(Post(watch=q["id"], key=new.key, channel="", state="posted",
                                    articles=new.article_ids, body=list(new.body), head=list(new.head)))
                posts += 1
                is_gold = bool(set(new.article_ids) & set(q["gold_ids"])) or any(
                    0.5 * float(new.body @ g.vector) + 0.5 * float(new.head @ heads[g.article_id]) >= SAME_STORY
                    for g in gold if g.vector is not None)
                right += is_gold
                hit = hit or is_gold
        recalled += hit
    return posts, right, recalled


def measure(questions, scores, by_id, heads, threshold) -> dict:
    posts, right, recalled = replay(questions, scores, by_id, heads, threshold)
    precision = right / posts if posts else 0.0
    recall = recalled / len(questions) if questions else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"threshold": threshold, "posts": posts, "right": right, "precision": round(precision, 3),
            "recall": round(recall, 3), "f1": round(f1, 3), "questions": len(questions)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--days", type=int, default=7, help="a watch is made this many days before the question")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from bot.digest.stories import add_vectors, window_articles
    from bot.evaluation.runner import prepare_index
    from bot.watch.score import article_scores
    from index.embedding import encode
    from index.retrieval import Window
    from index.settings import get_settings
    from index.store import open_store

    settings = prepare_index(args.dataset, get_settings(), log=lambda m: print(m, file=sys.stderr))
    store = open_store(settings)
    articles = window_articles(store, Window())
    add_vectors(store, articles)
    by_id = {a.article_id: a for a in articles}
    by_url = {norm(a.url): a.article_id for a in articles}
    by_day: dict[int, set[str]] = defaultdict(set)
    for a in articles:
        by_day[a.day].add(a.article_id)
    questions = []
    for line in (args.dataset / "questions.jsonl").open(encoding="utf-8"):
        if line.strip():
            q = json.loads(line)
            q["gold_ids"] = [by_url[norm(u)] for u in q["gold_urls"] if norm(u) in by_url]
            if q["gold_ids"]:
                questions.append(q)
    started = time.perf_counter()
    scores: dict[str, list[list[tuple[str, float]]]] = {}
    epoch = date(1970, 1, 1)
    for q in questions:
        asked = (date.fromisoformat(q["asked"]) - epoch).days
        scores[q["id"]] = [article_scores(store, q["question"], by_day.get(day, set()))
                           for day in range(asked - args.days, asked + 1)]
    scored = time.perf_counter() - started
    tuning = [q for i, q in enumerate(sorted(questions, key=lambda q: q["id"])) if i % 2 == 0]
    report_half = [q for i, q in enumerate(sorted(questions, key=lambda q: q["id"])) if i % 2 == 1]
    gold = sorted({a for q in questions for a in q["gold_ids"]})
    heads = dict(zip(gold, encode([by_id[a].title or a for a in gold])))
    grid = [measure(tuning, scores, by_id, heads, t) for t in GRID]
    best = max(grid, key=lambda r: (r["f1"], r["precision"]))
    held_out = measure(report_half, scores, by_id, heads, best["threshold"])
    result = {"dataset": str(args.dataset), "days": args.days, "questions": len(questions),
              "retrieval_seconds": round(scored, 1), "calls": len(questions) * (args.days + 1),
              "tuning_grid": grid, "chosen": best, "reported": held_out}
    if args.json:
        print(json.dumps(result))
        return
    print("| threshold | tuning precision | tuning recall | tuning F1 | posts |")
    print("| --- | --- | --- | --- | --- |")
    for r in grid:
        print(f"| {r['threshold']} | {r['precision']} | {r['recall']} | {r['f1']} | {r['posts']} |")
    print(f"\nchosen on the tuning half ({best['questions']} questions): threshold {best['threshold']} "
          f"(precision {best['precision']}, recall {best['recall']})")
    print(f"reported on the other half ({held_out['questions']} questions): threshold {held_out['threshold']}: "
          f"precision {held_out['precision']}, recall {held_out['recall']} ({held_out['posts']} posts, "
          f"{held_out['right']} right); {result['calls']} scorings in {scored:.0f} s")


if __name__ == "__main__":
    main()

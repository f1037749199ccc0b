"""Digest quality on an eval dataset: for each quiz week (the 7 days before each `asked`
date) a digest of at most N stories, as of that day.

story coverage: share of the week's questions whose gold article is in one of the digest's
stories (the quiz asks about the week's news, so a good digest holds those stories);
reachable: share whose gold article was published in the window at all (the ceiling);
citation support: share of digest sentences whose every marker points to a verified
citation; invalid markers: markers pointing to no listed citation; seconds per digest.

    nice -n 10 python bench/digest.py ../shared/eval/realtimeqa-dev [--stories 15] [--backend none]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--stories", type=int, default=15)
    parser.add_argument("--backend", default="none")
    parser.add_argument("--days", type=int, default=7, help="window length before each asked date")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from bot.digest.run import run_digest
    from bot.evaluation.runner import prepare_index
    from bot.sentences import markers_in, split_sentences
    from index.settings import get_settings
    from index.store import open_store

    settings = prepare_index(args.dataset, get_settings(), log=lambda m: print(m, file=sys.stderr))
    store = open_store(settings)
    weeks: dict[str, list[dict]] = defaultdict(list)
    for line in (args.dataset / "questions.jsonl").open(encoding="utf-8"):
        if line.strip():
            q = json.loads(line)
            weeks[q["asked"]].append(q)
    norm = lambda u: (u or "").rstrip("/").lower().replace("http://", "https://", 1)  # noqa: E731
    published = {norm(m.get("url")): m.get("published") for m in store.chunks.metadatas()}
    rows, covered, reachable, total, sentences, supported, invalid, seconds = [], 0, 0, 0, 0, 0, 0, []
    for asked, questions in sorted(weeks.items()):
        as_of = date.fromisoformat(asked)
        since = as_of - timedelta(days=args.days)
        started = time.perf_counter()
        result = run_digest(settings, backend=args.backend, as_of=as_of, since=since, stories=args.stories,
                            store=store).to_dict()
        seconds.append(time.perf_counter() - started)
        in_digest = {norm(a["url"]) for s in result["stories"] for a in s["articles"]}
        week_covered = sum(any(norm(u) in in_digest for u in q["gold_urls"]) for q in questions)
        week_reachable = sum(any(since.isoformat() <= (published.get(norm(u)) or "") <= asked for u in q["gold_urls"])
                             for q in questions)
        for story in result["stories"]:
            listed = {c["n"]: c["verified"] for c in story["citations"]}
            for sentence in split_sentences(story["summary"]):
                marks = markers_in(sentence)
                sentences += 1
                invalid += sum(1 for n in marks if n not in listed)
                supported += bool(marks) and all(listed.get(n) for n in marks)
        covered, reachable, total = covered + week_covered, reachable + week_reachable, total + len(questions)
        rows.append({"asked": asked, "questions": len(questions), "covered": week_covered,
                     "reachable": week_reachable, "stories": len(result["stories"]), "seconds": round(seconds[-1], 1)})
        print(f"{asked}: {week_covered}/{len(questions)} covered ({week_reachable} reachable), "
              f"{len(result['stories'])} stories, {seconds[-1]:.1f}s", file=sys.stderr)
    report = {
        "dataset": str(args.dataset), "backend": args.backend, "stories": args.stories, "weeks": len(rows),
        "questions": total, "story_coverage": round(covered / max(1, total), 3),
        "reachable": round(reachable / max(1, total), 3),
        "citation_support": round(supported / max(1, sentences), 3), "sentences": sentences,
        "invalid_markers": invalid, "seconds_p50": round(statistics.median(seconds), 1) if seconds else None,
        "seconds_max": round(max(seconds), 1) if seconds else None, "rows": rows,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print("| stories | backend | weeks | questions | story coverage | reachable (gold in window) | "
              "citation support | invalid markers | s per digest p50 / max |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        print(f"| {args.stories} | {args.backend} | {len(rows)} | {total} | {report['story_coverage']} | "
              f"{report['reachable']} | {report['citation_support']} ({sentences} sentences) | {invalid} | "
              f"{report['seconds_p50']} / {report['seconds_max']} |")


if __name__ == "__main__":
    main()

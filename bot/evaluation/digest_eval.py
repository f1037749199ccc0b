"""`newsbot eval --digest`: digest quality on an eval dataset. For each quiz week (the
`WEEK_DAYS` days before each `asked` date) a digest of at most `DIGEST_STORIES` stories,
as of that day.

The quiz asks about the week's news, so a good weekly digest holds the stories it asks
about: **story coverage** is the share of the week's questions whose gold article is one
of the digest's story articles; **reachable** the share whose gold article was published
in the window at all (the ceiling); **citation support** the share of digest sentences
whose every marker points to a verified citation; **invalid markers** the markers that
point to no listed citation (must be 0); seconds per digest, with the store open and the
models loaded (a running bot has both).
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from bot.evaluation.intervals import interval
from bot.evaluation.metrics import normalise_url
from bot.evaluation.runner import load_questions, prepare_index, split_rows
from index.settings import Settings

DIGEST_STORIES = 15
WEEK_DAYS = 7


def quiz_weeks(questions: list[dict]) -> dict[str, list[dict]]:
    """The questions of each `asked` date, oldest first (undated questions have no week)."""
    weeks: dict[str, list[dict]] = {}
    for q in sorted((q for q in questions if q.get("asked")), key=lambda q: q["asked"]):
        weeks.setdefault(q["asked"], []).append(q)
    return weeks


def sentence_checks(story: dict) -> tuple[int, int, int]:
    """(sentences, supported sentences, invalid markers) of one digest story."""
    from bot.sentences import markers_in, split_sentences

    listed = {c["n"]: c["verified"] for c in story["citations"]}
    sentences = supported = invalid = 0
    for sentence in split_sentences(story["summary"]):
        marks = markers_in(sentence)
        sentences += 1
        invalid += sum(1 for n in marks if n not in listed)
        supported += bool(marks) and all(listed.get(n) for n in marks)
    return sentences, supported, invalid


def week_row(asked: str, questions: list[dict], digest: dict, published: dict[str, str], seconds: float,
             days: int = WEEK_DAYS) -> dict:
    """One week's figures: which questions the digest covers and how its sentences check."""
    since = (date.fromisoformat(asked) - timedelta(days=days)).isoformat()
    in_digest = {normalise_url(a["url"]) for s in digest["stories"] for a in s["articles"]}
    covered, reachable = [], []
    for q in questions:
        gold = [normalise_url(u) for u in q.get("gold_urls", [])]
        covered.append(any(u in in_digest for u in gold))
        reachable.append(any(since <= (published.get(u) or "")[:10] <= asked for u in gold))
    checks = [sentence_checks(s) for s in digest["stories"]]
    return {
        "asked": asked, "questions": len(questions), "covered": sum(covered), "reachable": sum(reachable),
        "covered_ids": [q.get("id") for q, hit in zip(questions, covered) if hit],
        "stories": len(digest["stories"]), "sentences": sum(c[0] for c in checks),
        "supported": sum(c[1] for c in checks), "invalid_markers": sum(c[2] for c in checks),
        "llm_stories": digest.get("llm_stories"), "seconds": round(seconds, 2),
    }


def summarise_weeks(rows: list[dict]) -> dict:
    """Coverage (with its 95 % interval over questions), support, markers and time of some weeks."""
    coverage = [1.0] * sum(r["covered"] for r in rows) + [0.0] * sum(r["questions"] - r["covered"] for r in rows)
    questions = sum(r["questions"] for r in rows)
    sentences = sum(r["sentences"] for r in rows)
    seconds = [r["seconds"] for r in rows]
    return {
        "weeks": len(rows), "questions": questions,
        "story_coverage": round(sum(coverage) / max(1, questions), 3),
        "story_coverage_ci95": [round(x, 3) for x in interval(coverage)],
        "reachable": round(sum(r["reachable"] for r in rows) / max(1, questions), 3),
        "sentences": sentences,
        "citation_support": round(sum(r["supported"] for r in rows) / max(1, sentences), 3),
        "invalid_markers": sum(r["invalid_markers"] for r in rows),
        "stories_shown": sum(r["stories"] for r in rows),
        "llm_stories": sum(r["llm_stories"] or 0 for r in rows),
        "seconds_p50": round(statistics.median(seconds), 1) if seconds else None,
        "seconds_max": round(max(seconds), 1) if seconds else None,
    }


def run_digest_eval(dataset: Path, settings: Settings, backend: str | None = None, stories: int = DIGEST_STORIES,
                    limit: int | None = None, split: str | None = None, days: int = WEEK_DAYS,
                    llm_cache: Path | None = None, answers: bool = True, log=print) -> dict:
    """A digest per quiz week of the dataset's questions (the weeks of the first `limit`).
    `answers` off (`--retrieval-only`) writes extractively: the stories, not the model."""
    from bot.digest.run import run_digest
    from bot.llm import get_llm
    from index.embedding import encode
    from index.store import open_store

    eval_settings = prepare_index(dataset, settings, log)
    store = open_store(eval_settings)
    backend = (backend or settings.llm) if answers else "none"
    llm = get_llm(eval_settings, backend)
    if llm is not None and llm_cache:
        from bot.llm.cached import CachedLLM

        llm = CachedLLM(llm, llm_cache)
    questions = load_questions(dataset, limit)
    table = store.chunks
    published = {normalise_url(m.get("url")): str(m.get("published") or "") for m in table.metadatas()}
    encode(["warm-up"])  # the embedding model loads once, as in a running bot
    rows = []
    for asked, week in quiz_weeks(questions).items():
        as_of = date.fromisoformat(asked)
        started = time.perf_counter()
        digest = run_digest(eval_settings, backend=backend, as_of=as_of, since=as_of - timedelta(days=days),
                            stories=stories, store=store, llm=llm)
        seconds = time.perf_counter() - started
        rows.append(week_row(asked, week, digest.to_dict() | {"llm_stories": digest.timings["llm_stories"]},
                             published, seconds, days))
        row = rows[-1]
        log(f"{asked}: {row['covered']}/{row['questions']} covered ({row['reachable']} reachable), "
            f"{row['stories']} stories, {row['seconds']:.1f} s")
    report = {"dataset": str(dataset), "backend": backend, "stories": stories, "days": days,
              **summarise_weeks(rows)}
    if split:
        report["split"] = []
        for name, part in split_rows(questions, split):
            dates = {q.get("asked") for q in part}
            report["split"].append({"part": name, **summarise_weeks([r for r in rows if r["asked"] in dates])})
    report["rows"] = rows
    return report


def _line(label: str, part: dict, report: dict) -> str:
    low, high = part["story_coverage_ci95"]
    return (f"| {label} | {report['stories']} | {report['backend']} | {part['weeks']} | {part['questions']} | "
            f"{part['story_coverage']:.3f} ({low:.2f}–{high:.2f}) | {part['reachable']:.3f} | "
            f"{part['citation_support']:.3f} ({part['sentences']} sentences) | {part['invalid_markers']} | "
            f"{part['llm_stories']} of {part['stories_shown']} | {part['seconds_p50']} / {part['seconds_max']} |")


def digest_markdown(report: dict) -> str:
    lines = [
        f"Dataset: `{report['dataset']}` — a digest of at most {report['stories']} stories for each quiz week "
        f"(the {report['days']} days before each asked date); 95 % interval of the coverage in brackets.",
        "",
        "| part | stories | backend | weeks | questions | story coverage | reachable (gold in window) | "
        "citation support | invalid markers | stories written by the LLM | s per digest p50 / max |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        _line("all", report, report),
    ]
    lines += [_line(part["part"], part, report) for part in report.get("split") or []]
    return "\n".join(lines)

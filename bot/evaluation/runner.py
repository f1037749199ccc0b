"""Runs the evaluation: ingest the dataset's articles into their own data dir (cached by
content), then ask every question as of its `asked` date, per retrieval method."""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import date
from pathlib import Path

from bot.evaluation.intervals import interval
from bot.evaluation.metrics import (
    answer_correct,
    contains_answer,
    gold_rank,
    is_gold,
    normalise_text,
    normalise_url,
    percentile,
    supports_answer,
    without_markers,
)
from bot.stop_words import STOP_WORDS
from index.settings import Settings
from index.store import StoreError

METHODS = ("vector", "keyword", "hybrid")
METHOD_NAMES = {
    "vector": "vector-only (llama-index retriever, baseline)",
    "keyword": "keyword-only (BM25)",
    "hybrid": "newsbot (BM25 + vector, date window, recency)",
}


def dataset_fingerprint(dataset: Path) -> str:
    """The content hash of a set's articles.jsonl, or of a folder's files (names and bytes)."""
    if (dataset / "articles.jsonl").is_file():
        with open(dataset / "articles.jsonl", "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()[:16]
    digest = hashlib.sha256()
    for path in sorted(p for p in dataset.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(dataset)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def corpus_source(dataset: Path) -> Path:
    """What to ingest of an eval set (its articles.jsonl) or of a plain folder of articles."""
    return dataset / "articles.jsonl" if (dataset / "articles.jsonl").is_file() else dataset


def prepare_index(dataset: Path, settings: Settings, log=print, extra: tuple[Path, ...] = ()) -> Settings:
    """A data dir of its own for the dataset (and `extra` corpora ingested beside it as
    distractors), ingested once per content hash and backend."""
    # one index per content and embedding backend: a collection never mixes two
    name = f"{dataset_fingerprint(dataset)}-{settings.embed_backend}"
    if extra:  # one mixed index per set of corpora, whichever of them is asked about
        corpora = "+".join(sorted({dataset_fingerprint(d) for d in (dataset, *extra)}))
        name = f"mixed-{hashlib.sha256(corpora.encode()).hexdigest()[:16]}-{settings.embed_backend}"
    eval_settings = settings.model_copy(
        update={"data_dir": Path(settings.data_dir) / "eval" / name, "collection": f"eval-{name}"}
    )
    marker = Path(eval_settings.data_dir) / "ingested.ok"
    if not marker.exists():
        from ingest.run import ingest_sources

        sources = [corpus_source(d) for d in sorted({dataset, *extra}, key=dataset_fingerprint)]
        log(f"ingesting {', '.join(map(str, sources))} into {eval_settings.data_dir} (once per content)")
        report = ingest_sources(eval_settings, sources)
        log(report.summary())
        for skipped in report.skipped[:20]:
            log(f"  skipped {skipped['path']}: {skipped['reason']}")
        if not (report.added or report.updated or report.unchanged):
            raise StoreError(f"no article of {dataset / 'articles.jsonl'} could be ingested")
        marker.write_text(name)
    return eval_settings


def baseline_retriever(store):
    """llama-index's plain vector retriever over the same collection: the baseline. Made
    per question from `store.vector_store`, which follows the store's current client (an
    embedded store reopens its client when the collection changed under it)."""
    from llama_index.core import VectorStoreIndex

    from index.embedding import get_embed_model

    store.revision()  # reopen first if the collection moved
    index = VectorStoreIndex.from_vector_store(
        store.vector_store, embed_model=get_embed_model(store.settings.embed_backend)
    )
    return index.as_retriever(similarity_top_k=40)


def baseline_urls(store, question: str, k: int = 10) -> list[list[str]]:
    """Distinct articles in the baseline's chunk ranking, top `k`, as their urls."""
    ranked: dict[str, list[str]] = {}
    for scored in baseline_retriever(store).retrieve(question):
        meta = scored.node.metadata
        also = [a for a in str(meta.get("also_at") or "").split(" | ") if a]
        ranked.setdefault(meta.get("article_id", ""), [meta.get("url") or "", *also])
    return list(ranked.values())[:k]


def load_questions(dataset: Path, limit: int | None) -> list[dict]:
    rows = [json.loads(line) for line in open(dataset / "questions.jsonl", encoding="utf-8") if line.strip()]
    return rows[:limit] if limit else rows


SPLITS = ("halves", "weeks", "gold-age")
# The age of a question's newest gold article tells two kinds of question apart: the week's
# news is in the corpus (what newsbot is for, and how the dev set is built), or only older
# background articles state the answer (many 2023 questions); a recency preference helps
# the first kind and hurts the second, so figures are worth reading per kind.
GOLD_AGE_PARTS = (("gold ≤ 7 days old", 0, 7), ("newest gold 8–30 days old", 8, 30),
                  ("newest gold > 30 days old", 31, None))
NO_GOLD = "no dated gold article in the corpus"


def published_dates(dataset: Path) -> dict[str, str]:
    """Each article's publication day (YYYY-MM-DD) by normalised url."""
    dates = {}
    for line in open(dataset / "articles.jsonl", encoding="utf-8"):
        if line.strip():
            article = json.loads(line)
            dates[normalise_url(article.get("url") or "")] = (article.get("published") or "")[:10]
    return dates


def gold_age(asked: str | None, gold_urls, published: dict[str, str]) -> int | None:
    """Days from the question's newest dated gold article to the question (None: no date)."""
    if not asked:
        return None
    day = date.fromisoformat(asked)
    ages = [(day - date.fromisoformat(published[u])).days
            for u in map(normalise_url, gold_urls) if published.get(u)]
    return min(ages) if ages else None


def split_rows(rows: list[dict], split: str) -> list[tuple[str, list[dict]]]:
    """Rows grouped by their `asked` date: "halves" cuts at the date that splits the
    questions most evenly (a quiz's questions stay together); "weeks" groups by ISO week;
    "gold-age" by the rows' `gold_age` (see GOLD_AGE_PARTS, then NO_GOLD: questions no indexed
    article can answer; empty parts left out)."""
    if split == "gold-age":
        parts = [(name, [r for r in rows if r.get("gold_age") is not None and low <= r["gold_age"]
                         and (high is None or r["gold_age"] <= high)]) for name, low, high in GOLD_AGE_PARTS]
        parts.append((NO_GOLD, [r for r in rows if r.get("gold_age") is None]))
        return [(name, part) for name, part in parts if part]
    dated = sorted(rows, key=lambda r: r.get("asked") or "")
    if split == "weeks":
        groups: dict[str, list[dict]] = {}
        for row in dated:
            asked = row.get("asked")
            label = "{}-W{:02d}".format(*date.fromisoformat(asked).isocalendar()[:2]) if asked else "undated"
            groups.setdefault(label, []).append(row)
        return list(groups.items())
    if split != "halves":
        raise ValueError(f"unknown split {split!r} ({', '.join(SPLITS)})")
    days = sorted({r.get("asked") or "" for r in dated})
    before = {day: sum(1 for r in dated if (r.get("asked") or "") < day) for day in days[1:]}
    cut = min(before, key=lambda day: abs(2 * before[day] - len(dated)), default=None)
    first = [r for r in dated if cut is None or (r.get("asked") or "") < cut]
    second = [r for r in dated if cut is not None and (r.get("asked") or "") >= cut]

    def label(part: list[dict], name: str) -> str:
        return f"{name} ({part[0].get('asked')} to {part[-1].get('asked')})" if part else name

    return [(label(first, "first half"), first), (label(second, "second half"), second)]


def answer_kind(correct: bool, refused: bool, answer: str, right: str, choices: list[str],
                shown_texts: list[str]) -> str:
    """Why an answer is wrong, by what the model had: "refused"; "wrong article" (no
    source shown states the right choice); "wrong span" (it was shown, the answer names a
    wrong choice or something else); "other words" (it was shown, and the answer shares
    words with the right choice without naming it as written: "Joe Biden" for "President
    Joe Biden")."""
    if correct:
        return "right"
    if refused:
        return "refused"
    if not any(supports_answer(text, right) for text in shown_texts):
        return "wrong article"
    answer = without_markers(answer)
    if any(_names(answer, c) for c in choices if normalise_text(c) != normalise_text(right)):
        return "wrong span"
    words = set(normalise_text(right).split()) - STOP_WORDS
    return "other words" if words & set(normalise_text(answer).split()) else "wrong span"


KINDS = ("right", "wrong article", "wrong span", "other words", "refused")


def _names(answer: str, choice: str) -> bool:
    return supports_answer(answer, choice)


def run_eval(
    dataset: Path,
    settings: Settings,
    limit: int | None = None,
    backend: str | None = None,
    methods: tuple[str, ...] = METHODS,
    log=print,
    llm_cache: Path | None = None,
    answers: bool = True,
    split: str | None = None,
    as_of_shift: int = 0,
    extra: tuple[Path, ...] = (),
    without_gold: bool = False,
) -> dict:
    """Every question asked as of its date (plus `as_of_shift` days: asked later, and then
    questions whose words are relative to the day asked are skipped): retrieval per method
    (10-article lists) and, unless `answers` is off, the answer with its citations and its
    kind of miss. `extra`: corpora indexed beside the set as distractors. `without_gold`:
    each question asked with its gold articles and every article stating the answer left
    out of retrieval; a refusal is then the right answer."""
    from datetime import timedelta

    from bot.answer import AnswerEngine
    from bot.scoped_answer import ScopedEngine
    from bot.time_window import window_for
    from index.retrieval import retrieve, retrieve_articles
    from index.store import open_store

    eval_settings = prepare_index(dataset, settings, log, extra=tuple(extra))
    store = open_store(eval_settings)
    questions = load_questions(dataset, limit)
    skipped = []
    if as_of_shift:
        skipped = [q for q in questions if time_relative(q["question"])]
        questions = [q for q in questions if not time_relative(q["question"])]
    backend = backend or settings.llm
    engine = cache = None
    if answers:
        engine = AnswerEngine(eval_settings, backend=backend)
        engine.store = store  # share the open store (and its keyword index)
        if llm_cache and backend != "none":
            from bot.llm.cached import CachedLLM

            engine.llm = cache = CachedLLM(engine.llm, llm_cache)
    table = store.chunks
    published = published_dates(dataset)
    leave_out = GoldArticles(store) if without_gold else None
    rows = []
    for i, q in enumerate(questions, 1):
        as_of = date.fromisoformat(q["asked"]) + timedelta(days=as_of_shift) if q.get("asked") else None
        gold = {normalise_url(u) for u in q.get("gold_urls", [])}
        window = window_for(q["question"], as_of=as_of)
        allowed = leave_out.allowed(gold, q["answer"]) if leave_out else None
        row = {"id": q.get("id"), "question": q["question"], "asked": q.get("asked"),
               "gold_age": gold_age(q.get("asked"), q.get("gold_urls", []), published)}
        for method in methods:
            started = time.perf_counter()
            if method == "vector" and allowed is None:
                urls = baseline_urls(store, q["question"])
            else:
                hits = retrieve_articles(store, q["question"], 10, window=window, method=method, sources=allowed)
                urls = [[h.url or "", *(h.also_at or [])] for h in hits]
            row[f"{method}_ms"] = round((time.perf_counter() - started) * 1000, 2)
            row[f"{method}_rank"] = gold_rank(urls, gold)
        if engine is not None:
            asking = engine if allowed is None else ScopedEngine(engine, Only(allowed))
            result = asking.answer(q["question"], as_of=as_of)
            correct = (result.refused if without_gold
                       else answer_correct(result.answer, q["answer"], q.get("choices", [])))
            shown = [h for h in retrieve(store, q["question"], eval_settings.top_k, window=window,
                                         method=eval_settings.retrieval, sources=allowed)
                     if h.score >= eval_settings.min_relevance]
            cited = [
                {"url": c.url, "title": c.title, "gold": is_gold([c.url or "", *c.also_at], gold),
                 "states_answer": supports_answer(table.article_text(c.article_id), q["answer"])}
                for c in result.citations
            ]
            row.update(
                answer=result.answer, correct=correct, expected=q["answer"], citations=cited,
                refused=result.refused, invalid_markers=result.invalid_markers,
                removed_markers=result.removed_markers, answer_ms=result.timings["total_ms"],
                gold_shown=any(is_gold([h.url or "", *(h.also_at or [])], gold) for h in shown),
                kind=answer_kind(correct, result.refused, result.answer, q["answer"], q.get("choices", []),
                                 [h.text for h in shown]),
            )
        rows.append(row)
        if i % 10 == 0 or i == len(questions):
            log(f"{i}/{len(questions)} questions")
    report = {
        "dataset": str(dataset),
        "questions": len(questions),
        "as_of_shift_days": as_of_shift,
        "extra_corpora": [str(d) for d in extra],
        "without_gold": without_gold,
        "skipped_relative_time": [q["question"] for q in skipped],
        **summarise(rows, methods, backend if engine is not None else None),
        "llm_cache": {"path": str(llm_cache), "replayed": cache.hits, "generated": cache.misses} if cache else None,
    }
    if split:
        report["split"] = [
            {"part": name, "questions": len(part), **summarise(part, methods, backend if engine is not None else None)}
            for name, part in split_rows(rows, split)
        ]
    report["rows"] = rows
    return report


def time_relative(question: str) -> bool:
    """Whether a question's meaning moves with the day it is asked ("this week", "latest",
    "yesterday", "in March"): asked later, it would be another question."""
    from bot.time_window import LATEST, relative_range

    if LATEST.search(question):
        return True
    since, _ = relative_range(question, date(2000, 6, 15))
    return since is not None and not re.search(r"\b(19|20)\d{2}\b", question)


class GoldArticles:
    """For `--without-gold`: every article id but a question's gold articles and those
    whose text states its answer (the index as it would be had that news never come in)."""

    def __init__(self, store) -> None:
        self.url_ids: dict[str, set[str]] = {}
        self.texts: dict[str, str] = {}
        table = store.chunks
        for record in store.iter_metadata():
            article_id = str(record.metadata.get("article_id"))
            if article_id not in self.texts:
                self.texts[article_id] = normalise_text(table.article_text(article_id) or "")
                url = normalise_url(record.metadata.get("url") or "")
                self.url_ids.setdefault(url, set()).add(article_id)

    def allowed(self, gold: set[str], answer: str) -> set[str]:
        out = {a for url in gold for a in self.url_ids.get(url, ())}
        out |= {a for a, text in self.texts.items() if contains_answer(text, answer)}
        return set(self.texts) - out


class Only:
    """A scope of a fixed set of article ids (bot/scope.py's interface, as the eval needs it)."""

    def __init__(self, ids: set[str]) -> None:
        self.ids = ids

    def allowed(self, store) -> set[str]:
        return self.ids

    def narrowed(self, outlets) -> "Only":
        return self


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 3) if values else 0.0


def _ci(values: list[float]) -> list[float]:
    return [round(x, 3) for x in interval(values)]


def summarise(rows: list[dict], methods: tuple[str, ...], backend: str | None) -> dict:
    """Retrieval and answer figures of some rows, each rate with its 95 % interval."""
    retrieval = []
    for method in methods:
        ranks = [row.get(f"{method}_rank") for row in rows]
        summary = {"method": method, "questions": len(rows)}
        for name, values in (
            ("hit@1", [1.0 if r == 1 else 0.0 for r in ranks]),
            ("hit@5", [1.0 if r and r <= 5 else 0.0 for r in ranks]),
            ("hit@10", [1.0 if r and r <= 10 else 0.0 for r in ranks]),
            ("mrr@10", [1.0 / r if r else 0.0 for r in ranks]),
        ):
            summary[name] = _mean(values)
            summary[f"{name}_ci95"] = _ci(values)
        summary["retrieve_p50_ms"] = round(percentile([row[f"{method}_ms"] for row in rows], 50), 1)
        retrieval.append(summary)
    if backend is None:
        return {"retrieval": retrieval, "answers": None}
    correct = [1.0 if row["correct"] else 0.0 for row in rows]
    cited = [c for row in rows for c in row["citations"]]
    gold_cited = [1.0 if c["gold"] else 0.0 for c in cited]
    supported = [1.0 if c["states_answer"] else 0.0 for c in cited]
    latencies = [row["answer_ms"] for row in rows]
    shown = [row for row in rows if row["gold_shown"]]
    answers = {
        "backend": backend,
        "questions": len(rows),
        "accuracy": _mean(correct),
        "accuracy_ci95": _ci(correct),
        "refused": sum(1 for row in rows if row["refused"]),
        "citation_precision": _mean(gold_cited) if cited else None,
        "citation_precision_ci95": _ci(gold_cited) if cited else None,
        "citation_support": _mean(supported) if cited else None,
        "citation_support_ci95": _ci(supported) if cited else None,
        "invalid_markers": sum(row["invalid_markers"] for row in rows),
        "removed_markers": sum(row["removed_markers"] for row in rows),
        "answer_p50_ms": round(percentile(latencies, 50), 1),
        "answer_p95_ms": round(percentile(latencies, 95), 1),
        "kinds": {kind: sum(1 for row in rows if row["kind"] == kind) for kind in KINDS},
        "gold_shown": len(shown),
        "right_when_gold_shown": sum(1 for row in shown if row["correct"]),
    }
    return {"retrieval": retrieval, "answers": answers}


def _cell(summary: dict, name: str) -> str:
    low, high = summary[f"{name}_ci95"]
    return f"{summary[name]:.3f} ({low:.2f}–{high:.2f})"


def _tables(part: dict) -> list[str]:
    lines = [
        "| method | Hit@1 | Hit@5 | Hit@10 | MRR@10 | retrieve p50 ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in part["retrieval"]:
        lines.append(
            f"| {METHOD_NAMES.get(r['method'], r['method'])} | {_cell(r, 'hit@1')} | {_cell(r, 'hit@5')} | "
            f"{_cell(r, 'hit@10')} | {_cell(r, 'mrr@10')} | {r['retrieve_p50_ms']:.0f} |"
        )
    a = part["answers"]
    if a is None:
        return lines
    precision = "n/a" if a["citation_precision"] is None else _cell(a, "citation_precision")
    support = "n/a" if a.get("citation_support") is None else _cell(a, "citation_support")
    kinds = a["kinds"]
    lines += [
        "",
        "| backend | accuracy | refused | citation precision (gold) | citation support (states the answer) "
        "| invalid markers (removed by the checker) | answer p50 s | answer p95 s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {a['backend']} | {_cell(a, 'accuracy')} | {a['refused']} | {precision} | {support} "
        f"| {a['invalid_markers']} ({a.get('removed_markers', 0)}) | "
        f"{a['answer_p50_ms'] / 1000:.1f} | {a['answer_p95_ms'] / 1000:.1f} |",
        "",
        "| answers | right | wrong article (answer not in the sources shown) | right article, wrong span "
        "| right thing in other words | refused | right when a gold article was shown |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| {a['questions']} | {kinds['right']} | {kinds['wrong article']} | {kinds['wrong span']} "
        f"| {kinds['other words']} | {kinds['refused']} | {a['right_when_gold_shown']} of {a['gold_shown']} |",
    ]
    return lines


def markdown_report(report: dict) -> str:
    lines = [
        f"Dataset: `{report['dataset']}` — {report['questions']} questions, each asked as of its date; "
        "95 % intervals in brackets (Wilson for rates, bootstrap for MRR).",
        "",
        *_tables(report),
    ]
    for part in report.get("split") or []:
        lines += ["", f"**{part['part']}** — {part['questions']} questions", "", *_tables(part)]
    cache = report.get("llm_cache")
    if cache and cache["replayed"]:
        lines += ["", f"LLM replies: {cache['replayed']} replayed from `{cache['path']}`, {cache['generated']} "
                      "generated; the latencies of replayed answers leave out generation."]
    return "\n".join(lines)

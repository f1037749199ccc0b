"""Runs the evaluation: ingest the dataset's articles into their own data dir (cached by
content), then ask every question as of its `asked` date, per retrieval method."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.evaluation.metrics import (
    answer_correct,
    gold_rank,
    hit_at,
    is_gold,
    normalise_url,
    percentile,
    reciprocal_rank,
    supports_answer,
)
from index.settings import Settings
from index.store import StoreError

METHODS = ("vector", "keyword", "hybrid")
METHOD_NAMES = {
    "vector": "vector-only (llama-index retriever, baseline)",
    "keyword": "keyword-only (BM25)",
    "hybrid": "newsbot (BM25 + vector, date window, recency)",
}


@dataclass
class MethodResult:
    method: str
    hits1: list[float] = field(default_factory=list)
    hits5: list[float] = field(default_factory=list)
    hits10: list[float] = field(default_factory=list)
    rr: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        n = max(1, len(self.rr))
        return {
            "method": self.method,
            "questions": len(self.rr),
            "hit@1": round(sum(self.hits1) / n, 3),
            "hit@5": round(sum(self.hits5) / n, 3),
            "hit@10": round(sum(self.hits10) / n, 3),
            "mrr@10": round(sum(self.rr) / n, 3),
            "retrieve_p50_ms": round(percentile(self.latencies, 50), 1),
        }


@dataclass
class AnswerResult:
    backend: str
    correct: list[float] = field(default_factory=list)
    refused: int = 0
    citations: int = 0
    gold_citations: int = 0
    supporting_citations: int = 0
    invalid_markers: int = 0
    removed_markers: int = 0
    latencies: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        n = max(1, len(self.correct))
        return {
            "backend": self.backend,
            "questions": len(self.correct),
            "accuracy": round(sum(self.correct) / n, 3),
            "refused": self.refused,
            "citation_precision": round(self.gold_citations / self.citations, 3) if self.citations else None,
            "citation_support": round(self.supporting_citations / self.citations, 3) if self.citations else None,
            "invalid_markers": self.invalid_markers,
            "removed_markers": self.removed_markers,
            "answer_p50_ms": round(percentile(self.latencies, 50), 1),
            "answer_p95_ms": round(percentile(self.latencies, 95), 1),
        }


def dataset_fingerprint(dataset: Path) -> str:
    digest = hashlib.sha256()
    with open(dataset / "articles.jsonl", "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def prepare_index(dataset: Path, settings: Settings, log=print) -> Settings:
    """A data dir of its own for the dataset, ingested once per content hash and backend."""
    # one index per content and embedding backend: a collection never mixes two
    name = f"{dataset_fingerprint(dataset)}-{settings.embed_backend}"
    eval_settings = settings.model_copy(
        update={"data_dir": Path(settings.data_dir) / "eval" / name, "chroma_url": settings.chroma_url,
                "collection": f"eval-{name}"}
    )
    marker = Path(eval_settings.data_dir) / "ingested.ok"
    if not marker.exists():
        from ingest.run import ingest_paths

        log(f"ingesting {dataset / 'articles.jsonl'} into {eval_settings.data_dir} (once per content)")
        report = ingest_paths([dataset / "articles.jsonl"], eval_settings)
        log(report.summary())
        for skipped in report.skipped:
            log(f"  skipped {skipped['path']}: {skipped['reason']}")
        if not (report.added or report.updated or report.unchanged):
            raise StoreError(f"no article of {dataset / 'articles.jsonl'} could be ingested")
        marker.write_text(name)
    return eval_settings


def baseline_retriever(store):
    """llama-index's plain vector retriever over the same collection: the baseline."""
    from llama_index.core import VectorStoreIndex

    from index.embedding import get_embed_model

    index = VectorStoreIndex.from_vector_store(
        store.vector_store, embed_model=get_embed_model(store.settings.embed_backend)
    )
    return index.as_retriever(similarity_top_k=40)


def baseline_urls(retriever, question: str, k: int = 10) -> list[list[str]]:
    """Distinct articles in the baseline's chunk ranking, top `k`, as their urls."""
    ranked: dict[str, list[str]] = {}
    for scored in retriever.retrieve(question):
        meta = scored.node.metadata
        also = [a for a in str(meta.get("also_at") or "").split(" | ") if a]
        ranked.setdefault(meta.get("article_id", ""), [meta.get("url") or "", *also])
    return list(ranked.values())[:k]


def load_questions(dataset: Path, limit: int | None) -> list[dict]:
    rows = [json.loads(line) for line in open(dataset / "questions.jsonl", encoding="utf-8") if line.strip()]
    return rows[:limit] if limit else rows


def run_eval(
    dataset: Path,
    settings: Settings,
    limit: int | None = None,
    backend: str | None = None,
    methods: tuple[str, ...] = METHODS,
    log=print,
    llm_cache: Path | None = None,
) -> dict:
    from bot.answer import AnswerEngine
    from bot.time_window import window_for
    from index.retrieval import keyword_index, retrieve
    from index.store import open_store

    eval_settings = prepare_index(dataset, settings, log)
    store = open_store(eval_settings)
    questions = load_questions(dataset, limit)
    results = {m: MethodResult(m) for m in methods}
    backend = backend or settings.llm
    answers = AnswerResult(backend)
    engine = AnswerEngine(eval_settings, backend=backend)
    engine.store = store  # share the open store (and its keyword index)
    cache = None
    if llm_cache and backend != "none":
        from bot.llm.cached import CachedLLM

        engine.llm = cache = CachedLLM(engine.llm, llm_cache)
    baseline = baseline_retriever(store)
    rows = []
    for i, q in enumerate(questions, 1):
        as_of = date.fromisoformat(q["asked"]) if q.get("asked") else None
        gold = {normalise_url(u) for u in q.get("gold_urls", [])}
        window = window_for(q["question"], as_of=as_of)
        row = {"id": q.get("id"), "question": q["question"]}
        for method in methods:
            started = time.perf_counter()
            if method == "vector":
                urls = baseline_urls(baseline, q["question"])
            else:
                hits = retrieve(store, q["question"], 10, window=window, method=method)
                urls = [[h.url or "", *(h.also_at or [])] for h in hits]
            results[method].latencies.append((time.perf_counter() - started) * 1000)
            for attr, k in (("hits1", 1), ("hits5", 5), ("hits10", 10)):
                getattr(results[method], attr).append(hit_at(urls, gold, k))
            results[method].rr.append(reciprocal_rank(urls, gold))
            row[f"{method}_rank"] = gold_rank(urls, gold)
        result = engine.answer(q["question"], as_of=as_of)
        correct = answer_correct(result.answer, q["answer"], q.get("choices", []))
        answers.correct.append(1.0 if correct else 0.0)
        answers.refused += int(result.refused)
        table = keyword_index(store)
        cited = [
            {"url": c.url, "title": c.title, "gold": is_gold([c.url or "", *c.also_at], gold),
             "states_answer": supports_answer(table.article_text(c.article_id), q["answer"])}
            for c in result.citations
        ]
        answers.citations += len(cited)
        answers.gold_citations += sum(c["gold"] for c in cited)
        answers.supporting_citations += sum(c["states_answer"] for c in cited)
        answers.invalid_markers += result.invalid_markers
        answers.removed_markers += result.removed_markers
        answers.latencies.append(result.timings["total_ms"])
        row.update(answer=result.answer, correct=correct, expected=q["answer"], citations=cited)
        rows.append(row)
        if i % 10 == 0 or i == len(questions):
            log(f"{i}/{len(questions)} questions")
    return {
        "dataset": str(dataset),
        "questions": len(questions),
        "retrieval": [results[m].summary() for m in methods],
        "answers": answers.summary(),
        "llm_cache": {"path": str(llm_cache), "replayed": cache.hits, "generated": cache.misses} if cache else None,
        "rows": rows,
    }


def markdown_report(report: dict) -> str:
    lines = [
        f"Dataset: `{report['dataset']}` — {report['questions']} questions, each asked as of its date.",
        "",
        "| method | Hit@1 | Hit@5 | Hit@10 | MRR@10 | retrieve p50 ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in report["retrieval"]:
        lines.append(
            f"| {METHOD_NAMES.get(r['method'], r['method'])} | {r['hit@1']:.3f} | {r['hit@5']:.3f} | "
            f"{r['hit@10']:.3f} | {r['mrr@10']:.3f} | {r['retrieve_p50_ms']:.0f} |"
        )
    a = report["answers"]
    precision = "n/a" if a["citation_precision"] is None else f"{a['citation_precision']:.3f}"
    support = "n/a" if a.get("citation_support") is None else f"{a['citation_support']:.3f}"
    lines += [
        "",
        "| backend | accuracy | refused | citation precision (gold) | citation support (states the answer) "
        "| invalid markers (removed by the checker) | answer p50 s | answer p95 s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {a['backend']} | {a['accuracy']:.3f} | {a['refused']} | {precision} | {support} "
        f"| {a['invalid_markers']} ({a.get('removed_markers', 0)}) | "
        f"{a['answer_p50_ms'] / 1000:.1f} | {a['answer_p95_ms'] / 1000:.1f} |",
    ]
    cache = report.get("llm_cache")
    if cache and cache["replayed"]:
        lines += ["", f"LLM replies: {cache['replayed']} replayed from `{cache['path']}`, {cache['generated']} "
                      "generated; the latencies of replayed answers leave out generation."]
    return "\n".join(lines)

"""Prometheus metrics of a `newsbot serve` process, served at `/metrics`.

What an operator alarms on: questions by surface and outcome, answer latency, sentences
and markers the citation checker removed, the answer queue, the size and freshness of
the index, ingest runs and the articles they skipped, LLM failures. Counters are
per process (Prometheus sums replicas); gauges about the index are read when scraped.
"""

from __future__ import annotations

from typing import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app

REGISTRY = CollectorRegistry(auto_describe=True)

QUESTIONS = Counter(
    "newsbot_questions", "Questions handled, by surface (cli, slack) and outcome "
    "(answered, refused, declined, timeout, error).", ["surface", "outcome"], registry=REGISTRY,
)
ANSWER_SECONDS = Histogram(
    "newsbot_answer_seconds", "Time from question to answer (retrieval + generation + checking).",
    ["surface"], buckets=(0.5, 1, 2, 4, 6, 8, 10, 15, 20, 30, 60, 120), registry=REGISTRY,
)
CHECKER_REMOVED = Counter(
    "newsbot_checker_removed_markers", "Citation markers the checker removed (pointing to no source).",
    registry=REGISTRY,
)
LLM_ERRORS = Counter(
    "newsbot_llm_errors", "Answers whose LLM call failed (answered extractively instead).", registry=REGISTRY,
)
QUEUE = Gauge("newsbot_queue_jobs", "Slack answer jobs by state (running, waiting).", ["state"], registry=REGISTRY)
ARTICLES = Gauge("newsbot_articles", "Articles in the index.", registry=REGISTRY)
CHUNKS = Gauge("newsbot_chunks", "Chunks in the index.", registry=REGISTRY)
NEWEST_AGE = Gauge(
    "newsbot_newest_article_age_seconds", "Age of the newest article's publication day (staleness).",
    registry=REGISTRY,
)
STALE = Gauge("newsbot_index_stale", "1 when the newest article is older than NEWSBOT_STALE_AFTER.", registry=REGISTRY)
INGEST_RUNS = Counter(
    "newsbot_ingest_runs", "Ingest runs in this process (watcher, /reindex), by result (ok, failed).",
    ["result"], registry=REGISTRY,
)
INGEST_ARTICLES = Counter(
    "newsbot_ingest_articles", "Articles seen by ingest runs in this process, by outcome "
    "(added, updated, removed, skipped).", ["outcome"], registry=REGISTRY,
)


def observe_answer(result, surface: str) -> None:
    """Count one finished answer (`bot.answer.Answer`)."""
    QUESTIONS.labels(surface, "refused" if result.refused else "answered").inc()
    total_ms = (result.timings or {}).get("total_ms")
    if total_ms is not None:
        ANSWER_SECONDS.labels(surface).observe(total_ms / 1000)
    if result.removed_markers:
        CHECKER_REMOVED.inc(result.removed_markers)
    if result.error:
        LLM_ERRORS.inc()


def observe_unanswered(surface: str, outcome: str) -> None:
    """A question that got no answer: declined (queue full), timeout or error."""
    QUESTIONS.labels(surface, outcome).inc()


def observe_ingest(report=None, failed: bool = False) -> None:
    """One ingest run (`ingest.run.IngestReport`), or a run that failed outright."""
    if failed or report is None:
        INGEST_RUNS.labels("failed").inc()
        return
    INGEST_RUNS.labels("ok").inc()
    for outcome, count in (("added", report.added), ("updated", report.updated),
                           ("removed", report.removed), ("skipped", len(report.skipped))):
        if count:
            INGEST_ARTICLES.labels(outcome).inc(count)


def watch_gauges(
    queue: Callable[[], tuple[int, int]], articles: Callable[[], int | None],
    chunks: Callable[[], int | None], newest_age: Callable[[], float | None],
    stale: Callable[[], bool],
) -> None:
    """Gauges read when scraped: `queue()` → (running, waiting); the others from caches
    kept by the bot, so a scrape never waits on the store."""
    QUEUE.labels("running").set_function(lambda: queue()[0])
    QUEUE.labels("waiting").set_function(lambda: queue()[1])
    ARTICLES.set_function(lambda: articles() or 0)
    CHUNKS.set_function(lambda: chunks() or 0)
    NEWEST_AGE.set_function(lambda: newest_age() or 0)
    STALE.set_function(lambda: 1 if stale() else 0)


def metrics_app():
    """The WSGI app that serves this registry's text format."""
    return make_wsgi_app(REGISTRY)

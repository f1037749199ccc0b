"""A rich progress bar for ingest on a terminal (articles, chunks, embed rate, ETA)."""

from __future__ import annotations

import time
from contextlib import contextmanager


@contextmanager
def ingest_progress(enabled: bool):
    """Yields a `progress(done, total, chunks)` callback, or None when not enabled
    (piped output, `--json`)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    started = time.perf_counter()
    bar = Progress(
        TextColumn("[bold]embedding"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("articles · {task.fields[chunks]} chunks · {task.fields[rate]:.0f} chunks/s"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = None

    def update(done: int, total: int, chunks: int) -> None:
        nonlocal task
        rate = chunks / max(time.perf_counter() - started, 1e-6)
        if task is None:
            task = bar.add_task("ingest", total=total, chunks=chunks, rate=rate)
        bar.update(task, completed=done, total=total, chunks=chunks, rate=rate)

    with bar:
        yield update

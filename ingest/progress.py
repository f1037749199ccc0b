"""What ingest shows on a terminal: a rich progress bar (articles, chunks, embed rate,
ETA), and `printable`, which every file name and reason goes through before it is shown."""

from __future__ import annotations

import time
from contextlib import contextmanager


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with every control, format or separator character but the space escaped
    (`\\n`, `\\x1b`, `\\u202e`): a file name holding them could otherwise end a line
    and forge the next one ("0 skipped; all clean"), move the cursor or reverse the text
    a terminal shows."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


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

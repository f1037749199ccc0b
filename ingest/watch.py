"""`newsbot watch`: poll the configured sources and ingest what is new or changed.

Each poll is an ordinary `ingest_sources` run: the stat cache makes an unchanged folder
cost a `stat()` per file, and the docstore skips unchanged articles, so polling is cheap.
The Slack bot runs the same loop in a background thread when `NEWSBOT_WATCH=1`
(`start_watcher(settings, stop_event)`), so the embedded store keeps a single writer: the
bot's own process. A poll that finds the writer lock taken (someone runs `newsbot ingest`)
is skipped and tried again at the next interval. Taking the lock reopens the process's
Chroma client when another process wrote since (index/writer_lock.py), so the watcher
never writes through the index it loaded before that write.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from index.settings import Settings
from index.store import StoreError
from ingest.report import IngestReport
from ingest.run import ingest_sources

log = logging.getLogger(__name__)


def poll_once(settings: Settings, prune: bool = False) -> IngestReport | None:
    """One poll; None when another process holds the writer lock."""
    try:
        return ingest_sources(settings, prune=prune)
    except StoreError as exc:
        log.warning("watch: skipped a poll: %s", exc)
        return None


def watch_loop(
    settings: Settings,
    stop_event: threading.Event,
    interval: float | None = None,
    on_report: Callable[[IngestReport], None] | None = None,
    prune: bool = False,
) -> None:
    """Poll until `stop_event` is set (the first poll runs at once)."""
    interval = settings.watch_interval if interval is None else interval
    while not stop_event.is_set():
        try:
            report = poll_once(settings, prune=prune)
        except Exception:  # a watcher thread must survive a bad poll
            log.exception("watch: poll failed")
            report = None
        if report is not None:
            if report.changed or report.skipped:
                log.info("watch: %s", report.summary())
            if on_report is not None:
                on_report(report)
        stop_event.wait(interval)


def start_watcher(
    settings: Settings,
    stop_event: threading.Event,
    interval: float | None = None,
    on_report: Callable[[IngestReport], None] | None = None,
) -> threading.Thread:
    """Run `watch_loop` in a daemon thread (for `newsbot serve` with NEWSBOT_WATCH=1)."""
    thread = threading.Thread(
        target=watch_loop,
        args=(settings, stop_event, interval, on_report),
        name="newsbot-watch",
        daemon=True,
    )
    thread.start()
    return thread

"""A background check that must outlive its own failures: `fn()` now and every `seconds`
until `stop` is set, each failure logged as one warning and retried next time."""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


def run_every(seconds: float, fn: Callable[[], object], stop: threading.Event, name: str) -> threading.Thread:
    def loop() -> None:
        while True:
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - a failed look is retried next time
                log.warning("%s failed: %s", name, exc)
            if stop.wait(seconds):
                return

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    return thread

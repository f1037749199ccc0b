"""A bounded pool for answers, and a TTL set for "have I seen this already?".

Slack wants an ack within 3 s, so listeners only post a placeholder and hand the slow part
(retrieval + LLM) to `AnswerPool`. It runs at most `NEWSBOT_SLACK_WORKERS` jobs at once and
tells the caller when a job has to wait, so the user can be told it is queued.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

log = logging.getLogger(__name__)


class AnswerPool:
    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="newsbot-answer")
        self._lock = threading.Lock()
        self._pending = 0  # submitted and not finished

    def busy(self) -> int:
        """How many jobs a job submitted now would wait behind (0: it starts at once)."""
        with self._lock:
            return max(0, self._pending - self.workers + 1)

    def submit(self, job: Callable[[], None]) -> tuple[Future, int]:
        """Run `job`; returns (future, jobs ahead of it that it waits for — 0 = starts now)."""
        with self._lock:
            ahead = max(0, self._pending - self.workers + 1)
            self._pending += 1

        def run() -> None:
            try:
                job()
            except Exception:  # a job reports its own errors; this is the last guard
                log.exception("answer job failed")
            finally:
                with self._lock:
                    self._pending -= 1

        return self._executor.submit(run), ahead

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class SeenSet:
    """Keys seen in the last `ttl` seconds (bounded); `add` says whether a key is new."""

    def __init__(self, ttl: float = 3600.0, max_size: int = 10_000):
        self.ttl = ttl
        self.max_size = max_size
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: str) -> bool:
        with self._lock:
            at = self._seen.get(key)
        return at is not None and at >= time.monotonic() - self.ttl

    def add(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._seen and (
                len(self._seen) >= self.max_size or next(iter(self._seen.values())) < now - self.ttl
            ):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True

"""A bounded, fair pool for answers, and a TTL set for "have I seen this already?".

Slack wants an ack within 3 s, so listeners only post a placeholder and hand the slow part
(retrieval + LLM) to `AnswerPool`. It runs at most `NEWSBOT_SLACK_WORKERS` jobs at once.
Waiting jobs are fair between users, so one person's burst cannot hold up everyone else:
each user may have at most `NEWSBOT_MAX_QUEUED_PER_USER` jobs waiting (more are refused,
and the caller tells the user), and users take turns (start-time fair queuing: a job's
turn is one after its user's previous job, and never earlier than the job started last,
so a newcomer goes right after the answers already running and a flooder's backlog
waits its turns).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from cachetools import TTLCache

log = logging.getLogger(__name__)

Job = Callable[[], None]


@dataclass(frozen=True)
class Admission:
    """What `AnswerPool.submit` decided.

    accepted: False when the user already has `max_queued_per_user` jobs waiting.
    ahead: answers that must finish before this one starts (0: it starts now). Exact for a
        user's first job in line; a later one can still be passed by other users' turns.
    own_ahead: the user's own jobs (running or waiting) ahead of this one.
    waiting: the user's waiting jobs, this one included; when refused, those they have.
    """

    accepted: bool
    ahead: int = 0
    own_ahead: int = 0
    waiting: int = 0


@dataclass
class _User:
    last_turn: int = 0  # the turn of this user's latest admitted job
    waiting: int = 0
    active: int = 0  # waiting + running


def _report_stopped(worker: Future) -> None:
    """A worker loop that raised would vanish with its Future, and its slot with it: log it."""
    if not worker.cancelled() and worker.exception() is not None:
        log.error("answer worker stopped", exc_info=worker.exception())


class AnswerPool:
    def __init__(self, workers: int, max_queued_per_user: int = 3):
        self.workers = max(1, workers)
        self.max_queued_per_user = max(0, max_queued_per_user)
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="newsbot-answer")
        self._lock = threading.Lock()
        self._queue: list[tuple[int, int, str | None, Job]] = []  # heap of (turn, seq, user, job)
        self._users: dict[str | None, _User] = {}
        self._seq = itertools.count()
        self._turn = 0  # the turn of the job that started last (never decreases)
        self._running = 0
        self._closed = False

    def submit(self, user: str | None, job: Job) -> Admission:
        """Queue `job` for `user`, or refuse it when the user already has enough waiting."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the answer pool is shut down")
            state = self._users.setdefault(user, _User())
            own_ahead = state.active
            turn = max(state.last_turn + 1, self._turn)
            if self._running < self.workers:  # a free worker: nothing is waiting either
                state.last_turn, self._turn = turn, turn
                state.active += 1
                self._running += 1
                self._executor.submit(self._work, user, job).add_done_callback(_report_stopped)
                return Admission(True, 0, own_ahead, 0)
            if state.waiting >= self.max_queued_per_user:
                if not state.active:
                    del self._users[user]
                return Admission(False, 0, own_ahead, state.waiting)
            key = (turn, next(self._seq))
            ahead = 1 + sum(1 for entry in self._queue if entry[:2] < key)
            heapq.heappush(self._queue, (*key, user, job))
            state.last_turn = turn
            state.waiting += 1
            state.active += 1
            return Admission(True, ahead, own_ahead, state.waiting)

    def _work(self, user: str | None, job: Job) -> None:
        """Run `job`, then the next job in turn, until none is waiting."""
        while True:
            try:
                job()
            except Exception:  # a job reports its own errors; this is the last guard
                log.exception("answer job failed")
            with self._lock:
                state = self._users[user]
                state.active -= 1
                if not state.active:
                    del self._users[user]
                if self._closed or not self._queue:
                    self._running -= 1
                    return
                self._turn, _, user, job = heapq.heappop(self._queue)
                self._users[user].waiting -= 1

    def counts(self) -> tuple[int, int]:
        """(running, waiting) jobs, for the queue metric."""
        with self._lock:
            return self._running, len(self._queue)

    def shutdown(self) -> None:
        """Drop the waiting jobs; running ones finish in the background."""
        with self._lock:
            self._closed = True
            for _, _, user, _ in self._queue:
                state = self._users[user]
                state.waiting -= 1
                state.active -= 1
            self._queue.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)


class SeenSet:
    """Keys seen in the last `ttl` seconds (at most `max_size`, the oldest go first);
    `add` says whether a key is new. A lock, because Bolt runs listeners in threads."""

    def __init__(self, ttl: float = 3600.0, max_size: int = 10_000):
        self._seen: TTLCache[str, bool] = TTLCache(maxsize=max_size, ttl=ttl)
        self._lock = threading.Lock()

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._seen

    def add(self, key: str) -> bool:
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = True
            return True

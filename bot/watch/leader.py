"""Which `newsbot serve` runs the watch passes when several share one store (replicas on one
Chroma server): exactly one at a time, so a story is posted once, not once per replica.

Chroma has no compare-and-swap, so the choice is made from claims every process can read
(index/watches.py `Claim`): each process keeps a claim of its own, checked at every pass
and before every post and renewed once half its lease is gone; it expires
NEWSBOT_WATCHLIST_LEASE_SECONDS after its last renewal.
The oldest live claim leads (ties: the smaller id). A new claim is read back after a short
settle delay, so two processes that claim together both see both claims and agree. When the
leader stops, its claim is deleted and the next-oldest leads at its next pass; when it
dies, its claim expires first. A leader that was paused past its lease finds its claim
gone, claims anew (now the youngest) and stops posting.

Assumes the processes' clocks agree to well within the lease, and that no process stalls
for a whole lease between its check and its `chat.postMessage`.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import Callable

from index.watches import Claim, WatchStore

log = logging.getLogger(__name__)


class Leadership:
    def __init__(self, watches: WatchStore, seconds: float,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep):
        self.watches, self.seconds = watches, seconds
        self.settle = min(2.0, seconds / 10)  # far above a Chroma write's round trip
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self.claim: str | None = None
        self.leading = False
        self._clock, self._sleep = clock, sleep

    def hold(self) -> bool:
        """Renew (or make) this process's claim; True when it leads."""
        now = self._clock()
        claims = self.watches.claims()
        self.watches.drop_claims([c.id for c in claims if c.expires <= now])
        live = [c for c in claims if c.expires > now]
        mine = next((c for c in live if c.id == self.claim), None)
        if mine is not None:
            if mine.expires - now < self.seconds / 2:  # renewed at most every half lease: fewer writes
                mine.expires = now + self.seconds
                self.watches.put_claim(mine)
        else:  # first pass, or a lapsed claim: bid anew and read back once every bid is visible
            self.claim = uuid.uuid4().hex[:12]
            self.watches.put_claim(Claim(self.claim, self.holder, now, now + self.seconds))
            self._sleep(self.settle)
            now = self._clock()
            live = [c for c in self.watches.claims() if c.expires > now]
        leader = min(live, key=lambda c: (c.since, c.id), default=None)
        leading = leader is not None and leader.id == self.claim
        if leading != self.leading:
            who = "this process" if leading else (leader.holder if leader else "no one")
            log.info("watch passes: %s leads (%d live claims)", who, len(live))
        self.leading = leading
        return leading

    def release(self) -> None:
        """Give up the lead at shutdown, so another process takes it at its next pass."""
        if self.claim:
            self.watches.drop_claims([self.claim])
            self.claim, self.leading = None, False

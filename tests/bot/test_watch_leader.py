"""Which of several processes sharing a store makes the watch passes (bot/watch/leader.py),
on a real Chroma collection with a clock the test moves."""

from __future__ import annotations

import pytest

from bot.watch.leader import Leadership
from index.store import open_store
from index.watches import WatchStore
from tests.conftest import make_settings

LEASE = 10.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def watches(tmp_path) -> WatchStore:
    return WatchStore(open_store(make_settings(tmp_path / "data")))


def test_the_oldest_claim_leads_and_hands_over_when_stopped_or_dead(watches):
    clock = Clock()
    a = Leadership(watches, LEASE, clock=clock, sleep=clock.advance)
    b = Leadership(watches, LEASE, clock=clock, sleep=clock.advance)
    assert a.hold() and not b.hold()
    clock.advance(LEASE * 0.6)
    assert a.hold() and not b.hold()  # renewed at each check: the lead stays
    a.release()  # a clean stop
    assert b.hold() and not a.hold()  # b at once; a, back, is now the youngest claim
    clock.advance(LEASE * 0.6)
    assert not a.hold()  # b stopped renewing (died) but its claim has not expired yet
    clock.advance(LEASE * 0.6)
    assert a.hold()
    assert not b.hold() and a.hold()  # b was only paused: its claim is gone, it bids anew as the youngest


def test_two_bids_at_once_agree_on_one_leader(watches):
    clock = Clock()
    led = {}
    b = Leadership(watches, LEASE, clock=clock, sleep=lambda _: None)
    # b bids and reads back while a waits for its own bid to settle: both bids have the same time
    a = Leadership(watches, LEASE, clock=clock, sleep=lambda _: led.setdefault("b", b.hold()))
    led["a"] = a.hold()
    assert sorted(led.values()) == [False, True]
    assert (a.hold(), b.hold()) == (led["a"], led["b"])  # and they keep agreeing


def test_a_lease_must_outlive_two_checks(tmp_path):
    with pytest.raises(ValueError, match="NEWSBOT_WATCHLIST_LEASE_SECONDS"):
        make_settings(tmp_path, watchlist_check_seconds=15, watchlist_lease_seconds=20)


def test_a_claim_is_written_again_only_once_half_its_lease_is_gone(watches, monkeypatch):
    clock = Clock()
    a = Leadership(watches, LEASE, clock=clock, sleep=clock.advance)
    writes = []
    put = watches.put_claim
    monkeypatch.setattr(watches, "put_claim", lambda claim: (writes.append(claim.expires), put(claim)))
    assert a.hold() and len(writes) == 1  # the bid (its read-back waits a tenth of the lease)
    clock.advance(LEASE * 0.4)
    assert a.hold() and len(writes) == 1  # half the lease left: checked, not written
    clock.advance(LEASE * 0.2)
    assert a.hold() and len(writes) == 2 and writes[1] == clock.now + LEASE

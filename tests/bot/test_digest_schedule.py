"""Scheduled digests with an injected clock and the real marker store of this pass
(a data-dir file, or the Chroma server's collection): once a day per entry, across
restarts and a crash between claiming and posting; a missed time posted once on start."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from bot.digest.schedule import Entry, Scheduler, markers_for, parse_entries
from tests.conftest import make_settings


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def markers(tmp_path):
    from index.store import open_store

    settings = make_settings(tmp_path / "data", llm="none")
    return lambda: markers_for(settings, open_store(settings))  # a fresh object: as after a restart


def scheduler(entries, markers, clock, posted, fail=False):
    def post(entry):
        if fail:
            raise RuntimeError("killed between claim and post")
        posted.append((entry.channel, clock().date().isoformat()))

    return Scheduler(entries, markers(), post, now=clock, settle=0)


def test_parse_entries():
    assert parse_entries(["C0123:08:00:cyber security", "C9:17:30"]) == [
        Entry("C0123", time(8, 0), "cyber security"), Entry("C9", time(17, 30), None)]
    with pytest.raises(ValueError, match="'C1:8am'"):
        parse_entries(["C1:8am"])


def test_posted_once_a_day_across_restarts(markers):
    entries = parse_entries(["C1:08:00:ports", "C2:12:00"])
    clock, posted = Clock(datetime(2025, 3, 14, 7, 59)), []
    first = scheduler(entries, markers, clock, posted)
    assert first.tick() == [] and posted == []
    clock.now = datetime(2025, 3, 14, 8, 0)
    first.tick()
    first.tick()
    assert posted == [("C1", "2025-03-14")]
    restarted = scheduler(entries, markers, clock, posted)  # a new process, the same store
    clock.now = datetime(2025, 3, 14, 9, 0)
    restarted.tick()
    assert posted == [("C1", "2025-03-14")]
    clock.now = datetime(2025, 3, 15, 7, 0)
    restarted.tick()
    clock.now = datetime(2025, 3, 15, 8, 1)
    restarted.tick()
    assert posted == [("C1", "2025-03-14"), ("C1", "2025-03-15")]


def test_missed_time_posted_once_on_start_and_never_after_a_crash(markers):
    entries = parse_entries(["C1:08:00"])
    clock, posted = Clock(datetime(2025, 3, 14, 15, 0)), []  # the bot was down at 08:00
    crashed = scheduler(entries, markers, clock, posted, fail=True)
    crashed.tick()  # claimed, then "killed" before the post went out
    assert posted == []
    again = scheduler(entries, markers, clock, posted)
    again.tick()
    assert posted == []  # never twice: the claim stands (at most once)
    clock.now = datetime(2025, 3, 16, 9, 0)  # down all of the 15th: only today's is posted
    again.tick()
    again.tick()
    assert posted == [("C1", "2025-03-16")]


def test_two_processes_claiming_at_once_post_once(markers):
    """b read the marker before a's claim landed and claims after it: a sees b's claim
    when it re-reads, so only b posts."""
    entries = parse_entries(["C1:08:00"])
    clock, posted = Clock(datetime(2025, 3, 14, 8, 0)), []

    class ReadBeforeA:
        def __init__(self, inner):
            self.inner, self.reads = inner, 0

        def get(self, key):
            self.reads += 1
            return None if self.reads == 1 else self.inner.get(key)

        def put(self, key, value):
            self.inner.put(key, value)

    b = Scheduler(entries, ReadBeforeA(markers()), lambda e: posted.append("b"), now=clock, settle=0)
    a = Scheduler(entries, markers(), lambda e: posted.append("a"), now=clock, settle=1.0, sleep=lambda s: b.tick())
    a.tick()
    assert posted == ["b"]

"""The staleness alarm fires once per stale period, with a fake clock."""

from __future__ import annotations

from bot.staleness import StaleAlarm

HOUR = 3600.0


def test_alarm_fires_once_per_stale_period_and_rearms_on_fresh_news():
    now = [100 * HOUR]
    newest = [99 * HOUR]
    said: list[str] = []
    alarm = StaleAlarm(24 * HOUR, lambda: newest[0], said.append, clock=lambda: now[0])
    assert alarm.check() == HOUR and not said
    now[0] = 99 * HOUR + 25 * HOUR
    for _ in range(5):  # the watcher checks every minute: one message, not five
        alarm.check()
        now[0] += 60
    assert len(said) == 1 and "25 h old" in said[0] and alarm.stale
    newest[0] = now[0] - HOUR  # a fresh article arrives
    alarm.check()
    assert not alarm.stale and len(said) == 1
    now[0] += 30 * HOUR  # stale again: a second period, a second message
    alarm.check()
    alarm.check()
    assert len(said) == 2


def test_empty_index_is_not_stale_and_a_failing_notify_does_not_raise():
    alarm = StaleAlarm(HOUR, lambda: None, lambda m: 1 / 0, clock=lambda: 10 * HOUR)
    assert alarm.check() is None and not alarm.stale
    alarm = StaleAlarm(HOUR, lambda: 0.0, lambda m: 1 / 0, clock=lambda: 10 * HOUR)
    assert alarm.check() == 10 * HOUR and alarm.stale

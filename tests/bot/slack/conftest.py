"""Fixtures: one ingested data dir per session, a fake Slack and a real `newsbot serve`
process per bot configuration (module-scoped: starting one costs a few seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.slack.botproc import TIMINGS, ingest_seeds_and_hostile, start_bot, stop_bot


@pytest.fixture(scope="session")
def seeded(tmp_path_factory) -> Path:
    """A data dir with the seeds and the hostile article ingested (copy it before writing)."""
    return ingest_seeds_and_hostile(tmp_path_factory.mktemp("slack-index"))


@pytest.fixture(scope="module")
def socket_bot(tmp_path_factory, seeded):
    bot = start_bot(tmp_path_factory, seeded)
    yield bot
    stop_bot(bot)


@pytest.fixture(scope="module")
def http_bot(tmp_path_factory, seeded):
    bot = start_bot(tmp_path_factory, seeded, http=True)
    yield bot
    stop_bot(bot)



def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("Slack timings")
        for name, p, a in TIMINGS:
            terminalreporter.write_line(f"{name}: event→placeholder {p * 1000:.0f} ms, event→answer {a * 1000:.0f} ms")

"""Fairness under a flood: one user's burst of questions must not queue ahead of everyone.

The scheduler (`AnswerPool`) is checked deterministically with jobs that block on events;
then the real `newsbot serve` process (Socket Mode, the real Bolt app, a fake Slack) gets a
flood from one user and one question from another.
"""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from bot.slack.pool import AnswerPool


from tests.bot.slack.botproc import NEWSBOT, ROOT, base_env, start_bot, stop_bot
from tests.bot.slack.fake_slack import BOT_USER, event_callback, mention

from tests.conftest import store_env

QUESTION = "How much money in waivers have Mexican programs received?"
WORKING = (":mag:", ":hourglass_flowing_sand:")  # the placeholder's prefixes (searching, queued)


# --- the scheduler, deterministically -------------------------------------------------


class Gate:
    """Jobs that record when they start and then block until the test releases them."""

    def __init__(self):
        self.started: list[str] = []
        self._release: dict[str, threading.Event] = {}
        self._cond = threading.Condition()

    def job(self, name: str):
        release = self._release[name] = threading.Event()

        def run() -> None:
            with self._cond:
                self.started.append(name)
                self._cond.notify_all()
            assert release.wait(10), f"{name} was never released"

        return run

    def wait_started(self, count: int) -> list[str]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.started) >= count, 5), f"started only {self.started}"
            return list(self.started)

    def release(self, name: str) -> None:
        self._release[name].set()


@pytest.fixture
def gate():
    g = Gate()
    yield g
    for event in g._release.values():  # never leave a worker blocked
        event.set()


def test_flooder_gets_three_waiting_and_the_next_user_goes_after_the_running_one(gate):
    pool = AnswerPool(workers=1, max_queued_per_user=3)
    admitted = {f"F{i}": pool.submit("UFLOOD", gate.job(f"F{i}")) for i in range(10)}
    gate.wait_started(1)
    assert [admitted[f"F{i}"].ahead for i in range(4)] == [0, 1, 2, 3]
    assert all(admitted[f"F{i}"].accepted for i in range(4))
    for i in range(4, 10):  # refused, and told how many they already have waiting
        assert not admitted[f"F{i}"].accepted and admitted[f"F{i}"].waiting == 3
    other = pool.submit("UBOB", gate.job("B0"))
    assert other.accepted and other.ahead == 1  # only the running answer is ahead of it
    for name, count in (("F0", 2), ("B0", 3), ("F1", 4), ("F2", 5)):
        gate.release(name)
        gate.wait_started(count)
    assert gate.started == ["F0", "B0", "F1", "F2", "F3"]
    gate.release("F3")
    # once the waiting ones are answered, the flooder may ask again
    again = pool.submit("UFLOOD", gate.job("F4again"))
    assert again.accepted
    gate.wait_started(6)
    gate.release("F4again")
    pool.shutdown()


def test_two_workers_the_other_user_waits_for_one_of_the_flooders(gate):
    pool = AnswerPool(workers=2, max_queued_per_user=3)
    admitted = [pool.submit("UFLOOD", gate.job(f"F{i}")) for i in range(8)]
    gate.wait_started(2)
    assert [a.accepted for a in admitted] == [True] * 5 + [False] * 3
    assert [a.ahead for a in admitted[:5]] == [0, 0, 1, 2, 3]
    other = pool.submit("UBOB", gate.job("B0"))
    assert other.ahead == 1
    gate.release("F1")
    assert gate.wait_started(3) == ["F0", "F1", "B0"]
    gate.release("F0")
    assert gate.wait_started(4)[-1] == "F2"
    for name in ("B0", "F2", "F3", "F4"):
        gate.release(name)
    gate.wait_started(6)
    pool.shutdown()


def test_round_robin_and_honest_positions(gate):
    """Three users with a backlog take turns. A user's first waiting question is never
    overtaken, so the `ahead` it was told is exactly the number of answers that start
    before it; a later question of the same user is told how many of its own are ahead
    (others' questions may still go between them), and `ahead` is then a lower bound."""
    pool = AnswerPool(workers=1, max_queued_per_user=3)
    pool.submit("UX", gate.job("X0"))
    gate.wait_started(1)
    admitted = {}
    for user in "ABC":
        for i in range(3):
            admitted[f"{user}{i}"] = pool.submit(f"U{user}", gate.job(f"{user}{i}"))
    expected = ["X0", "A0", "B0", "C0", "A1", "B1", "C1", "A2", "B2", "C2"]
    for count, name in enumerate(expected[:-1], start=2):
        gate.release(name)
        gate.wait_started(count)
    gate.release("C2")
    assert gate.started == expected
    for name, admission in admitted.items():
        position, own = expected.index(name), int(name[1])
        assert admission.own_ahead == own
        if own == 0:
            assert admission.ahead == position
        else:
            assert own < admission.ahead <= position
    pool.shutdown()


def test_a_failing_job_does_not_stop_the_pool(gate):
    pool = AnswerPool(workers=1, max_queued_per_user=3)

    def boom() -> None:
        raise RuntimeError("job failed")

    pool.submit("UA", boom)
    pool.submit("UA", gate.job("A1"))
    assert gate.wait_started(1) == ["A1"]
    gate.release("A1")
    pool.shutdown()


def test_shutdown_drops_waiting_jobs_and_does_not_wait_for_running_ones(gate):
    pool = AnswerPool(workers=1, max_queued_per_user=3)
    pool.submit("UA", gate.job("A0"))
    pool.submit("UA", gate.job("A1"))
    gate.wait_started(1)
    started = time.monotonic()
    pool.shutdown()
    assert time.monotonic() - started < 1.0
    gate.release("A0")
    time.sleep(0.3)
    assert gate.started == ["A0"]
    with pytest.raises(RuntimeError):
        pool.submit("UA", gate.job("A2"))


# --- the real bot, flooded ------------------------------------------------------------


@pytest.fixture(scope="module")
def one_worker_bot(tmp_path_factory):
    """`newsbot serve` (Socket Mode, LLM none) with one answer worker over the seeds."""
    base = tmp_path_factory.mktemp("fair-index")
    (base / "hostile").mkdir()  # botproc's NEWSBOT_SOURCES names it
    data_dir = base / "data"
    env = dict(base_env(), NEWSBOT_DATA_DIR=str(data_dir), **store_env(data_dir))
    subprocess.run([NEWSBOT, "ingest", str(ROOT / "seeds")], env=env, cwd=base, check=True,
                   capture_output=True, timeout=300)
    bot = start_bot(tmp_path_factory, data_dir, NEWSBOT_SLACK_WORKERS="1", NEWSBOT_MAX_QUEUED_PER_USER="3")
    yield bot
    stop_bot(bot)


@pytest.mark.slack
def test_flood_by_one_user_does_not_delay_another(one_worker_bot):
    fake = one_worker_bot.fake
    flood = [fake.user_message("CFLOOD", f"<@{BOT_USER}> {QUESTION} ({i})", user="UFLOOD") for i in range(40)]

    def replies(message: dict) -> list:
        return [c for c in fake.calls_of("chat.postMessage", channel="CFLOOD")
                if c.args.get("thread_ts") == message["ts"]]

    def refusals() -> list:
        return [c for c in fake.calls_of("chat.postMessage", channel="CFLOOD")
                if not str(c.args.get("text")).startswith(WORKING)]

    for message in flood:
        fake.send_envelope("events_api", event_callback(mention(message)))
    # The flooder's queue is full (a refusal) — or, without a per-user limit, every question is queued.
    fake.wait_for(lambda: refusals() or all(replies(m) for m in flood), 30, "the flood to be taken in")

    other = fake.user_message("COTHER", f"<@{BOT_USER}> {QUESTION}", user="UBOB")
    fake.send_envelope("events_api", event_callback(mention(other)))
    placeholder = fake.wait_for(lambda: fake.calls_of("chat.postMessage", channel="COTHER"), 10, "Bob's placeholder")[0]
    answer = fake.wait_for(
        lambda: [c for c in fake.calls_of("chat.update", channel="COTHER", ts=placeholder.ts)
                 if not str(c.args.get("text")).startswith(WORKING)], 60, "Bob's answer")[0]
    assert "$5.2 million" in answer.args["text"]

    flood_answers = [c for c in fake.calls_of("chat.update", channel="CFLOOD")
                     if not str(c.args.get("text")).startswith(WORKING)]
    before_bob = [c for c in flood_answers if placeholder.at < c.at < answer.at]
    said = str(placeholder.args.get("text"))
    ahead = int(said.split("queued behind ")[1].split()[0]) if "queued behind" in said else 0
    print(f"flood of {len(flood)}: Bob's placeholder said {said!r}; "
          f"{len(before_bob)} of the flooder's answers came between it and his answer")
    assert len(before_bob) <= ahead <= 1, (
        f"Bob waited for {len(before_bob)} of the flooder's answers; his placeholder said {said!r}")

    # Nothing is silently dropped: each flooded question is answered or politely refused in its thread.
    fake.wait_for(lambda: all(replies(m) for m in flood), 30, "a reply to every flooded question")
    refused = refusals()
    assert refused, "the flooder was never told to wait"
    for call in refused:
        assert "already have 3 questions waiting" in call.args["text"], call.args["text"]
        assert call.args.get("thread_ts") in {m["ts"] for m in flood}
    placeholders = [c for c in fake.calls_of("chat.postMessage", channel="CFLOOD") if c not in refused]
    assert len(placeholders) + len(refused) == len(flood)

    def answered(ts: str) -> bool:
        return any(not str(u.args.get("text")).startswith(WORKING)
                   for u in fake.calls_of("chat.update", channel="CFLOOD", ts=ts))

    fake.wait_for(lambda: all(answered(p.ts) for p in placeholders), 60, "an answer for every accepted flooded question")

"""Load on the Slack HTTP endpoint of a running bot, and the bot's peak memory.

    python bench/slack_load.py [--questions 50] [--flood 60] [--llm none|local] [--model NAME] [--stream]

Starts a local fake Slack (the test suite's) and a real `newsbot serve --http` on loopback
over an index of the seeds, sends N signed `app_mention` events at once from N different
users (N threads, loopback only, bounded by count and a deadline), and reports: acks within
3 s, duplicate answers, whether the process survived, p50/p95 event → placeholder and →
answer, how many were told they were queued, and the serve process's peak RSS (VmHWM).
With `--llm local --model M` the RSS is that of the bot with model M loaded.

Then the flood: one user sends `--flood` questions at once and, as soon as they are acked,
another user asks one. It reports that user's wait — the flooder's answers completed
between their question and their answer, and the seconds from event to answer — and how
many of the flooder's questions were answered or told to wait (NEWSBOT_MAX_QUEUED_PER_USER).

With `--stream` the fake Slack has the Agents & AI Apps methods, so answers stream: it
reports event → sources visible (the status line listing the articles being read), → first
checked sentence (`chat.startStream`), → last sentence (the last append), p50/p95 (no flood).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.bot.slack.fake_slack import BOT_TOKEN, BOT_USER, SIGNING_SECRET, FakeSlack, event_callback, mention, sign  # noqa: E402

QUESTION = "How much money in waivers have Mexican programs received?"
DEADLINE_S = 900
WORKING = (":mag:", ":hourglass_flowing_sand:")  # the placeholder's prefixes (searching, queued)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else float("nan")


def deliver(url: str, message: dict) -> int:
    """POST `message` as a signed `app_mention` event; the HTTP status."""
    body = json.dumps(event_callback(mention(message)))
    request = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "application/json", **sign(body)})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def answers_in(fake: FakeSlack, channel: str) -> list:
    """The `chat.update`s that turned a placeholder in `channel` into an answer."""
    return [c for c in fake.calls_of("chat.update", channel=channel)
            if not str(c.args.get("text", "")).startswith(WORKING)]


def stream_timings(fake: FakeSlack, sent: dict[str, float]) -> None:
    """event → sources visible / first checked sentence / last sentence, p50 and p95."""
    sources, first, last = [], [], []
    for channel, at in sent.items():
        seen = [c for c in fake.calls_of("assistant.threads.setStatus", channel_id=channel)
                if c.args.get("loading_messages")]
        appended = fake.calls_of("chat.startStream", channel=channel) + fake.calls_of("chat.appendStream", channel=channel)
        if seen:
            sources.append(seen[0].at - at)
        if appended:
            first.append(appended[0].at - at)
            last.append(appended[-1].at - at)
    for name, values in (("sources visible", sources), ("first checked sentence", first), ("last sentence", last)):
        if values:
            print(f"event → {name} p50 {percentile(values, 50):.2f} s p95 {percentile(values, 95):.2f} s ({len(values)} answers)")


def flood(fake: FakeSlack, url: str, n: int) -> None:
    """One user sends `n` questions at once, then another user asks one: print that
    user's wait (the flooder's answers completed before theirs, and seconds)."""
    messages = [fake.user_message("CFLOOD", f"<@{BOT_USER}> {QUESTION} ({i})", user="UFLOOD") for i in range(n)]
    threads = [threading.Thread(target=deliver, args=(url, m)) for m in messages]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other = fake.user_message("CFLOODOTHER", f"<@{BOT_USER}> {QUESTION}", user="UOTHER")
    sent = time.monotonic()
    deliver(url, other)
    end = sent + DEADLINE_S
    while time.monotonic() < end and not answers_in(fake, "CFLOODOTHER"):
        time.sleep(0.05)
    mine = answers_in(fake, "CFLOODOTHER")
    posts = fake.calls_of("chat.postMessage", channel="CFLOOD")
    placeholders = [p for p in posts if str(p.args.get("text", "")).startswith(WORKING)]
    told_to_wait = len(posts) - len(placeholders)
    while time.monotonic() < end and len(answers_in(fake, "CFLOOD")) < len(placeholders):
        time.sleep(0.2)
    flood_done = answers_in(fake, "CFLOOD")
    if not mine:
        print(f"flood: {n} questions from one user + 1 from another: the other was not answered within {DEADLINE_S} s")
        return
    before = sum(1 for c in flood_done if sent < c.at < mine[0].at)
    print(f"flood: {n} questions from one user at once, then 1 from another: the other's answer came after "
          f"{before} of the flooder's answers, {mine[0].at - sent:.1f} s after their question")
    print(f"flood: the flooder's questions: {len(flood_done)} answered, {told_to_wait} told to wait "
          f"(unanswered: {n - len(flood_done) - told_to_wait})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--flood", type=int, default=60, help="questions from one user at once (0: skip)")
    parser.add_argument("--llm", default="none")
    parser.add_argument("--model", default=None)
    parser.add_argument("--embed-backend", default=None, help="torch or onnx (default: the settings' default)")
    parser.add_argument("--kv-cache", default=None, help="f16 or q8_0 (NEWSBOT_LLM_KV_CACHE)")
    parser.add_argument("--stream", action="store_true", help="streamed answers (chat.startStream) and their timings")
    args = parser.parse_args()
    newsbot = str(Path(sys.executable).with_name("newsbot"))
    tmp = Path(tempfile.mkdtemp(prefix="newsbot-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "SLACK_"))}
    env.update(NEWSBOT_DATA_DIR=str(tmp / "data"), NEWSBOT_LLM=args.llm)
    if args.model:
        env["NEWSBOT_LLM_MODEL"] = args.model
    if args.embed_backend:
        env["NEWSBOT_EMBED_BACKEND"] = args.embed_backend
    if args.kv_cache:
        env["NEWSBOT_LLM_KV_CACHE"] = args.kv_cache
    subprocess.run([newsbot, "ingest", str(ROOT / "seeds")], env=env, check=True, capture_output=True)
    fake = FakeSlack().start()
    fake.ai_apps = args.stream
    port = free_port()
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url)
    log = open(tmp / "serve.log", "w")
    proc = subprocess.Popen([newsbot, "serve", "--http", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        deadline = time.monotonic() + 180
        while "newsbot: serving" not in (tmp / "serve.log").read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("serve did not start:\n" + (tmp / "serve.log").read_text())
            time.sleep(0.2)
        rss_idle = peak_rss_mb(proc.pid)
        sent: dict[str, float] = {}
        acks: list[float] = []
        statuses: list[int] = []

        def send(i: int) -> None:
            message = fake.user_message(f"CLOAD{i:03d}", f"<@{BOT_USER}> {QUESTION}", user=f"ULOAD{i:03d}")
            started = time.monotonic()
            sent[message["channel"]] = started
            statuses.append(deliver(url, message))
            acks.append(time.monotonic() - started)

        threads = [threading.Thread(target=send, args=(i,)) for i in range(args.questions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        channels = list(sent)

        def answered(channel):
            return fake.calls_of("chat.stopStream", channel=channel) or answers_in(fake, channel)

        end = time.monotonic() + DEADLINE_S
        while time.monotonic() < end and not all(answered(c) for c in channels):
            time.sleep(0.2)
        placeholders, answers, queued, duplicates = [], [], 0, 0
        for channel in channels:
            posts = fake.calls_of("chat.postMessage", channel=channel)
            if posts:
                placeholders.append(posts[0].at - sent[channel])
                queued += any("queued" in str(p.args.get("text")).lower() for p in posts)
            done = answered(channel)
            if done:
                answers.append(done[0].at - sent[channel])
            duplicates += max(0, len(posts) - 1) + max(0, len(done) - 1)
        alive = proc.poll() is None
        embed = args.embed_backend or "default"
        kv = f", KV cache {args.kv_cache}" if args.kv_cache else ""
        print(f"questions sent concurrently: {args.questions} (LLM {args.llm}{' ' + args.model if args.model else ''}, embeddings {embed}{kv})")
        print(f"HTTP 200: {statuses.count(200)}/{len(statuses)}; acked within 3 s: {sum(a < 3 for a in acks)}; ack p50 {percentile(acks, 50) * 1000:.0f} ms, max {max(acks) * 1000:.0f} ms")
        print(f"answered: {len(answers)}/{args.questions}; duplicate posts or answers: {duplicates}; process alive: {alive}")
        if placeholders:
            print(f"event → placeholder p50 {percentile(placeholders, 50) * 1000:.0f} ms p95 {percentile(placeholders, 95) * 1000:.0f} ms")
        print(f"event → answer p50 {percentile(answers, 50):.1f} s p95 {percentile(answers, 95):.1f} s")
        print(f"told they were queued: {queued} (pool NEWSBOT_SLACK_WORKERS=2)")
        if args.stream:
            stream_timings(fake, sent)
        elif args.flood:
            flood(fake, url, args.flood)
        print(f"peak RSS of newsbot serve: {peak_rss_mb(proc.pid):.0f} MB (after start-up {rss_idle:.0f} MB)")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # an answer still generating: the numbers are in
            proc.kill()
            proc.wait()
        fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

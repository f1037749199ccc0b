"""Load on the Slack HTTP endpoint of a running bot, and the bot's peak memory.

    python bench/slack_load.py [--questions 50] [--flood 60] [--llm none|local] [--model NAME]
    python bench/slack_load.py --stream [--questions 4] [--articles 300] [--llm local --model NAME]

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

With `--stream` it measures what streaming buys instead (no load test, no flood), on an
index where answers run to several sentences: a slice of `--corpus` (a realtimeqa-style
directory; default ../shared/eval/realtimeqa-dev: the gold articles of `--questions` of its
questions without date words, plus other articles up to `--articles`), asking each quiz
question and the assistant pane's suggested question about its gold article's headline.
Each question is asked alone (nothing queued), once with the fake Slack's Agents & AI Apps
methods on — the answer streams — and once with them off — today's placeholder +
`chat.update` — one right after the other (which goes first alternates), so both runs of
a question see about the same machine load. It reports, p50/p95:
event → sources visible (the status line listing the articles being read), → first checked
sentence (`chat.startStream`), → last sentence (the last append), → streamed answer done
(`chat.stopStream`), and → answer without streaming; and per question the ratio first
checked sentence / answer without streaming (the target: ≤ 0.5), whose median survives a
loaded machine better than the seconds do. `--plain-env NAME=VALUE` (repeatable) asks the
not-streamed questions of a second `newsbot serve` with those settings added — e.g.
`NEWSBOT_PROMPT_SENTENCES=0`, the whole-chunk prompt answers had before streaming — so the
ratio compares with that answer path, still within one run; `--env NAME=VALUE` sets one for
the bot (both bots).
"""

from __future__ import annotations

import argparse
import json
import statistics
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
CORPUS = ROOT.parent / "shared" / "eval" / "realtimeqa-dev"
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


def corpus_slice(corpus: Path, questions: int, articles: int, out: Path) -> list[str]:
    """Write `out` (JSON lines): the gold articles of `questions` of the corpus's questions
    without date words (evenly spread: date words would be read relative to today, and the
    quiz is from 2022), then other articles up to `articles`. The questions to ask: each
    quiz question (one fact), then the assistant pane's suggested question about its gold
    article's headline (it invites a summary, though the prompt's "one to three sentences"
    still gets one sentence from Qwen 1.5B more often than not)."""
    from datetime import date

    from bot.slack.assistant_intro import headline_question
    from bot.time_window import relative_range

    rows = [json.loads(line) for line in (corpus / "questions.jsonl").open(encoding="utf-8")]
    undated = [q for q in rows if relative_range(q["question"], date.today()) == (None, None)]
    step = max(1, len(undated) // max(1, questions))
    chosen = undated[::step][:questions]
    gold = {url for q in chosen for url in q["gold_urls"]}
    kept, others, titles = [], [], {}
    for line in (corpus / "articles.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        (kept if record["url"] in gold else others).append(line)
        titles[record["url"]] = " ".join((record.get("title") or "").split())
    kept += others[: max(0, articles - len(kept))]
    out.write_text("".join(kept), encoding="utf-8")
    asked = []
    for q in chosen:
        asked.append(q["question"])
        title = next((titles[u] for u in q["gold_urls"] if titles.get(u)), None)
        if title:
            asked.append(headline_question(title))
    return asked


def finished(fake: FakeSlack, channel: str) -> list:
    """The calls that ended an answer in `channel`: the stream stopped, the placeholder
    replaced, or (nothing streamed: a refusal) the answer posted."""
    posted = [c for c in fake.calls_of("chat.postMessage", channel=channel)
              if not str(c.args.get("text", "")).startswith(WORKING)]
    return fake.calls_of("chat.stopStream", channel=channel) + answers_in(fake, channel) + posted


def ask_alone(fake: FakeSlack, url: str, channel: str, question: str, streamed: bool) -> float:
    """Send `question` in `channel` and wait for its answer; the time it was sent."""
    fake.ai_apps = streamed
    message = fake.user_message(channel, f"<@{BOT_USER}> {question}", user="USTREAM")
    sent = time.monotonic()
    deliver(url, message)
    end = sent + DEADLINE_S
    while time.monotonic() < end and not finished(fake, channel):
        time.sleep(0.1)
    return sent


def streaming_bench(fake: FakeSlack, url: str, questions: list[str], plain_url: str | None = None) -> None:
    """Each question streamed, then not streamed (at `plain_url` when given); the timings of
    both (see the module docstring)."""
    plain_url = plain_url or url
    rows: dict[str, list[float]] = {k: [] for k in ("sources", "first", "last", "done", "plain", "ratio", "sentences")}
    for i, question in enumerate(questions):
        streamed, plain = f"CSTREAM{i:03d}", f"CPLAIN{i:03d}"
        if i % 2:  # which path goes first alternates: a load that changes over time favours neither
            sent_plain = ask_alone(fake, plain_url, plain, question, False)
        sent = ask_alone(fake, url, streamed, question, True)
        if not i % 2:
            sent_plain = ask_alone(fake, plain_url, plain, question, False)
        seen = [c for c in fake.calls_of("assistant.threads.setStatus", channel_id=streamed) if c.args.get("loading_messages")]
        appended = fake.calls_of("chat.startStream", channel=streamed) + fake.calls_of("chat.appendStream", channel=streamed)
        stop = fake.calls_of("chat.stopStream", channel=streamed)
        answered = finished(fake, plain)
        if not (seen and appended and stop and answered):
            print(f"question {i}: not answered by both paths within {DEADLINE_S} s (or nothing streamed): {question!r}")
            continue
        row = {"sources": seen[0].at - sent, "first": appended[0].at - sent, "last": appended[-1].at - sent,
               "done": stop[0].at - sent, "plain": answered[0].at - sent_plain, "sentences": len(appended)}
        row["ratio"] = row["first"] / row["plain"]
        for key, value in row.items():
            rows[key].append(value)
        print(f"question {i} ({question[:70]}): {row['sentences']} sentence(s); sources {row['sources']:.2f} s, first {row['first']:.1f} s, "
              f"last {row['last']:.1f} s, streamed done {row['done']:.1f} s; not streamed {row['plain']:.1f} s; "
              f"first / not streamed {row['ratio']:.2f}", flush=True)
    if not rows["ratio"]:
        return
    names = (("sources", "event → sources visible"), ("first", "event → first checked sentence"),
             ("last", "event → last sentence"), ("done", "event → streamed answer done"),
             ("plain", "event → answer, not streamed"))
    for key, name in names:
        print(f"{name} p50 {percentile(rows[key], 50):.2f} s p95 {percentile(rows[key], 95):.2f} s")
    print(f"sentences per answer: median {statistics.median(rows['sentences']):g}")
    print(f"first checked sentence / answer not streamed, per question: median {statistics.median(rows['ratio']):.2f}, "
          f"max {max(rows['ratio']):.2f} ({len(rows['ratio'])} questions)")


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


def settings_of(pairs: list[str]) -> dict[str, str]:
    """`NAME=VALUE` arguments as environment entries."""
    return dict(pair.split("=", 1) for pair in pairs)


def serve(newsbot: str, env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, str]:
    """A started `newsbot serve --http` on a free loopback port, and its events URL."""
    port = free_port()
    proc = subprocess.Popen([newsbot, "serve", "--http", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while "newsbot: serving" not in log_path.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            sys.exit("serve did not start:\n" + log_path.read_text())
        time.sleep(0.2)
    return proc, f"http://127.0.0.1:{port}/slack/events"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--flood", type=int, default=60, help="questions from one user at once (0: skip)")
    parser.add_argument("--llm", default="none")
    parser.add_argument("--model", default=None)
    parser.add_argument("--embed-backend", default=None, help="torch or onnx (default: the settings' default)")
    parser.add_argument("--kv-cache", default=None, help="f16 or q8_0 (NEWSBOT_LLM_KV_CACHE)")
    parser.add_argument("--stream", action="store_true",
                        help="streamed vs not streamed answers, one question at a time, on a corpus slice")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="with --stream: a realtimeqa-style directory")
    parser.add_argument("--articles", type=int, default=300, help="with --stream: articles in the corpus slice")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the bot (e.g. NEWSBOT_PROMPT_SENTENCES=3)")
    parser.add_argument("--plain-env", action="append", default=[], metavar="NAME=VALUE",
                        help="with --stream: not-streamed answers from a second bot with this setting added")
    args = parser.parse_args()
    newsbot = str(Path(sys.executable).with_name("newsbot"))
    tmp = Path(tempfile.mkdtemp(prefix="newsbot-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "SLACK_"))}
    # a loaded machine must slow answers down, not turn them into timeouts
    env.update(NEWSBOT_DATA_DIR=str(tmp / "data"), NEWSBOT_LLM=args.llm, NEWSBOT_ANSWER_TIMEOUT=str(DEADLINE_S))
    if args.model:
        env["NEWSBOT_LLM_MODEL"] = args.model
    if args.embed_backend:
        env["NEWSBOT_EMBED_BACKEND"] = args.embed_backend
    if args.kv_cache:
        env["NEWSBOT_LLM_KV_CACHE"] = args.kv_cache
    env.update(settings_of(args.env))
    corpus = ROOT / "seeds"
    if args.stream:
        corpus = tmp / "slice.jsonl"
        questions = corpus_slice(args.corpus, args.questions, args.articles, corpus)
    started = time.monotonic()
    subprocess.run([newsbot, "ingest", str(corpus)], env=env, check=True, capture_output=True)
    print(f"indexed {corpus.name} in {time.monotonic() - started:.0f} s", flush=True)
    fake = FakeSlack().start()
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url)
    proc, url = serve(newsbot, env, tmp / "serve.log")
    procs = [proc]
    try:
        rss_idle = peak_rss_mb(proc.pid)
        if args.stream:
            plain_url = None
            if args.plain_env:
                plain_env = {**env, **settings_of(args.plain_env)}
                plain, plain_url = serve(newsbot, plain_env, tmp / "serve-plain.log")
                procs.append(plain)
            print(f"questions asked one at a time, streamed and not: {len(questions)} (LLM {args.llm}"
                  f"{' ' + args.model if args.model else ''}, {args.articles} articles of {args.corpus.name}"
                  f"{'; ' + ' '.join(args.env) if args.env else ''}"
                  f"{'; not streamed with ' + ' '.join(args.plain_env) if args.plain_env else ''})", flush=True)
            streaming_bench(fake, url, questions, plain_url)
            print(f"peak RSS of newsbot serve: {peak_rss_mb(proc.pid):.0f} MB (after start-up {rss_idle:.0f} MB)")
            return
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
        if args.flood:
            flood(fake, url, args.flood)
        print(f"peak RSS of newsbot serve: {peak_rss_mb(proc.pid):.0f} MB (after start-up {rss_idle:.0f} MB)")
    finally:
        for each in procs:
            each.terminate()
        for each in procs:
            try:
                each.wait(timeout=30)
            except subprocess.TimeoutExpired:  # an answer still generating: the numbers are in
                each.kill()
                each.wait()
        fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Peak RSS of a real `newsbot serve` over a store of 10k / 100k chunks, embedded and
server mode, and the per-chunk slope between the two sizes.

    nice -n 10 python bench/serve_memory.py [--sizes 10000,100000] [--modes embedded,server] [--questions 3]

The store is filled as in bench/query.py (the eval corpus's real chunks copied up), then
`newsbot serve --http` answers a few signed Slack mentions (fake Slack, no LLM: the
figure is what the process holds for retrieval, not the model's weights) and its VmHWM
is read. The slope (RSS at the larger size minus at the smaller, over the chunks between)
is the memory per chunk without the fixed part (embedder, libraries).

To measure another checkout (e.g. an older commit in a `git worktree`), copy this file and
bench/query.py into its bench/ and run it there with `PYTHONPATH=<that checkout>` and
`--eval-dir`: the store, the helpers and `serve` all come from the checkout this file sits
in (the questions are read from shared/ beside the checkout: link it there).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.query import QUESTIONS, corpus_size_parser, eval_dir_or_exit, fill, scratch_store, source_chunks  # noqa: E402
from bench.slack_load import ask_alone, finished, free_port, peak_rss_mb  # noqa: E402
from index.settings import Settings  # noqa: E402
from index.store import open_store  # noqa: E402
from tests.bot.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack  # noqa: E402


def serve_peak(env: dict, log_path: Path, questions: list[str]) -> tuple[float, float, int]:
    """Start `newsbot serve` with `env`, ask `questions` one at a time; its RSS after
    start-up, its peak RSS after the answers (MB), and how many were answered."""
    fake = FakeSlack().start()
    port = free_port()
    env = {**env, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url}
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 300
        while "newsbot: serving" not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("serve did not start:\n" + log_path.read_text())
            time.sleep(0.2)
        idle = peak_rss_mb(proc.pid)
        url = f"http://127.0.0.1:{port}/slack/events"
        answered = 0
        for i, question in enumerate(questions):
            channel = f"CMEM{i:03d}"
            ask_alone(fake, url, channel, question, streamed=False)
            answered += bool(finished(fake, channel))
        return idle, peak_rss_mb(proc.pid), answered
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        fake.stop()


def main():
    parser = corpus_size_parser()
    parser.add_argument("--questions", type=int, default=3)
    args = parser.parse_args()
    eval_dir = eval_dir_or_exit(args.eval_dir)
    source = source_chunks(eval_dir)
    questions = [json.loads(line)["question"] for line in open(QUESTIONS)][: args.questions]
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"code: {ROOT} ({commit}); source: {len(source[0])} real chunks from {eval_dir}", flush=True)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "SLACK_"))}
    base_env.update(PYTHONPATH=str(ROOT), NEWSBOT_LLM="none", NEWSBOT_COLLECTION="bench", NEWSBOT_ANSWER_TIMEOUT="900")
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for mode in args.modes.split(","):
        for size in sizes:
            with scratch_store(mode, "newsbot-mem-") as (tmp, fields):
                env = {**base_env, "NEWSBOT_DATA_DIR": str(tmp / "data")}
                if "chroma_url" in fields:
                    env["NEWSBOT_CHROMA_URL"] = fields["chroma_url"]
                fill(open_store(Settings(_env_file=None, **fields)), size, *source)
                idle, peak, answered = serve_peak(env, tmp / "serve.log", questions)
                rows.append((mode, size, idle, peak))
                print(f"{mode:8} {size:>7} chunks: serve RSS after start-up {idle:.0f} MB, peak {peak:.0f} MB "
                      f"({answered}/{len(questions)} answered)", flush=True)
    print(f"\n| code | store | chunks | serve RSS after start-up MB | peak RSS MB |\n| --- | --- | --- | --- | --- |")
    for mode, size, idle, peak in rows:
        print(f"| {commit} | {mode} | {size:,} | {idle:.0f} | {peak:.0f} |")
    for mode in args.modes.split(","):
        peaks = {size: peak for m, size, _, peak in rows if m == mode}
        if len(sizes) > 1 and all(s in peaks for s in (sizes[0], sizes[-1])):
            per_chunk = (peaks[sizes[-1]] - peaks[sizes[0]]) * 1024 * 1024 / (sizes[-1] - sizes[0])
            print(f"{mode}: {per_chunk:.0f} bytes per chunk, {per_chunk * 100_000 / 1e6:.0f} MB per 100k chunks "
                  f"(peak at {sizes[-1]:,} minus at {sizes[0]:,})")


if __name__ == "__main__":
    main()

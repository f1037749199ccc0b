"""`newsbot report` over a large question log: writes N entries (a quarter refused, some
feedback) through the real logger into a temporary data dir (a refused question's vector
is embedded as it is logged), then times reading the log and building the report with its
coverage-gap grouping.

    python bench/report.py [--entries 10000]

Target: 10,000 entries report in < 5 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.answer import Answer  # noqa: E402
from bot.question_log import log_answer, log_feedback, read_entries  # noqa: E402
from bot.report import build_report  # noqa: E402
from index.embedding import encode  # noqa: E402
from index.settings import Settings  # noqa: E402

TOPICS = ["interest rates", "the World Cup final", "wildfires in California", "the budget vote",
          "a hurricane in Florida", "the price of eggs", "a railway strike", "the election results"]
FORMS = ["What happened with {}?", "Any news on {} today?", "Tell me about {}", "Who is involved in {}?"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(7)
    encode(["warm up"])  # the model load is start-up, not report time
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), question_log_max_bytes=2_000_000, question_log_backups=100)
        started = time.perf_counter()
        for i in range(args.entries):
            question = rng.choice(FORMS).format(rng.choice(TOPICS)) + f" (#{i})"
            refused = rng.random() < 0.25
            entry_id = log_answer(settings, Answer(question, "…", refused, [], "none",
                                                   timings={"total_ms": rng.uniform(500, 9000)}), "slack")
            if rng.random() < 0.05:
                log_feedback(settings, entry_id, rng.choice(["up", "down"]), "U1", "C1")
        written = time.perf_counter() - started
        started = time.perf_counter()
        report = build_report(read_entries(settings))
        took = time.perf_counter() - started
    print(f"entries {args.entries}: written in {written:.1f} s; report in {took:.2f} s "
          f"(target < 5 s): {report.refused} refused in {len(report.gaps)} gap groups")


if __name__ == "__main__":
    main()

"""Does the bot refuse when no article states the answer, and still answer when one does?
Each question asked twice — with its gold articles in the index, and `--without-gold`
(gold and every article stating the answer left out; right = refused) — and each answer
checked twice: with the name rules (a sentence's names must be in its source; extractive
answers only from sources naming what the question names) and without them. The LLM's
replies are cached, so the rule-off pass replays the rule-on one (the prompt does not
depend on the checker): one LLM run per question and setting.

    python bench/answerability.py ../shared/eval/realtimeqa-dev --limit 50 \\
        --extra-corpus ../shared/eval/realtimeqa-2023 --extra-corpus ../shared/corpora/bbc \\
        --llm-cache /tmp/answerability.jsonl [--backend local]

Prints, per setting: accuracy with gold present (answerable), refusal rate without gold
(unanswerable), citations marked verified whose article does not state the answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.evaluation.runner import run_eval  # noqa: E402
from index.settings import Settings  # noqa: E402


@contextmanager
def name_rules(on: bool):
    """The rules as shipped, or switched off (every name counts as stated, every source as
    about the question): the checker as it was before them."""
    if on:
        yield
        return
    with mock.patch("bot.support.named_in", lambda name, words: True), \
            mock.patch("bot.extractive.about_the_question", lambda names, source: True):
        yield


def figures(report: dict) -> dict:
    rows = report["rows"]
    cited = [c for row in rows for c in row["citations"]]
    return {
        "questions": len(rows),
        "right": sum(1 for row in rows if row["correct"]),
        "refused": sum(1 for row in rows if row["refused"]),
        "citations": len(cited),
        "citations_not_stating": sum(1 for c in cited if not c["states_answer"]),
        "p50_ms": report["answers"]["answer_p50_ms"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--extra-corpus", type=Path, action="append", default=[])
    parser.add_argument("--llm-cache", type=Path, required=True)
    parser.add_argument("--backend", default=None)
    parser.add_argument("--out", type=Path, help="Write every report (JSON) here.")
    args = parser.parse_args()
    settings = Settings()
    results = {}
    for without_gold in (False, True):
        for rules in (True, False):
            with name_rules(rules):
                report = run_eval(args.dataset, settings, limit=args.limit, backend=args.backend,
                                  methods=("hybrid",), llm_cache=args.llm_cache, extra=tuple(args.extra_corpus),
                                  without_gold=without_gold, log=lambda m: print(m, file=sys.stderr))
            results[(without_gold, rules)] = report
            f = figures(report)
            kind = "without gold (right = refused)" if without_gold else "with gold"
            print(f"{kind:32} name rules {'on ' if rules else 'off'}: right {f['right']}/{f['questions']}, "
                  f"refused {f['refused']}, citations {f['citations']} ({f['citations_not_stating']} whose article "
                  f"does not state the answer), p50 {f['p50_ms'] / 1000:.1f} s", flush=True)
    if args.out:
        args.out.write_text(json.dumps({f"{'without' if w else 'with'}-gold-rules-{'on' if r else 'off'}": rep
                                        for (w, r), rep in results.items()}, ensure_ascii=False))


if __name__ == "__main__":
    main()

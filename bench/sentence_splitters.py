"""Our sentence splitter (bot/sentences.py) against pysbd and NLTK punkt on eval articles.

    pip install pysbd   # not a dependency: only this comparison uses it
    python bench/sentence_splitters.py [--articles 150] [--dataset ../shared/eval/realtimeqa-dev] [-v]

Counts, per splitter, the boundaries at the hard places, judged by what follows them:
- a split after an abbreviation or initial ("U.S.", "Gov.", "p.m.", "J.") where the text
  goes on (a lowercase word, a number, a weekday or time zone, a name after a title);
- a sentence end after an abbreviation (a sentence starter such as "The" or "It" follows)
  that was not split;
- a split between a month and its day ("May | 26.");
- a split inside a quotation that closes later in the paragraph (our rule keeps a quoted
  passage in one sentence: the citation checker and the streamed answer rely on it).
Prints one markdown table, with the seconds each splitter took.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# punkt's data ships inside llama-index (index/offline.py points NLTK there too)
os.environ.setdefault("NLTK_DATA", str(Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
                                       / "site-packages" / "llama_index" / "core" / "_static" / "nltk_cache"))

from bot.sentences import split_sentences  # noqa: E402

_TITLES = ("Mr|Mrs|Ms|Dr|Prof|Gov|Sen|Sens|Rep|Reps|Gen|Col|Lt|Sgt|St|Mt|Ft|No|Jr|Sr|Inc|Corp|Co|Ltd|vs|"
           "Jan|Feb|Mar|Apr|Aug|Sep|Sept|Oct|Nov|Dec|Ave|Blvd")
ABBREVIATION = re.compile(rf"^[\"'“‘(]*(?:(?:[A-Za-z]\.){{2,}}|[A-Z]\.|(?:{_TITLES})\.)[\"'”’)]*$")
TITLE = re.compile(r"^[\"'“‘(]*(?:[A-Z]|Mr|Mrs|Ms|Dr|Prof|Gov|Sen|Sens|Rep|Reps|Gen|Col|Lt|Sgt|St|Mt|Ft|No)\.$")
GOES_ON = set("Monday Tuesday Wednesday Thursday Friday Saturday Sunday Monday-Saturday Monday-Friday "
              "ET CDT EDT EST CT PT PDT MT".split())
STARTERS = set("""The A An It He She They We I In On But And This That These Those There His Her Their Its
As At After Before When While If Also So Yet Now Then Still For With From By Our My You Some Many Most
No One Two Three All Both Each Other Another Officials Police According During Since Although However""".split())
MONTH = re.compile(r"^(January|February|March|April|May|June|July|August|September|October|November|December)$")


def _cuts(sentences: list[str]) -> set[int]:
    """Boundaries as the number of words before each cut (whitespace does not count)."""
    cuts, words = set(), 0
    for sentence in sentences[:-1]:
        words += len(sentence.split())
        cuts.add(words)
    return cuts


def _in_closed_quotation(before: str, after: str) -> bool:
    if before.count("“") > before.count("”"):
        return "”" in after
    return before.count('"') % 2 == 1 and '"' in after


def judge(paragraph: str, sentences: list[str], counts: Counter, examples: list[str]) -> None:
    words, cuts = paragraph.split(), _cuts(sentences)
    for i in range(1, len(words)):
        word, following, cut = words[i - 1], words[i].lstrip("\"'“‘("), i in cuts
        context = f"{' '.join(words[max(0, i - 5):i])} | {' '.join(words[i:i + 4])}"
        kind = None
        if ABBREVIATION.match(word):
            goes_on = (following[:1].islower() or following[:1].isdigit() or following.rstrip(".,") in GOES_ON
                       or bool(TITLE.match(word)) and following[:1].isupper())
            if cut and goes_on:
                kind = "wrong split after an abbreviation"
            elif not cut and following in STARTERS:
                kind = "missed end after an abbreviation"
        if cut and MONTH.match(word) and following[:1].isdigit():
            kind = "month split from its day"
        if cut and _in_closed_quotation(" ".join(words[:i]), " ".join(words[i:])):
            kind = "split inside a quotation"
        if kind:
            counts[kind] += 1
            examples.append(f"{kind}: {context}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=150)
    parser.add_argument("--dataset", type=Path, default=ROOT.parent / "shared" / "eval" / "realtimeqa-dev")
    parser.add_argument("-v", action="store_true", help="print a few examples of each kind")
    args = parser.parse_args()
    import pysbd
    from nltk.tokenize import PunktTokenizer

    rows = [json.loads(line) for line in open(args.dataset / "articles.jsonl", encoding="utf-8")]
    sample = random.Random(11).sample(rows, min(args.articles, len(rows)))
    paragraphs = [" ".join(p.split()) for row in sample for p in re.split(r"\n\s*\n", row["text"]) if p.strip()]
    punkt, segmenter = PunktTokenizer("english"), pysbd.Segmenter(language="en", clean=False)
    splitters = {"ours (bot/sentences.py)": split_sentences, "NLTK punkt": punkt.tokenize,
                 "pysbd": segmenter.segment}
    kinds = ("wrong split after an abbreviation", "missed end after an abbreviation", "month split from its day",
             "split inside a quotation")
    print(f"{len(sample)} articles, {len(paragraphs)} paragraphs\n")
    print("| splitter | " + " | ".join(kinds) + " | seconds |")
    print("| --- " * (len(kinds) + 2) + "|")
    for name, split in splitters.items():
        started = time.perf_counter()
        split_all = [[s for s in split(p) if s.strip()] for p in paragraphs]
        seconds = time.perf_counter() - started
        counts: Counter = Counter()
        examples: list[str] = []
        for paragraph, sentences in zip(paragraphs, split_all):
            judge(paragraph, sentences, counts, examples)
        print(f"| {name} | " + " | ".join(str(counts[k]) for k in kinds) + f" | {seconds:.1f} |")
        if args.v:
            for kind in kinds:
                for line in [e for e in examples if e.startswith(kind)][:5]:
                    print(f"    {name}: {line}")


if __name__ == "__main__":
    main()

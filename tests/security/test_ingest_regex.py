"""No regex in ingest/ backtracks catastrophically.

Every compiled pattern at module level in every `ingest` module (clutter, dates, bylines,
readers, ...) is found by walking the package, so a new pattern is covered without
touching this test. Each is run (`match` and `search`) on 10 KB adversarial strings built
from its own literal words and from characters regexes commonly stumble on, ending in a
character that forces a failed match; every call must finish in under 100 ms.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys
import time
from pathlib import Path

import ingest

SIZE = 10_000
LIMIT_S = 0.100
TOTAL_TIMEOUT_S = 60
REPO = Path(__file__).resolve().parents[2]
FILLERS = ("a", "A", "a ", "Aa ", " ", "\t", ", ", "a, ", "Aa, ", "a.", ".", "-", "—", "a-", "(", "(a",
           "a)", "1", "1 ", "#", "*", "**a", "_a", "[", "[a](", "![", "\n", "\n\n", " \n", "a\n", "'", '"',
           "<", "<a ", ":", "a:", "…", "Aa (Aa) ")
ENDS = ("\x00", "!", "")
LEADS = ("# ", "by A ", "(", "[a", "<", "**a", "_a", "\n", "a ", "created: a", "url: http://a")


def module_patterns() -> list[tuple[str, re.Pattern]]:
    found = []
    for info in pkgutil.walk_packages(ingest.__path__, "ingest."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found.append((f"{info.name}.{name}", value))
    return found


def words_of(pattern: re.Pattern) -> list[str]:
    """The literal words in a pattern (`by`, `and`, `newsletter`, `CNN`, ...)."""
    return sorted(set(re.findall(r"(?<!\\)\b[A-Za-z]{2,}\b", pattern.pattern)))[:60]


def attacks(pattern: re.Pattern):
    words = words_of(pattern)
    units = list(FILLERS) + [w + sep for w in words for sep in (" ", ", ", " Aa ")]
    for unit in units:
        body = (unit * (SIZE // len(unit) + 1))[:SIZE]
        for end in ENDS:
            yield "search", body + end
            yield "match", body + end
    leads = list(LEADS) + [w + sep for w in words for sep in (" ", ": a")] + [w.capitalize() + " " for w in words]
    for lead in leads:
        for unit in FILLERS + tuple(w + " " for w in words):
            yield "match", lead + (unit * (SIZE // len(unit) + 1))[:SIZE] + "\x00"


def test_the_patterns_are_found():
    names = {name for name, _ in module_patterns()}
    assert {"ingest.clutter._BYLINE", "ingest.clutter._WIDGET", "ingest.clutter._PROMPT"} <= names
    assert len(names) >= 10


def scan() -> None:
    """Print each pattern's name before trying it, and each slow call (run in a child
    process: an exponential regex never returns, and holds the GIL while it runs)."""
    for name, pattern in module_patterns():
        print("trying", name, flush=True)
        for how, text in attacks(pattern):
            started = time.thread_time()  # CPU time: a loaded machine pausing the child is not backtracking
            getattr(pattern, how)(text)
            took = time.thread_time() - started
            if took > LIMIT_S:
                print(f"slow {name}.{how}({text[:40]!r}… {len(text)} chars): {took * 1000:.0f} ms", flush=True)
                break  # one slow input per pattern is enough to name it
    print("done", flush=True)


def test_no_pattern_backtracks_catastrophically():
    child = subprocess.Popen([sys.executable, "-c", "from tests.security.test_ingest_regex import scan; scan()"],
                             cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        out, _ = child.communicate(timeout=TOTAL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        out, _ = child.communicate()
        out += "\nslow: never returned after " + out.strip().splitlines()[-1]
    lines = out.strip().splitlines()
    slow = [line for line in lines if line.startswith("slow")]
    assert not slow and lines[-1] == "done", "patterns that backtrack:\n" + "\n".join(slow)

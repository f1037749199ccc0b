"""The metrics `newsbot eval` reports; pure functions, tested on hand-made cases."""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from bot.sentences import MARKER


def normalise_url(url: str | None) -> str:
    if not url:
        return ""
    url = url.strip().lower()
    url = re.sub(r"^https?://", "", url)
    url = re.sub(r"^www\.", "", url)
    return url.split("#")[0].rstrip("/")


def is_gold(urls: list[str], gold: set[str]) -> bool:
    """An article is gold when its url, or the url of a duplicate stored with it, is."""
    return any(normalise_url(u) in gold for u in urls)


def gold_rank(ranked: list[list[str]], gold: set[str], k: int = 10) -> int | None:
    """1-based rank of the first gold article among the top `k` (each a list of urls)."""
    return next((rank for rank, urls in enumerate(ranked[:k], 1) if is_gold(urls, gold)), None)


def hit_at(ranked: list[list[str]], gold: set[str], k: int) -> float:
    return 1.0 if gold_rank(ranked, gold, k) else 0.0


def reciprocal_rank(ranked: list[list[str]], gold: set[str], k: int = 10) -> float:
    rank = gold_rank(ranked, gold, k)
    return 1.0 / rank if rank else 0.0


_NUMBER_WORDS = {
    w: str(i) for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}


def normalise_text(text: str) -> str:
    """Case, quotes, "&", small number words ("six" = "6") and plural endings ("heat
    wave" = "Heat waves") do not decide correctness."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[\"'“”‘’`]", "", text)
    text = text.replace("&", " and ")
    text = re.sub(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", lambda m: _NUMBER_WORDS[m.group(1)], text)
    text = re.sub(r"\b([a-z]{2,}[a-rt-z])s\b", r"\1", text)  # plural → singular, both sides
    return " ".join(re.sub(r"[^\w$%.,\- ]", " ", text).split())


def _contains(haystack: str, needle: str) -> bool:
    needle = normalise_text(needle).strip(" .,")
    if not needle:
        return False
    # "5 percent" must not match inside "4.5 percent": numbers keep their decimals.
    before = r"(?<![\w.,])" if needle[0].isdigit() else r"(?<!\w)"
    after = r"(?![\w]|[.,]\d)"
    return re.search(before + re.escape(needle) + after, haystack) is not None


def without_markers(answer: str) -> str:
    """What an answer says: its citation markers are not part of it ("[1]" is not the
    choice "1")."""
    return MARKER.sub(" ", answer)


def answer_correct(answer: str, right: str, choices: list[str]) -> bool:
    """Right when the answer contains the right choice and no wrong one."""
    text = normalise_text(without_markers(answer))
    wrong = [c for c in choices if normalise_text(c) != normalise_text(right)]
    return _contains(text, right) and not any(_contains(text, c) for c in wrong)


def contains_answer(normalised_text: str, right: str) -> bool:
    """`supports_answer` for a text already through `normalise_text` (many questions, one text)."""
    return _contains(normalised_text, right)


def supports_answer(article_text: str, right: str) -> bool:
    """Whether a cited article states the right answer: a citation can be useful without
    being the one gold article (three outlets report the same recall)."""
    return _contains(normalise_text(article_text), right)


def percentile(values: list[float], q: float) -> float:
    """numpy's linear percentile; 0.0 for no values (a report row, not an error)."""
    return float(np.percentile(values, q)) if values else 0.0

"""The metrics `newsbot eval` reports; pure functions, tested on hand-made cases."""

from __future__ import annotations

import re
import unicodedata


def normalise_url(url: str | None) -> str:
    if not url:
        return ""
    url = url.strip().lower()
    url = re.sub(r"^https?://", "", url)
    url = re.sub(r"^www\.", "", url)
    return url.split("#")[0].rstrip("/")


def hit_at(ranked_urls: list[str], gold: set[str], k: int) -> float:
    return 1.0 if any(normalise_url(u) in gold for u in ranked_urls[:k]) else 0.0


def reciprocal_rank(ranked_urls: list[str], gold: set[str], k: int = 10) -> float:
    for rank, url in enumerate(ranked_urls[:k], 1):
        if normalise_url(url) in gold:
            return 1.0 / rank
    return 0.0


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[\"'“”‘’`]", "", text)
    return " ".join(re.sub(r"[^\w$%.,\- ]", " ", text).split())


def _contains(haystack: str, needle: str) -> bool:
    needle = normalise_text(needle).strip(" .,")
    if not needle:
        return False
    return re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", haystack) is not None


def answer_correct(answer: str, right: str, choices: list[str]) -> bool:
    """Right when the answer contains the right choice and no wrong one."""
    text = normalise_text(answer)
    wrong = [c for c in choices if normalise_text(c) != normalise_text(right)]
    return _contains(text, right) and not any(_contains(text, c) for c in wrong)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]

"""Counts as people write them: "1 story", "2 stories", "1 article", "0 chunks"."""

from __future__ import annotations

_IRREGULAR = {"story": "stories", "query": "queries", "entry": "entries", "duplicate": "duplicates"}


def count(n: int, noun: str) -> str:
    """`n` and `noun`, the noun in the plural unless n is 1."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {_IRREGULAR.get(noun, noun + 's')}"

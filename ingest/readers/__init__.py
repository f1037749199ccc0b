"""One reader per input format; each turns a file into `Article` records.

`read_file(path)` picks the reader by suffix. A reader raises `UnreadableInput` with a
reason a person can act on; the caller records it in the summary and carries on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ingest.article import Article


class UnreadableInput(Exception):
    """The file cannot be ingested; the message says why (shown next to its path)."""


Reader = Callable[[Path], list[Article]]


def _readers() -> dict[str, Reader]:
    from ingest.readers import text

    return {".txt": text.read, "": text.read}


def supported_suffixes() -> set[str]:
    return set(_readers())


def read_file(path: Path) -> list[Article]:
    reader = _readers().get(path.suffix.lower())
    if reader is None:
        raise UnreadableInput(f"unsupported file type {path.suffix!r}")
    return reader(path)

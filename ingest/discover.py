"""What an ingest run reads: the files under the source folders, the files given, feed URLs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ingest.readers import is_url, supported_suffixes
from ingest.report import NOT_TAKEN, IngestReport

# Files that describe a corpus rather than being an article of it.
IGNORED_NAMES = ("readme", "license", "licence", "changelog")


@dataclass
class FileOrFeed:
    """One thing to read: a file (with the source folder it was found under) or a feed URL."""

    origin: str  # the resolved file path or the URL: the key of what it holds in the manifest
    path: Path | None = None
    root: Path | None = None

    @property
    def is_url(self) -> bool:
        return self.path is None


def origin_gone(origin: str) -> bool:
    """A file origin that no longer exists; a feed URL is never gone (entries roll off)."""
    return not is_url(origin) and not os.path.exists(origin)


def discover(sources: Iterable[str | Path], report: IngestReport) -> list[FileOrFeed]:
    """Files under the given folders (sorted; hidden files and README/LICENSE skipped),
    the files given, and feed URLs. A symbolic link in a folder that resolves outside it
    is skipped and named: dropping `passwd.txt -> /etc/passwd` into a watched folder must
    not put the system's files into answers. (Linked folders are not descended into, so
    link loops end.)"""
    suffixes = supported_suffixes()
    found: dict[str, FileOrFeed] = {}  # by origin: a file named twice is read once

    def add(item: FileOrFeed) -> None:
        found.setdefault(item.origin, item)

    for source in sources:
        if is_url(str(source)):
            add(FileOrFeed(origin=str(source)))
            continue
        path = Path(source).expanduser()
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if any(p.startswith(".") for p in rel.parts) or not child.is_file() and not child.suffix:
                    continue  # hidden, or a plain sub-folder (walked into by rglob)
                if child.stem.lower() in IGNORED_NAMES:
                    report.skip(str(child), f"{NOT_TAKEN}: it describes the corpus")
                    continue
                if child.suffix.lower() not in suffixes:
                    report.skip(str(child), f"{NOT_TAKEN}: newsbot reads {', '.join(sorted(s for s in suffixes if s))}")
                    continue
                resolved = _inside(child, path, report)
                if resolved is None:
                    continue
                if child.is_file() or child.is_dir() and child.suffix:  # a folder named like a file
                    add(FileOrFeed(origin=str(resolved), path=child, root=path))
        elif path.exists():
            add(FileOrFeed(origin=str(path.resolve()), path=path, root=None))
        else:
            report.skip(str(source), "no such file or folder")
    return list(found.values())


def _inside(child: Path, folder: Path, report: IngestReport) -> Path | None:
    """`child` resolved, when it is inside `folder`; else None, and the reason noted."""
    try:
        resolved = child.resolve(strict=True)
    except (OSError, RuntimeError):  # a broken link, a link loop
        report.skip(str(child), "broken symbolic link (or a link loop)")
        return None
    if not resolved.is_relative_to(folder.resolve()):
        report.skip(str(child), f"symbolic link to outside {folder}: skipped")
        return None
    return resolved

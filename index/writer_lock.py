"""One writer at a time for the embedded store (Chroma's PersistentClient is not
process-safe: a second writer can corrupt it). The lock is a `filelock` (an flock) on a
file in the data dir, so it vanishes with its process, even after `kill -9`.

The lock file holds the holder's pid while it writes and is emptied on a clean exit, so
a pid found in it on taking the lock means the last writer died mid-write.
Taking it also brings this process's Chroma client up to date (index/store.py): a
process that read the store before another one wrote (the bot's watcher, Slack
`/reindex`) must not write through its stale index and persist it over the other's."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from index.settings import Settings
from index.store import EMBEDDED, StoreError


@contextmanager
def writer_lock(settings: Settings):
    """Hold the data dir's writer lock; a second holder gets one clear error at once."""
    if settings.chroma_url:  # a Chroma server serialises writes itself
        yield
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = Path(settings.data_dir) / "writer.lock"
    # no soft fallback: a lock file that outlives a killed holder would block every writer
    lock = FileLock(path, blocking=False, fallback_to_soft=False)
    try:
        lock.acquire()
    except Timeout:
        holder = _read(path) or "unknown"
        raise StoreError(
            f"another newsbot process (pid {holder}) is writing to {settings.data_dir}; "
            "stop it first, or run a Chroma server and set NEWSBOT_CHROMA_URL so that "
            "several processes can share the index."
        ) from None
    try:
        crashed_writer = bool(_read(path))  # a holder that exits cleanly empties it
        EMBEDDED.before_write(settings, crashed_writer)
        _write(path, str(os.getpid()))
        yield
    finally:
        EMBEDDED.after_write(settings)
        _write(path, "")
        lock.release()


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _write(path: Path, text: str) -> None:
    """Rewrite the lock file in place (the same inode, which the flock is on)."""
    with open(path, "r+") as handle:
        handle.truncate()
        handle.write(text)

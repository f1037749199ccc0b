"""One writer at a time for the embedded store (Chroma's PersistentClient is not
process-safe: a second writer can corrupt it). The lock is an `flock` on a file in the
data dir, so it vanishes with its process, even after `kill -9`.

Taking it also brings this process's Chroma client up to date (index/store.py): a
process that read the store before another one wrote (the bot's watcher, Slack
`/reindex`) must not write through its stale index and persist it over the other's."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from index.settings import Settings
from index.store import EMBEDDED, StoreError


@contextmanager
def writer_lock(settings: Settings):
    """Hold the data dir's writer lock; a second holder gets one clear error."""
    if settings.chroma_url:  # a Chroma server serialises writes itself
        yield
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = Path(settings.data_dir) / "writer.lock"
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise StoreError(
            f"another newsbot process (pid {holder}) is writing to {settings.data_dir}; "
            "stop it first, or run a Chroma server and set NEWSBOT_CHROMA_URL so that "
            "several processes can share the index."
        ) from None
    try:
        handle.seek(0)
        crashed_writer = bool(handle.read().strip())  # a holder that exits cleanly empties it
        EMBEDDED.before_write(settings, crashed_writer)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        EMBEDDED.after_write(settings)
        handle.seek(0)
        handle.truncate()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()

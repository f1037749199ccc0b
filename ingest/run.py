"""`newsbot ingest` / `newsbot reindex` in three steps, under the writer lock:

* read (`read` here): the sources (`ingest.discover`) into documents, skipping files the
  stat cache vouches for;
* plan (`ingest.plan`): from what was read and the manifest, what to embed, record as a
  duplicate, replace and prune; no writes, so it is tested without Chroma or embeddings;
* write (`ingest.write`): the plan carried out, Chroma first, then the docstore.

That order of writes makes a `kill -9` at any moment harmless:

1. every batch of articles is embedded and *upserted* into Chroma under stable chunk ids
   (an old version's extra chunks are deleted after the new ones are in);
2. then the docstore (with newsbot's manifest inside it) is replaced atomically.

Killed between 1 and 2, the next run does not find those articles in the docstore, embeds
them again and upserts them over the same ids: each article ends up exactly once. Pruned
articles are deleted from Chroma before the docstore forgets them, so a kill there leaves
an article the next `--prune` (or `newsbot check --repair`) finishes deleting.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Iterable

from index.docstore import load_docstore
from index.manifest import Manifest, ManifestState
from index.settings import Settings
from index.writer_lock import writer_lock
from ingest.chunking import article_to_document
from ingest.discover import FileOrFeed, discover
from ingest.plan import ReadArticle, Reading, cached_ids, plan
from ingest.progress import printable
from ingest.readers import ReadContext, UnreadableInput, read_file, read_url
from ingest.report import IngestReport
from ingest.write import Progress, write

log = logging.getLogger(__name__)


def ingest_sources(
    settings: Settings,
    sources: Iterable[str | Path] | None = None,
    *,
    prune: bool = False,
    progress: Progress | None = None,
    use_stat_cache: bool = True,
) -> IngestReport:
    """Ingest `sources` (default: NEWSBOT_SOURCES) under the writer lock."""
    with writer_lock(settings):
        return _ingest_locked(
            settings,
            list(sources if sources is not None else settings.sources),
            prune=prune,
            progress=progress,
            use_stat_cache=use_stat_cache,
        )


def _ingest_locked(settings, sources, *, prune, progress, use_stat_cache) -> IngestReport:
    """read -> plan -> write."""
    started = time.perf_counter()
    report = IngestReport()
    docstore = load_docstore(settings)
    state = Manifest(docstore).state()
    reading = read(discover(sources, report), state, settings, report, use_stat_cache=use_stat_cache)
    decided = plan(reading, state, prune=prune)
    report.added, report.updated, report.unchanged, report.duplicates = (
        decided.added, decided.updated, decided.unchanged, decided.duplicates)
    for path, reason in decided.skipped:
        report.skip(path, reason)
    write(decided, docstore, settings, report, progress)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def read(inputs: list[FileOrFeed], state: ManifestState, settings: Settings, report: IngestReport,
         *, use_stat_cache: bool = True) -> Reading:
    """Every file and feed read into documents; a file the stat cache vouches for is not
    opened. A file or record that cannot be read is named in `report` and the rest go on."""
    reading = Reading()
    for source in inputs:
        stat = None if source.is_url else _stat_key(source.path)
        ids = cached_ids(state.files.get(source.origin), stat, state) if use_stat_cache else None
        if ids is not None:
            reading.cached[source.origin] = ids
            reading.origins.add(source.origin)
            continue
        ctx = ReadContext(max_bytes=settings.max_article_bytes, root=source.root, feed_timeout=settings.feed_timeout,
                          allow_private_feeds=settings.allow_private_feeds)
        try:
            articles = read_url(source.origin, ctx) if source.is_url else read_file(source.path, ctx)
        except UnreadableInput as exc:
            report.skip(str(source.path or source.origin), str(exc))
            continue
        except Exception as exc:  # a reader bug must not stop the other files
            log.exception("reader failed on %s", printable(source.origin))
            report.skip(str(source.path or source.origin), f"reader error: {exc!r}")
            continue
        report.skipped.extend(ctx.skipped)
        reading.origins.add(source.origin)
        if stat is not None and not ctx.skipped:
            reading.stats[source.origin] = stat
        reading.articles.extend(ReadArticle(article_to_document(a), a, source.origin) for a in articles)
    return reading


def _stat_key(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]

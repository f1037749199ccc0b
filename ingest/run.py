"""`newsbot ingest` / `newsbot reindex`: sources in, chunks embedded into Chroma through
llama-index's IngestionPipeline, whose docstore decides new / changed / unchanged.

The order of writes makes a `kill -9` at any moment harmless:

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
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from index.docstore import load_docstore, save_docstore
from index.manifest import ALIASES, ARTICLES, FILES, Manifest
from index.settings import Settings
from index.store import open_store
from index.writer_lock import writer_lock
from ingest.batches import embed_batch
from ingest.chunking import LongestFirst, article_to_document, make_splitter
from ingest.identity import Owners
from ingest.progress import printable
from ingest.readers import ReadContext, UnreadableInput, is_url, read_file, read_url, supported_suffixes

log = logging.getLogger(__name__)

# Articles per pipeline run: each run ends with its chunks in Chroma, a revision bump and a
# docstore save (what a crash can lose), and its chunks are embedded sorted by length, so
# a larger batch pads less (32 → 64: ~8% less encode time).
BATCH_ARTICLES = 64
# Files that describe a corpus rather than being an article of it.
IGNORED_NAMES = ("readme", "license", "licence", "changelog")

Progress = Callable[[int, int, int], None]  # (articles done, articles to embed, chunks embedded)


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    duplicates: int = 0
    skipped: list[dict] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def skip(self, path: object, reason: object) -> None:
        """Note a skipped file or record; path and reason escaped (`ingest.progress.printable`),
        since a file name is untrusted text and ends up in terminal lines and Slack posts."""
        self.skipped.append({"path": printable(str(path)), "reason": printable(str(reason))})

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.duplicates)

    def summary(self) -> str:
        line = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {self.duplicates} duplicates, {len(self.skipped)} skipped; "
            f"{self.chunks_embedded} chunks embedded in {self.seconds:.1f}s"
        )
        if self.chunks_embedded == 0 and not self.added and not self.updated:
            line += " (nothing new to embed)"
        return line


@dataclass
class Unit:
    """One thing to read: a file (with the source folder it was found under) or a feed URL."""

    origin: str
    path: Path | None = None
    root: Path | None = None

    @property
    def is_url(self) -> bool:
        return self.path is None


def _ignored(path: Path) -> bool:
    return path.stem.lower() in IGNORED_NAMES


def discover(sources: Iterable[str | Path], report: IngestReport) -> list[Unit]:
    """Files under the given folders (sorted; hidden files and README/LICENSE skipped),
    the files given, and feed URLs. A symbolic link in a folder that resolves outside it
    is skipped and named: dropping `passwd.txt -> /etc/passwd` into a watched folder must
    not put the system's files into answers. (Linked folders are not descended into, so
    link loops end.)"""
    suffixes = supported_suffixes()
    units: list[Unit] = []
    seen: set[str] = set()

    def add(unit: Unit) -> None:
        if unit.origin not in seen:
            seen.add(unit.origin)
            units.append(unit)

    for source in sources:
        if is_url(str(source)):
            add(Unit(origin=str(source)))
            continue
        path = Path(source).expanduser()
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if any(p.startswith(".") for p in rel.parts) or _ignored(child):
                    continue
                if child.suffix.lower() not in suffixes:
                    continue
                resolved = _inside(child, path, report)
                if resolved is None:
                    continue
                if child.is_file() or child.is_dir() and child.suffix:  # a folder named like a file
                    add(Unit(origin=str(resolved), path=child, root=path))
        elif path.exists():
            add(Unit(origin=str(path.resolve()), path=path, root=None))
        else:
            report.skip(str(source), "no such file or folder")
    return units


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


def _stat_key(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _origin_gone(origin: str) -> bool:
    return not is_url(origin) and not os.path.exists(origin)


def after_write(store, changed) -> None:
    """Tell readers the collection changed: bump its revision, logging the articles
    `changed`. The keyword index and the in-memory chunk table (index/keyword.py) then
    fetch those articles' chunks from Chroma, in this process and in every other one
    sharing the store."""
    store.bump_revision(changed=changed)


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


def ingest_paths(paths, settings: Settings, progress: Progress | None = None, prune: bool = False) -> IngestReport:
    """Backwards-compatible name: ingest the given files, folders or feed URLs."""
    return ingest_sources(settings, paths, prune=prune, progress=progress)


def _ingest_locked(settings, sources, *, prune, progress, use_stat_cache) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    units = discover(sources, report)
    docstore = load_docstore(settings)
    manifest = Manifest(docstore)
    known_ids = manifest.article_ids()
    aliases = manifest.all(ALIASES)
    articles_meta = manifest.all(ARTICLES)
    forgotten = manifest.tombstones()
    forgotten_bodies = {e.get("body_hash") for e in forgotten.values() if e.get("body_hash")}

    # ---- read ---------------------------------------------------------------------
    documents = []        # (Document, Article, origin)
    unchanged_files: dict[str, list[str]] = {}   # origin -> ids, for stat-cache hits
    read_ok: set[str] = set()                    # origins read (or known unchanged) this run
    file_stats: dict[str, list[int]] = {}
    for unit in units:
        ctx = ReadContext(max_bytes=settings.max_article_bytes, root=unit.root, feed_timeout=settings.feed_timeout,
                          allow_private_feeds=settings.allow_private_feeds)
        stat = None if unit.is_url else _stat_key(unit.path)
        if use_stat_cache and stat is not None:
            cached = manifest.get(FILES, unit.origin)
            if cached and cached.get("stat") == stat and all(
                i in known_ids or i in forgotten or _alias_alive(aliases.get(i), known_ids, articles_meta)
                for i in cached.get("ids", [])
            ):
                unchanged_files[unit.origin] = cached["ids"]
                read_ok.add(unit.origin)
                continue
        try:
            articles = read_url(unit.origin, ctx) if unit.is_url else read_file(unit.path, ctx)
        except UnreadableInput as exc:
            report.skip(str(unit.path or unit.origin), str(exc))
            continue
        except Exception as exc:  # a reader bug must not stop the other files
            log.exception("reader failed on %s", printable(unit.origin))
            report.skip(str(unit.path or unit.origin), f"reader error: {exc!r}")
            continue
        report.skipped.extend(ctx.skipped)
        read_ok.add(unit.origin)
        if stat is not None and not ctx.skipped:
            file_stats[unit.origin] = stat
        for article in articles:
            documents.append((article_to_document(article), article, unit.origin))

    # ---- decide -------------------------------------------------------------------
    owners = Owners(articles_meta, aliases)
    for origin, ids in unchanged_files.items():
        report.unchanged += owners.hold_cached(origin, [i for i in ids if i not in forgotten])
    unique = []
    claimed: dict[str, set[str]] = {}  # id -> other sources with its text (also_at)
    for doc, article, origin in documents:
        if doc.id_ in forgotten or article.body_hash in forgotten_bodies:
            report.skip(article.source_path, f"forgotten ({article.url or doc.id_} was taken down with "
                        "`newsbot forget`; `newsbot forget --undo` allows it again)")
            continue
        verdict = owners.claim(doc.id_, origin, article.body_hash)
        if verdict == Owners.DUPLICATE:  # the same id twice from one source
            report.duplicates += 1
        elif verdict == Owners.SAME_TEXT:
            claimed.setdefault(doc.id_, set()).add(article.source_path)
            report.duplicates += 1
        elif verdict == Owners.REFUSED:
            report.skip(article.source_path, owners.refusal(doc.id_, article.url, origin))
            file_stats.pop(origin, None)  # read again (and named again) on every run
        else:
            unique.append((doc, article, origin))
    seen = owners.ids()

    to_prune: list[str] = []
    alias_prune: list[str] = []
    if prune:
        for article_id in known_ids:
            if article_id in seen:
                continue
            origin = (articles_meta.get(article_id) or {}).get("origin", "")
            if _origin_gone(origin) or (origin in read_ok and not is_url(origin)):
                to_prune.append(article_id)
        for alias_id, entry in aliases.items():
            origin = entry.get("origin", "")
            if alias_id not in seen and (_origin_gone(origin) or (origin in read_ok and not is_url(origin))):
                alias_prune.append(alias_id)
    pruned = set(to_prune)

    todo = []        # (Document, Article, origin)
    new_aliases = []  # (alias Article, origin, primary id)
    updating: set[str] = set()  # ids in todo that replace a stored version
    run_bodies: dict[str, str] = {}
    # articles first, known duplicates after, so a duplicate can fall back to being an
    # article of its own when the body it duplicated changed or went away
    ordered = sorted(unique, key=lambda item: item[0].id_ in aliases)
    for doc, article, origin in ordered:
        body = article.body_hash
        existing_hash = docstore.get_document_hash(doc.id_)
        if existing_hash is not None and doc.id_ not in pruned:
            if existing_hash == doc.hash:
                report.unchanged += 1
            else:
                report.updated += 1
                updating.add(doc.id_)
                todo.append((doc, article, origin))
            run_bodies.setdefault(body, doc.id_)
            continue
        primary = run_bodies.get(body) or manifest.primary_for_body(body)
        if primary and primary != doc.id_ and primary not in pruned and (
            primary in known_ids or primary in run_bodies.values()
        ):
            known = aliases.get(doc.id_)
            if known and known.get("primary") == primary and known.get("body_hash") == body:
                report.unchanged += 1
            else:
                report.duplicates += 1
            new_aliases.append((article, origin, primary))
            continue
        report.added += 1
        run_bodies[body] = doc.id_
        todo.append((doc, article, origin))

    # ---- write --------------------------------------------------------------------
    store = open_store(settings)
    store.collection  # open it now: a bad NEWSBOT_CHROMA_URL or model mismatch is fatal (exit 2)
    vector_store = None

    def writer():
        nonlocal vector_store
        if vector_store is None:
            from index.chroma_write import ReplacingChromaVectorStore

            vector_store = ReplacingChromaVectorStore(chroma_collection=store.collection)
        return vector_store

    # prune first (Chroma, then the docstore), so that a pruned body can be re-added
    if to_prune or alias_prune:
        for article_id in to_prune:
            writer().delete_article(article_id)
            manifest.drop_article(article_id)
            report.removed += 1
        for alias_id in alias_prune:
            manifest.delete(ALIASES, alias_id)
            report.removed += 1
        after_write(store, to_prune)
        for origin in list(manifest.all(FILES)):
            if _origin_gone(origin):
                manifest.delete(FILES, origin)
        save_docstore(docstore, settings)

    alias_primaries = {entry.get("primary") for entry in manifest.all(ALIASES).values()}
    remark: set[str] = set()  # articles whose chunks' also_at is to be (re)written
    for article, origin, primary in new_aliases:
        manifest.put(ALIASES, article.article_id, {
            "primary": primary, "origin": origin, "source_path": article.source_path,
            "url": article.url or "", "body_hash": article.body_hash,
        })

    if todo:
        from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline

        from index.embedding import get_embed_model

        pipeline = IngestionPipeline(
            transformations=[
                make_splitter(settings.chunk_tokens, settings.chunk_overlap),
                LongestFirst(),
                get_embed_model(settings.embed_backend, settings.embed_batch_size),
            ],
            docstore=docstore,
            vector_store=writer(),
            docstore_strategy=DocstoreStrategy.UPSERTS,
            disable_cache=True,
        )
        for start in range(0, len(todo), BATCH_ARTICLES):
            batch = todo[start : start + BATCH_ARTICLES]
            nodes, failed = embed_batch(pipeline, docstore, writer(), [d for d, _, _ in batch])
            writer().flush_pending()
            counts: dict[str, int] = {}
            for node in nodes:
                counts[node.ref_doc_id] = counts.get(node.ref_doc_id, 0) + 1
            refused = {doc.id_: why for doc, why in failed}
            for doc, article, origin in batch:
                if doc.id_ in refused:  # named, not stat-cached: tried again next run
                    if doc.id_ in updating:
                        report.updated -= 1
                    else:
                        report.added -= 1
                    report.skip(article.source_path, f"not stored: {refused[doc.id_]}")
                    file_stats.pop(origin, None)
                    continue
                old = manifest.get(ARTICLES, doc.id_) or {}
                if old.get("body_hash") and old["body_hash"] != article.body_hash:
                    if manifest.primary_for_body(old["body_hash"]) == doc.id_:
                        manifest.delete("newsbot/bodies", old["body_hash"])
                manifest.put(ARTICLES, doc.id_, {
                    "origin": origin, "source_path": article.source_path, "url": article.url or "",
                    "body_hash": article.body_hash, "chunks": counts.get(doc.id_, 0),
                    **({"also_at": old["also_at"]} if old.get("also_at") else {}),
                })
                if old.get("also_at") or doc.id_ in alias_primaries:
                    remark.add(doc.id_)  # its new chunks carry no also_at yet
                manifest.set_body(article.body_hash, doc.id_)
                if doc.id_ in aliases:
                    manifest.delete(ALIASES, doc.id_)
            report.chunks_embedded += len(nodes)
            after_write(store, [d.id_ for d, _, _ in batch])  # the batch is in Chroma; the docstore is saved next
            save_docstore(docstore, settings)
            if progress:
                progress(start + len(batch), len(todo), report.chunks_embedded)

    # the same url and text from another source: noted on the article, never stored again
    for article_id, where in claimed.items():
        entry = manifest.get(ARTICLES, article_id)
        if entry is not None and not where <= set(entry.get("also_at", [])):
            manifest.put(ARTICLES, article_id, {**entry, "also_at": sorted(where | set(entry.get("also_at", [])))})
            remark.add(article_id)

    # the stat cache: only for files whose every article is now stored (or aliased)
    for origin, stat in file_stats.items():
        ids = [a.article_id for _, a, o in documents if o == origin]
        manifest.put(FILES, origin, {"stat": stat, "ids": ids})
    remark |= {p for _, _, p in new_aliases}
    if remark:
        _record_alias_sources(store, manifest, remark)
        after_write(store, remark)
    if file_stats or new_aliases or remark:
        save_docstore(docstore, settings)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _alias_alive(alias: dict | None, known_ids: set[str], articles_meta: dict) -> bool:
    """A recorded duplicate whose stored original is still there (and its source too)."""
    if not alias or alias.get("primary") not in known_ids:
        return False
    return not _origin_gone((articles_meta.get(alias["primary"]) or {}).get("origin", ""))


def _record_alias_sources(store, manifest: Manifest, primaries: set[str]) -> None:
    """Write the duplicates' urls/paths, and the other sources of the same url and text,
    onto the stored chunks of their primary article (metadata `also_at`), without
    re-embedding anything."""
    aliases = manifest.all(ALIASES)
    for primary in primaries:
        where_else = sorted(
            {a.get("url") or a.get("source_path") for a in aliases.values() if a.get("primary") == primary}
            | set((manifest.get(ARTICLES, primary) or {}).get("also_at", []))
        )
        got = store.collection.get(where={"document_id": primary}, include=["metadatas"])
        if not got["ids"]:
            continue
        metas = []
        for meta in got["metadatas"]:
            meta = dict(meta or {})
            meta["also_at"] = " | ".join(where_else)
            metas.append(meta)
        store.collection.update(ids=got["ids"], metadatas=metas)

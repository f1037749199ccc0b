"""`newsbot check [--repair]`: do the docstore (with its manifest) and Chroma agree?

Problems found:
* orphan chunks: chunks in Chroma whose article the docstore does not know (a run killed
  after writing to Chroma and before saving the docstore, for an article that is gone);
* articles without chunks: in the docstore, nothing in Chroma;
* count mismatches: an article with a different number of chunks than the docstore
  recorded, or chunks of another version of its body;
* forgotten articles still indexed: a takedown (`newsbot forget`) whose chunks or docstore
  entry are back (a run killed halfway, or a store restored from an old backup).

`--repair` deletes orphan chunks and forgets the articles without (complete) chunks, so
the next `newsbot ingest`/`reindex` embeds them again. It runs under the writer lock.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from index.docstore import load_docstore, save_docstore
from index.plural import count
from index.manifest import ARTICLES, TOMBSTONES, Manifest
from index.settings import Settings
from index.store import SCAN_PAGE, open_store
from index.writer_lock import writer_lock


@dataclass
class CheckReport:
    articles: int = 0
    chunks: int = 0
    orphan_chunks: list[str] = field(default_factory=list)
    articles_without_chunks: list[str] = field(default_factory=list)
    count_mismatches: list[dict] = field(default_factory=list)
    forgotten: int = 0  # tombstones
    forgotten_still_indexed: list[str] = field(default_factory=list)
    repaired: bool = False

    @property
    def clean(self) -> bool:
        return not (self.orphan_chunks or self.articles_without_chunks or self.count_mismatches
                    or self.forgotten_still_indexed)

    def to_dict(self) -> dict:
        return {**asdict(self), "clean": self.clean}

    def summary(self) -> str:
        if self.clean:
            forgotten = f", {self.forgotten} forgotten" if self.forgotten else ""
            return f"ok: {count(self.articles, 'article')}, {count(self.chunks, 'chunk')}{forgotten}; docstore and Chroma agree"
        verb = "repaired" if self.repaired else "found"
        return (
            f"{verb}: {len(self.orphan_chunks)} orphan chunks, "
            f"{len(self.articles_without_chunks)} articles without chunks, "
            f"{len(self.count_mismatches)} count mismatches, "
            f"{len(self.forgotten_still_indexed)} forgotten articles still indexed "
            f"({self.articles} articles, {self.chunks} chunks)"
            + ("; run `newsbot reindex` to embed the dropped articles again" if self.repaired else
               "; run `newsbot check --repair`")
        )


def chunk_inventory(store) -> dict[str, dict]:
    """article_id -> {"ids": [...], "bodies": {body_hash, ...}} for every chunk in Chroma."""
    inventory: dict[str, dict] = {}
    for cid, meta, _ in store.iter_metadata():
        aid = str(meta.get("document_id") or meta.get("article_id") or "")
        entry = inventory.setdefault(aid, {"ids": [], "bodies": set()})
        entry["ids"].append(cid)
        entry["bodies"].add(meta.get("body_hash", ""))
    return inventory


def check_index(settings: Settings, repair: bool = False) -> CheckReport:
    if repair:
        with writer_lock(settings):
            return _check(settings, repair=True)
    return _check(settings, repair=False)


def _check(settings: Settings, repair: bool) -> CheckReport:
    store = open_store(settings)
    docstore = load_docstore(settings)
    manifest = Manifest(docstore)
    known = manifest.article_ids()
    meta = manifest.all(ARTICLES)
    inventory = chunk_inventory(store)
    report = CheckReport(articles=len(known), chunks=sum(len(e["ids"]) for e in inventory.values()))
    forgotten = manifest.all(TOMBSTONES)
    report.forgotten = len(forgotten)
    report.forgotten_still_indexed = sorted(aid for aid in forgotten if aid in inventory or aid in known)
    for aid, entry in inventory.items():
        if aid not in known:
            report.orphan_chunks.extend(entry["ids"])
    bad: list[str] = [aid for aid in report.forgotten_still_indexed if aid in known]
    for aid in sorted(known - set(forgotten)):
        entry = inventory.get(aid)
        if entry is None:
            report.articles_without_chunks.append(aid)
            bad.append(aid)
            continue
        expected = (meta.get(aid) or {}).get("chunks")
        body = (meta.get(aid) or {}).get("body_hash")
        if expected is None or len(entry["ids"]) != expected or (body and entry["bodies"] != {body}):
            report.count_mismatches.append(
                {"article_id": aid, "docstore": expected, "chroma": len(entry["ids"])}
            )
            bad.append(aid)
    if repair and not report.clean:
        orphans = {aid for aid in inventory if aid not in known}
        for start in range(0, len(report.orphan_chunks), SCAN_PAGE):  # by id: some lack document_id
            store.collection.delete(ids=report.orphan_chunks[start : start + SCAN_PAGE])
        store.delete_articles(bad)
        for aid in bad:
            manifest.drop_article(aid)
        # files whose articles were dropped must be read again by the next run
        manifest.forget_files_with(*bad)
        save_docstore(docstore, settings)
        store.bump_revision(changed=set(bad) | orphans)
        report.repaired = True
    return report

"""What one ingest run did: the counts `newsbot ingest --json` prints and the files skipped."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from index.plural import count
from ingest.progress import printable

TAKEN_DOWN = "forgotten ("  # how ingest/plan.py words the skip of a taken-down article
NOT_TAKEN = "not an article file"  # a folder's other files (images, READMEs): listed, not failures


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
    def failed(self) -> list[dict]:
        """The skipped inputs that are failures: a taken-down article (`newsbot forget`)
        skipped as asked is not one, nor is a folder's image or README, so a cron ingest
        of a folder after a takedown still exits 0."""
        return [s for s in self.skipped if not s["reason"].startswith((TAKEN_DOWN, NOT_TAKEN))]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.duplicates)

    def summary(self) -> str:
        taken_down = sum(1 for s in self.skipped if s["reason"].startswith(TAKEN_DOWN))
        not_taken = sum(1 for s in self.skipped if s["reason"].startswith(NOT_TAKEN))
        notes = [f"{n} {what}" for n, what in ((taken_down, "taken down"), (not_taken, "not articles")) if n]
        line = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {self.duplicates} duplicates, {len(self.skipped)} skipped"
            + (f" ({', '.join(notes)})" if notes else "")
            + f"; {count(self.chunks_embedded, 'chunk')} embedded in {self.seconds:.1f}s"
        )
        if self.chunks_embedded == 0 and not self.added and not self.updated:
            line += " (nothing new to embed)"
        return line

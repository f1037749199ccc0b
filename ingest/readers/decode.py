"""Bytes to text: UTF-8 first, then a detected fallback (old corpora are often Latin-1)."""

from __future__ import annotations

from pathlib import Path


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The file's bytes, refusing files over the size cap before reading them."""
    from ingest.readers import UnreadableInput

    try:
        if path.is_dir():
            raise UnreadableInput("is a folder, not a file")
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise UnreadableInput(
                f"file is {size:,} bytes, over the NEWSBOT_MAX_ARTICLE_BYTES cap of "
                f"{max_bytes:,}; raise the cap or split the file"
            )
        raw = path.read_bytes()
    except PermissionError as exc:
        raise UnreadableInput(f"cannot read: permission denied ({exc.strerror})") from exc
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise UnreadableInput("file is empty")
    return raw


def read_text(path: Path, max_bytes: int | None = None) -> str:
    return decode_bytes(read_bytes(path, max_bytes))


def decode_bytes(raw: bytes) -> str:
    from ingest.readers import UnreadableInput

    if not raw.strip():
        raise UnreadableInput("file is empty")
    if b"\x00" in raw[:8192]:
        raise UnreadableInput("binary file (contains NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Mostly-ASCII text with a few high bytes is Western European (a "£" or "é" in a BBC
    # story): detectors guess wildly on so little evidence (cp932 for one "£").
    high = sum(1 for b in raw if b > 127)
    if high / len(raw) < 0.05:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise UnreadableInput("not text in any encoding we can detect")
    return str(best)

"""Bytes to text: UTF-8 first, then a detected fallback (old corpora are often Latin-1)."""

from __future__ import annotations

from pathlib import Path


def read_text(path: Path, max_bytes: int | None = None) -> str:
    from ingest.readers import UnreadableInput

    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise UnreadableInput(
                f"file is {size:,} bytes, over NEWSBOT_MAX_ARTICLE_BYTES={max_bytes:,}"
            )
        raw = path.read_bytes()
    except PermissionError as exc:
        raise UnreadableInput(f"cannot read: permission denied ({exc.strerror})") from exc
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror or exc}") from exc
    return decode_bytes(raw)


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
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise UnreadableInput("not text in any encoding we can detect")
    return str(best)

"""JSON and JSON-lines exports: one article per record.

A record has `title`, `text` | `body` | `content`, `url`, `published` | `published_at` |
`date`, `source` and `authors` (all but the text optional); a `.json` file is one record,
a list of records, or an object with an `articles`/`items`/`data` list. The
realtimeqa `articles.jsonl` shape (`{url, title (may be empty), text, published (or null),
authors, source}`) ingests as is. A broken line (a truncated last line, say) is skipped
with its line number and the rest of the file still ingests.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.article import Article
from ingest.readers.build import build_article
from ingest.readers.decode import decode_bytes, read_bytes

TEXT_KEYS = ("text", "body", "content", "article", "full_text")
DATE_KEYS = ("published", "published_at", "date", "pubDate", "created", "updated")
URL_KEYS = ("url", "canonical_url", "link")


def _pick(record: dict, keys) -> object:
    for key in keys:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def record_to_article(record: object, path: Path, where: str, ctx) -> Article:
    from ingest.readers import UnreadableInput

    if not isinstance(record, dict):
        raise UnreadableInput(f"{where}: not a JSON object")
    text = _pick(record, TEXT_KEYS)
    if isinstance(text, list):
        text = "\n\n".join(str(t) for t in text)
    if not isinstance(text, str) or not text.strip():
        raise UnreadableInput(f"{where}: no text/body/content field")
    url = _pick(record, URL_KEYS)
    source = record.get("source")
    if isinstance(source, dict):
        source = source.get("name") or source.get("title")
    try:
        return build_article(
            text=text,
            title=record.get("title") or record.get("headline"),
            # records without a url are told apart by their position in the file
            source_path=str(path) if url else f"{path}#{where}",
            url=str(url) if url else None,
            published=_pick(record, DATE_KEYS),
            source=str(source) if source else None,
            authors=record.get("authors") or record.get("author"),
            category=record.get("category") or record.get("section") or ctx.category_for(path),
        )
    except UnreadableInput as exc:
        raise UnreadableInput(f"{where}: {exc}") from None


def _collect(records, path: Path, ctx, label) -> list[Article]:
    from ingest.readers import UnreadableInput

    articles = []
    for n, record in records:
        try:
            articles.append(record_to_article(record, path, label(n), ctx))
        except UnreadableInput as exc:
            ctx.skip(f"{path}:{n}", str(exc))
    return articles


def read_jsonl(path: Path, ctx) -> list[Article]:
    """Streamed line by line: NEWSBOT_MAX_ARTICLE_BYTES caps each record, not the file (an
    export of thousands of articles is bigger than any one article)."""
    from ingest.readers import UnreadableInput

    try:
        if path.is_dir():
            raise UnreadableInput("is a folder, not a file")
        handle = open(path, "rb")
    except PermissionError as exc:
        raise UnreadableInput(f"cannot read: permission denied ({exc.strerror})") from exc
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror or exc}") from exc
    records = []
    with handle:
        head = handle.read(8192)
        if not head.strip():
            raise UnreadableInput("file is empty")
        if b"\x00" in head:
            raise UnreadableInput("binary file (contains NUL bytes), not text")
        handle.seek(0)
        for n, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            if ctx.max_bytes is not None and len(raw) > ctx.max_bytes:
                ctx.skip(f"{path}:{n}", f"line {n}: record is {len(raw):,} bytes, over the "
                         f"NEWSBOT_MAX_ARTICLE_BYTES cap of {ctx.max_bytes:,}")
                continue
            try:
                line = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                line = decode_bytes(raw)
            try:
                records.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                ctx.skip(f"{path}:{n}", f"line {n}: broken JSON ({exc.msg} at column {exc.colno})")
    if not records and not ctx.skipped:
        raise UnreadableInput("no JSON records in the file")
    return _collect(records, path, ctx, lambda n: f"line {n}")


def read_json(path: Path, ctx) -> list[Article]:
    from ingest.readers import UnreadableInput

    text = decode_bytes(read_bytes(path, ctx.max_bytes))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # maybe JSON lines saved as .json
        if "\n" in text.strip() and text.lstrip().startswith("{"):
            return read_jsonl(path, ctx)
        raise UnreadableInput(f"broken JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(data, dict):
        for key in ("articles", "items", "data", "records"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if isinstance(data, dict):
        return [record_to_article(data, path, "record 1", ctx)]
    if not isinstance(data, list):
        raise UnreadableInput("JSON is neither a record nor a list of records")
    return _collect(list(enumerate(data, start=1)), path, ctx, lambda n: f"record {n}")

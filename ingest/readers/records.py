"""JSON and JSON-lines exports: one article per record.

A record has `title`, `text` | `body` | `content`, `url`, `published` | `published_at` |
`date`, `source` and `authors` (all but the text optional); a `.json` file is one record,
a list of records, or an object with an `articles`/`items`/`data` list. The
realtimeqa `articles.jsonl` shape (`{url, title (may be empty), text, published (or null),
authors, source}`) ingests as is. A broken line (a truncated last line, say), a line
over the size cap, JSON nested too deep or a record with a field of the wrong type is
skipped and named (`path:line`, `path#record N`), and the rest of the file still ingests.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.article import Article
from ingest.readers.build import build_article
from ingest.readers.decode import decode_bytes, read_bytes

# Integers longer than this are read as floats (infinite when huge): Python refuses to
# convert more than 4,300 digits to an int, which would fail the whole file.
MAX_INT_DIGITS = 100
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
    if text is None or isinstance(text, str) and not text.strip():
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
            url=url,
            published=_pick(record, DATE_KEYS),
            source=source,
            authors=record.get("authors") or record.get("author"),
            category=record.get("category") or record.get("section") or ctx.category_for(path),
        )
    except UnreadableInput as exc:
        raise UnreadableInput(f"{where}: {exc}") from None


def _collect(records, path: Path, ctx, label, name) -> list[Article]:
    from ingest.readers import UnreadableInput

    articles = []
    for n, record in records:
        try:
            articles.append(record_to_article(record, path, label(n), ctx))
        except UnreadableInput as exc:
            ctx.skip(name(n), str(exc))
    return articles


def _int(digits: str) -> int | float:
    return int(digits) if len(digits) <= MAX_INT_DIGITS else float(digits)


def parse_json(text: str) -> object:
    """`json.loads`; RecursionError (nesting past Python's limit) becomes a ValueError."""
    try:
        return json.loads(text, parse_int=_int)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _lines(handle, cap: int | None):
    """(line number, bytes or None when over `cap`, length): a line over the cap is
    skipped in pieces, never held in memory whole."""
    n = 0
    while True:
        n += 1
        raw = handle.readline(cap + 1) if cap is not None else handle.readline()
        if not raw:
            return
        if cap is None or len(raw) <= cap or raw.endswith(b"\n"):
            yield n, raw, len(raw)
            continue
        length = len(raw)
        while not raw.endswith(b"\n"):
            raw = handle.readline(1 << 16)
            if not raw:
                break
            length += len(raw)
        yield n, None, length


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
        for n, raw, length in _lines(handle, ctx.max_bytes):
            if raw is None:
                ctx.skip(f"{path}:{n}", f"line {n}: record is {length:,} bytes, over the "
                         f"NEWSBOT_MAX_ARTICLE_BYTES cap of {ctx.max_bytes:,}")
                continue
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                try:
                    line = decode_bytes(raw)
                except UnreadableInput as exc:
                    ctx.skip(f"{path}:{n}", f"line {n}: {exc}")
                    continue
            try:
                records.append((n, parse_json(line)))
            except json.JSONDecodeError as exc:
                ctx.skip(f"{path}:{n}", f"line {n}: broken JSON ({exc.msg} at column {exc.colno})")
            except ValueError as exc:
                ctx.skip(f"{path}:{n}", f"line {n}: {exc}")
    if not records and not ctx.skipped:
        raise UnreadableInput("no JSON records in the file")
    return _collect(records, path, ctx, lambda n: f"line {n}", lambda n: f"{path}:{n}")


def read_json(path: Path, ctx) -> list[Article]:
    from ingest.readers import UnreadableInput

    text = decode_bytes(read_bytes(path, ctx.max_bytes))
    try:
        data = parse_json(text)
    except json.JSONDecodeError as exc:
        # maybe JSON lines saved as .json
        if "\n" in text.strip() and text.lstrip().startswith("{"):
            return read_jsonl(path, ctx)
        raise UnreadableInput(f"broken JSON ({exc.msg} at line {exc.lineno})") from None
    except ValueError as exc:
        raise UnreadableInput(str(exc)) from None
    if isinstance(data, dict):
        for key in ("articles", "items", "data", "records"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if isinstance(data, dict):
        return [record_to_article(data, path, "record 1", ctx)]
    if not isinstance(data, list):
        raise UnreadableInput("JSON is neither a record nor a list of records")
    return _collect(list(enumerate(data, start=1)), path, ctx, lambda n: f"record {n}", lambda n: f"{path}#record {n}")

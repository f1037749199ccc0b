"""Mask secrets in text that leaves the process: log lines, error messages, `--json` output.

Settings hold URLs (`NEWSBOT_CHROMA_URL`, `SLACK_API_URL`, `NEWSBOT_LLM_BASE_URL`, feed
URLs in `NEWSBOT_SOURCES`) that may carry `user:password@` credentials, and questions are
user text that may carry a pasted token. Masking applies to any text, so a URL quoted
inside a library's exception is caught as well as one we format ourselves: the userinfo
part of every `scheme://userinfo@host` becomes `***`, and Slack tokens (`xoxb-…`,
`xapp-…`) and `sk-…` API keys become `xoxb-***` / `sk-***`.
"""

from __future__ import annotations

import logging
import re

MASK = "***"
# scheme://userinfo@ — userinfo is everything up to the last '@' before the host part
# ends ('/', '?', '#', whitespace, quotes or brackets).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,30}://)([^\s/?#@'\"<>\[\]]*(?:@[^\s/?#@'\"<>\[\]]*)*)@")
_TOKENS = re.compile(r"\b(xox[abposer]|xapp|sk)-[A-Za-z0-9][A-Za-z0-9_-]{5,}")


def redact(text: str) -> str:
    """`text` with URL credentials and known token shapes masked."""
    if not text:
        return text
    text = _USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    return _TOKENS.sub(lambda m: f"{m.group(1)}-{MASK}", text)


def redact_url(url: str | None) -> str | None:
    """A URL or path fit to print: `https://user:pass@host/x` → `https://***@host/x`
    (only credentials: a file named `sk-learn-notes.md` stays as it is)."""
    return url and _USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", url)


class RedactingFilter(logging.Filter):
    """Masks each record's message, arguments and traceback before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is still logged, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_filter(logger: logging.Logger | None = None) -> None:
    """Add `RedactingFilter` to every handler of `logger` (the root by default), once."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())

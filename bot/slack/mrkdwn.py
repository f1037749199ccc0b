"""Escaping for Slack mrkdwn.

Article text, titles and questions are untrusted: Slack turns `<!channel>`, `<@U123>` and
`<https://x|label>` into pings and links. Escaping `&`, `<` and `>` (Slack's own rule) makes
them plain text; we add our own links only after escaping.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_MARKER = re.compile(r"\[(\d{1,3})\]")


def escape(text: str) -> str:
    """Slack's three control characters as entities; `&` first so nothing is doubled."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn_text(text: str) -> dict:
    """A Block Kit mrkdwn text object that Slack shows as written: `verbatim` stops it
    auto-linking bare URLs and turning `@here` or `#channel` typed as text into mentions
    and channel links; the bot's own `<url|label>` links still work."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit to sit inside `<url|label>`, or None (no link for other schemes)."""
    if not url:
        return None
    url = url.strip()
    if not re.match(r"https?://[^\s]+$", url, re.IGNORECASE):
        return None
    # `|` ends the URL part and `<`/`>` end the link: percent-encode them, escape `&`.
    url = quote(url, safe=":/?#[]@!$&'()*+,;=%~.-_")
    return url.replace("&", "&amp;")


def link(url: str | None, label: str) -> str:
    """`<url|label>` with the label escaped, or just the escaped label when there is no URL."""
    target = safe_url(url)
    label = escape(label)
    return f"<{target}|{label}>" if target else label


def link_markers(escaped_text: str, urls: dict[int, str | None]) -> str:
    """Turn `[n]` in already-escaped text into links to source n's URL, where it has one."""

    def repl(m: re.Match) -> str:
        target = safe_url(urls.get(int(m.group(1))))
        return f"<{target}|[{m.group(1)}]>" if target else m.group(0)

    return _MARKER.sub(repl, escaped_text)


def strip_mentions(text: str) -> str:
    """The question without `<@U…>` mentions (how Slack delivers "@newsbot …")."""
    return " ".join(re.sub(r"<@[A-Z0-9]+(\|[^>]*)?>", " ", text or "").split())


def unescape(text: str) -> str:
    """Slack sends `&amp; &lt; &gt;` in message text; the engine wants the characters."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

"""Page clutter removal, applied to every format after its reader.

Scraped news pages carry photo captions, related-story headlines, comment widgets, share
and newsletter prompts and video-player text between the paragraphs. They are found by
general rules, not by listing the strings of one page:

* widget text: short paragraphs that match the vocabulary of page furniture
  ("Comments(0)", "Share this article", "Sign up for our newsletter", ...);
* stray lines: a short paragraph with no sentence punctuation standing between
  paragraphs of prose (a caption or a related headline; real prose ends in . ! ? or a quote).

Bylines ("By Jane Doe, CNN") and datelines ("New York CNN Business —") are lifted out
into metadata instead of being indexed as text.

Every pattern runs in time linear in its input (tests/security/test_ingest_regex.py tries
them all on 10 KB adversarial strings): a paragraph is untrusted text, and a regex that
backtracks exponentially would hang ingest under the writer lock. So no `.*` is followed
by something it could also have matched, words are taken possessively (`*+`), and a
pattern meant for short paragraphs checks the length first, in the pattern itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_WIDGET_CHARS = 120
_WIDGET = re.compile(
    r"""^(?=.{0,120}$)(  # MAX_WIDGET_CHARS
        comments?\s*(\(\d+\)|\d+)? | top\s+comments | comment\s+form | leave\s+a\s+(comment|reply)
      | (show|view|load|hide)\s+(\d+\s+)?(more\s+)?comments | add\s+a\s+comment | join\s+the\s+(conversation|discussion)
      | share(\s+(this|the)\s+(article|story|page))?(\s+on\s+\w+)? | share\s+via\s+.* | (tweet|email|print|copy\s+link)
      | (sign\s+up|subscribe)\b.* | .*\bnewsletter\b.* | follow\s+us\b.*
      | advertisement | ad(vertisement)?\s+feedback | sponsored(\s+content)? | story\s+continues\s+below.*
      | (read|see)\s+(more|also)\b.* | related(\s+(articles?|stories|coverage|content))?\s*:?.* | more\s+from\b.*
      | video\s+player\s+was\s+slow\s+to\s+load\s+content.* | video\s+content\s+never\s+loaded.*
      | (watch|play)(\s+the)?\s+video.* | now\s+playing.* | source:\s*\w+.* | photo:.* | image\s+(credit|source):.*
      | (getty|ap|reuters|afp)\s+images?.* | click\s+here\b.* | skip\s+to\s+(main\s+)?content
      | all\s+rights\s+reserved.* | ©.* | copyright\s+\d{4}.* | cookie(s)?\s+(policy|settings).*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Longer prompts and player/gallery furniture, found anywhere in a paragraph of up to
# MAX_PROMPT_CHARS: newsletter sign-ups, video-player feedback forms, gallery captions.
MAX_PROMPT_CHARS = 400
_PROMPT = re.compile(
    r"""\A(?=.{0,400}\Z).*?(
        \bsign\s+up\b.{0,80}\b(newsletter|inbox|here|for\s+free)\b | \bnewsletter\b.{0,80}\bsign\s+up\b
      | \bsubscribe\s+(to|for)\b.{0,60}\b(newsletter|updates|alerts)\b | \bnot\s+a\s+subscriber\?
      | \bvideo\s+player\s+was\s+slow\s+to\s+load | \bvideo\s+content\s+never\s+loaded
      | \bad\s+froze\s+or\s+did\s+not\s+finish\s+loading | ^video\s+ad\s+feedback\b
      | \bjust\s+watched\b.{0,400}?\breplay\b | \bmust\s+watch\b | \bhide\s+caption\s+\d+\s+of\s+\d+
      | ^follow\b.{0,80}\bon\s+(twitter|facebook|instagram|x|threads|bluesky)\b
      | ^(share|email|tweet)\s+(this|on)\b.{0,40}$ | \bclick\s+here\s+to\s+(subscribe|sign\s+up|get)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# The video player's feedback form, when it is glued to a paragraph of real text.
_INLINE_PLAYER = re.compile(
    r"video\s+player\s+was\s+slow\s+to\s+load\s+content.*?(other\s+issues|$)\s*", re.IGNORECASE
)
# "(CNN) —" / "New York (CNN Business)" at the start of the first paragraph.
_INLINE_DATELINE = re.compile(
    r"^((?:[A-Z][\w.'-]*+\s*+){0,4}+\((?:CNN|AP|Reuters|AFP|CNN Business|CNN Sport)[^)]{0,20}\))\s*(?:[—–-]+\s*)?"
)
_SENTENCE_END = re.compile(r"""[.!?:;…]["'”’)\]]*$""")
# "By Jane Doe and John Roe, CNN" in a paragraph of up to 120 characters: up to 4 words
# per name, "and" never a name's word.
_NAME = r"(?!and\b)[A-Z][\w.'-]++(?:\s++(?!and\b)[A-Z][\w.'-]++){0,3}+"
_BYLINE = re.compile(
    rf"^(?=.{{0,120}}$)by\s++({_NAME}(?:(?:,\s*+|\s++and\s++){_NAME})*)(?:,\s*+[\w .]+)?$", re.IGNORECASE
)
_NAME_SEPARATOR = re.compile(r",|\band\b", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*+(?:\n\s*+)++")
_DATELINE = re.compile(r"^([A-Z][\w .,'-]{1,60}?)\s*(\(\w[\w .]*\))?\s*[—–-]+\s*$")
_CREATED = re.compile(r"^(created|published|updated)\s*:\s*\S.*$", re.IGNORECASE)

MAX_STRAY_WORDS = 14
MAX_STRAY_CHARS = 110


@dataclass
class Cleaned:
    paragraphs: list[str]
    removed: list[str] = field(default_factory=list)
    byline: list[str] = field(default_factory=list)
    dateline: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def split_paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, inner whitespace folded."""
    parts = _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").replace("\r", "\n"))
    return [" ".join(p.split()) for p in parts if p.strip()]


def is_widget(paragraph: str) -> bool:
    """Page furniture: a widget line, a sign-up prompt, player or gallery text."""
    paragraph = paragraph.strip()
    if len(paragraph) <= MAX_WIDGET_CHARS and _WIDGET.match(paragraph):
        return True
    return len(paragraph) <= MAX_PROMPT_CHARS and bool(_PROMPT.search(paragraph))


def is_stray_line(paragraph: str) -> bool:
    """A caption or related headline: short, no sentence punctuation at its end."""
    words = paragraph.split()
    return (
        len(words) <= MAX_STRAY_WORDS
        and len(paragraph) <= MAX_STRAY_CHARS
        and not _SENTENCE_END.search(paragraph)
    )


def _is_publisher(name: str) -> bool:
    """"CNN", "AP", "BBC News" in a byline are the publisher, not an author."""
    return name.isupper() or name.split()[0].isupper() and len(name) <= 12


def clean_text(text: str) -> Cleaned:
    """Drop clutter paragraphs; lift byline and dateline into metadata."""
    out = Cleaned(paragraphs=[])
    paragraphs = split_paragraphs(text)
    for i, para in enumerate(paragraphs):
        if len(para) > MAX_PROMPT_CHARS and _INLINE_PLAYER.search(para):
            para = _INLINE_PLAYER.sub("", para).strip()
            if not para:
                continue
        if not out.paragraphs and out.dateline is None:
            inline = _INLINE_DATELINE.match(para)
            if inline and len(para) > len(inline.group(0)):
                out.dateline = inline.group(1).strip()
                para = para[inline.end():]
        if _CREATED.match(para) and len(para) < 80:
            out.removed.append(para)
            continue
        byline = _BYLINE.match(para)
        if byline:
            names = _NAME_SEPARATOR.split(byline.group(1))
            out.byline.extend(n.strip() for n in names if n.strip() and not _is_publisher(n.strip()))
            continue
        if not out.paragraphs and _DATELINE.match(para) and len(para) <= 80:
            out.dateline = para.rstrip(" —–-")
            continue
        if is_widget(para) or is_stray_line(para):
            out.removed.append(para)
            continue
        out.paragraphs.append(para)
    return out

"""Posting a watch's story with a record before and after, and what a restart does with a
post that was begun and never recorded as done.

Guarantee: a story is posted at most once per watch, and a post interrupted by a crash
(`kill -9`, power cut) between its two records is retried at most once, and only when
Slack shows it never arrived:
1. the post record is written as "posting" (with the message) *before* chat.postMessage;
   the message carries Slack message metadata naming the record;
2. after Slack accepts it, the record becomes "posted" (with the message ts).
On start, a "posting" record without "posted" is looked up in the channel's recent history
(conversations.history with metadata): found → recorded "posted", nothing is sent again;
not found → recorded "retrying", then posted once more; history unreadable (no
`channels:history`/`groups:history`, not in the channel) → "dropped" rather than risk a
repeat. A "retrying" record found on start (a crash during the retry) is dropped. So a
crash can lose a story, never post it twice. A post Slack refuses is "dropped" too.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError

from index.watches import Post, WatchStore, now_iso

log = logging.getLogger(__name__)
EVENT_TYPE = "newsbot_watch_post"
HISTORY_SLACK_SECONDS = 120  # look this far before the record's time (clocks differ)


def metadata_key(post: Post) -> str:
    return f"{post.watch}:{post.key}"


class Poster:
    def __init__(self, watches: WatchStore, client):
        self.watches = watches
        self.client = client

    def post(self, post: Post) -> bool:
        """Record, post, record (see the module doc). True when Slack took the message."""
        post.state, post.at = "posting", now_iso()
        self.watches.put_post(post)
        return self._send(post)

    def _send(self, post: Post) -> bool:
        try:
            resp = self.client.chat_postMessage(
                channel=post.channel, text=post.text, blocks=post.blocks, unfurl_links=False, unfurl_media=False,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": metadata_key(post)}},
            )
        except SlackApiError as exc:
            log.warning("watch %s: chat.postMessage to %s failed (%s); the story is dropped",
                        post.watch, post.channel, exc.response.get("error"))
            post.state = "dropped"
            self.watches.put_post(post)
            return False
        post.state, post.ts = "posted", resp.get("ts")
        self.watches.put_post(post)
        return True

    def arrived(self, post: Post) -> str | None:
        """The ts of the message this record began, "" when the channel's history shows
        none, None when the history cannot be read."""
        try:
            oldest = datetime.fromisoformat(post.at).timestamp() - HISTORY_SLACK_SECONDS
            cursor = None
            while True:
                resp = self.client.conversations_history(channel=post.channel, oldest=f"{oldest:.6f}", limit=200,
                                                         include_all_metadata=True, cursor=cursor)
                for message in resp.get("messages") or []:
                    meta = message.get("metadata") or {}
                    if meta.get("event_type") == EVENT_TYPE and \
                            (meta.get("event_payload") or {}).get("key") == metadata_key(post):
                        return message.get("ts") or ""
                cursor = (resp.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return ""
        except (SlackApiError, ValueError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
            log.warning("watch %s: cannot read the history of %s (%s)", post.watch, post.channel, error)
            return None

    def recover(self) -> list[Post]:
        """Settle every begun post (see the module doc); the records as they end."""
        settled = []
        for post in self.watches.unfinished():
            found = None if post.state == "retrying" else self.arrived(post)
            if found:
                post.state, post.ts = "posted", found
                log.info("watch %s: the interrupted post of %s had arrived; not sent again", post.watch, post.key)
                self.watches.put_post(post)
            elif found == "":
                log.info("watch %s: the interrupted post of %s never arrived; posting it once more",
                         post.watch, post.key)
                post.state = "retrying"
                self.watches.put_post(post)
                self._send(post)
            else:
                log.warning("watch %s: an interrupted post of %s is dropped (at most once)", post.watch, post.key)
                post.state = "dropped"
                self.watches.put_post(post)
            settled.append(post)
        return settled

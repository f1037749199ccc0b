"""The watch pass: after any write to the store, score the new articles against every
watch and post each new story once.

Ingest processes record nothing Slack-specific: `newsbot serve` (which holds the Slack
client) looks at the store revision every NEWSBOT_WATCHLIST_CHECK_SECONDS, and for each
watch behind it scores the articles the write log names since the watch's mark, so CLI
ingests, the watcher and `/reindex` all go through this one path. A watch's mark moves
only after its pass, so a crash mid-pass scores those articles again on start; the post
records keep any story from being posted twice (bot/watch/post.py). Where several `serve`
processes share a store, only the one that leads (bot/watch/leader.py) makes passes, and it
checks that it still leads before each post.
"""

from __future__ import annotations

import logging
import threading

from bot.periodic import run_every
from bot.scope import channel_scope
from bot.watch.leader import Leadership
from bot.watch.message import line_blocks, line_text, story_line
from bot.watch.post import Poster
from bot.watch.score import already_posted, matching_articles, new_articles, stories_of
from index.watches import Post, Watch, WatchStore

log = logging.getLogger(__name__)


class _LostLead(Exception):
    """Another process leads now: this pass stops before its next post."""


class WatchRunner:
    def __init__(self, settings, store, client, llm=None):
        self.settings, self.store, self.llm = settings, store, llm
        self.watches = WatchStore(store)
        self.poster = Poster(self.watches, client)
        self.leadership = Leadership(self.watches, settings.watchlist_lease_seconds)
        self._lock = threading.Lock()  # one pass at a time
        self.recovered = False

    def tick(self) -> list[Post]:
        """One pass over the watches behind the store's revision (when this process leads);
        the posts it made."""
        with self._lock:
            watches = self.watches.list()
            if not watches:  # nothing to watch: no claim, no write to the store
                return []
            if not self.leadership.hold():
                self.recovered = False  # a lead taken later settles what the last leader left
                return []
            if not self.recovered:  # before any new post: what a crash left half done
                self.poster.recover()
                self.recovered = True
            revision = self.store.revision()
            made: list[Post] = []
            for watch in watches:
                if watch.mark >= revision:
                    continue
                try:
                    made += self.score(watch, revision)
                except _LostLead:
                    log.info("watch passes: another process leads now; this pass stops")
                    self.recovered = False
                    return made
                if self.watches.get(watch.id) is not None:  # not removed meanwhile
                    watch.mark = revision
                    self.watches.save(watch)
            return made

    def release(self) -> None:
        self.leadership.release()

    def score(self, watch: Watch, revision: int) -> list[Post]:
        """Post the new stories of the articles written since `watch.mark`."""
        store = self.store
        candidates = store.read(lambda: new_articles(store, watch.mark, revision))
        allowed = store.read(lambda: channel_scope(self.settings, watch.channel).allowed(store))
        if allowed is not None:  # a watch in a scoped channel never posts outside its scope
            candidates &= allowed
        matched = store.read(lambda: matching_articles(store, watch.query, candidates,
                                                       self.settings.watchlist_threshold))
        stories = store.read(lambda: stories_of(store, matched))
        earlier = self.watches.posts(watch.id)
        made = []
        for new in stories:
            if already_posted(new, earlier):
                continue
            line = store.read(lambda: story_line(store, new.story, self.llm))
            if line is None:
                continue
            text, blocks = line_blocks(watch.query, watch.id, line)
            post = Post(watch=watch.id, key=new.key, channel=watch.channel, state="posting",
                        articles=new.article_ids, body=[float(x) for x in new.body],
                        head=[float(x) for x in new.head], text=text, blocks=blocks)
            if not self.leadership.hold():
                raise _LostLead
            log.info("watch %s: posting %s", watch.id, line_text(watch.query, watch.id, line))
            self.poster.post(post)
            earlier.append(post)
            made.append(post)
        return made


def start_watches(settings, bot, client, stop: threading.Event) -> WatchRunner:
    """The watch thread of `newsbot serve`: interrupted posts settled first, then a pass
    every NEWSBOT_WATCHLIST_CHECK_SECONDS."""
    engine = bot.engine
    runner = WatchRunner(settings, engine.store, client, llm=None if engine.backend == "none" else engine.llm)
    run_every(settings.watchlist_check_seconds, runner.tick, stop, "newsbot-watches")
    return runner

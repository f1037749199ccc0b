"""Watchlists: `/watch QUERY` in a channel (or `newsbot watches add`) posts each new story
that matches the query, once, to that channel.

Parts: the watches and post records live in the store (index/watches.py); which articles
are new and which stories they make (bot/watch/score.py); the one-line message
(bot/watch/message.py); recording and posting with the restart guarantee
(bot/watch/post.py); the pass `newsbot serve` runs after every store write
(bot/watch/run.py). See docs/watchlists.md.
"""

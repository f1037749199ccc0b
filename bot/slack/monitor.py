"""What `newsbot serve` watches about itself: the gauges `/metrics` reads when scraped,
and the staleness alarm, checked once a minute in a thread of its own.

The alarm runs only where the bot is expected to stay current (NEWSBOT_WATCH, or feed
URLs among NEWSBOT_SOURCES): a fixed folder of old articles is not stale news.
"""

from __future__ import annotations

import threading

from slack_sdk import WebClient

from bot import metrics
from bot.periodic import run_every
from bot.slack.runtime import SlackBot
from bot.staleness import StaleAlarm
from index.settings import Settings

CHECK_EVERY = 60.0  # seconds


def expects_fresh_news(settings: Settings) -> bool:
    return settings.stale_after > 0 and (
        settings.watch or any(s.startswith(("http://", "https://")) for s in settings.sources)
    )


def start_monitor(settings: Settings, bot: SlackBot, client: WebClient, stop: threading.Event) -> StaleAlarm:
    from index.stats import newest_published

    alarm = StaleAlarm(settings.stale_after, lambda: newest_published(bot.engine.store),
                       lambda text: bot.tell_admins(client, text))
    metrics.watch_gauges(
        queue=bot.pool.counts,
        articles=bot.article_count,
        chunks=bot.engine.store.count,
        newest_age=alarm.age,
        stale=lambda: alarm.stale,
    )
    if expects_fresh_news(settings):
        run_every(CHECK_EVERY, alarm.check, stop, "newsbot-staleness")
    return alarm

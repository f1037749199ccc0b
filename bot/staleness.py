"""The staleness alarm: when sources are configured and the newest article is older than
`NEWSBOT_STALE_AFTER`, the feeds have probably stopped and answers miss today's news.

One warning per stale period, not per check: the alarm logs, sets the metric, and DMs
each admin when the index *becomes* stale, and re-arms only once a fresh article arrives.
The clock is injected so the rule can be tested without waiting a day.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable

log = logging.getLogger(__name__)


@dataclass
class StaleAlarm:
    stale_after: float  # seconds
    newest_published: Callable[[], float | None]  # epoch seconds of the newest article, None: empty
    notify: Callable[[str], None]  # says one line to every admin
    clock: Callable[[], float] = time.time
    stale: bool = field(default=False, init=False)

    def age(self) -> float | None:
        newest = self.newest_published()
        return None if newest is None else max(0.0, self.clock() - newest)

    def check(self) -> float | None:
        """Look once; returns the age of the newest article in seconds (None: no articles)."""
        age = self.age()
        if age is None or age <= self.stale_after:
            self.stale = False
            return age
        if not self.stale:
            self.stale = True
            message = (
                f"newsbot: the newest indexed article is {age / 3600:.0f} h old "
                f"(NEWSBOT_STALE_AFTER is {self.stale_after / 3600:.0f} h): are the sources still updating?"
            )
            log.warning(message)
            try:
                self.notify(message)
            except Exception as exc:  # noqa: BLE001 - the alarm must not stop the bot
                log.warning("could not tell the admins that the index is stale: %s", exc)
        return age

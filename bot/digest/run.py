"""A digest from settings: the store, the LLM of the backend (none: extractive) and the scope."""

from __future__ import annotations

from datetime import date

from bot.digest import Digest, build_digest
from bot.scope import Scope


def run_digest(settings, backend: str | None = None, as_of: date | None = None, since: date | None = None,
               until: date | None = None, topic: str | None = None, stories: int = 10,
               sources: list[str] | None = None, scope: Scope | None = None, store=None, llm=None,
               newest_when_no_window: bool = False) -> Digest:
    """`scope` is the channel's (open by default); `sources` narrow it further."""
    from index.store import open_store

    store = store or open_store(settings)
    backend = backend or settings.llm
    if llm is None and backend != "none":
        from bot.llm import get_llm

        llm = get_llm(settings, backend)
    scope = (scope or Scope()).narrowed(sources or [])
    allowed = store.read(lambda: scope.allowed(store))
    return build_digest(store, settings, llm, as_of=as_of, since=since, until=until, topic=topic,
                        stories=stories, allowed=allowed, sources=list(scope.sources + scope.requested),
                        newest_when_no_window=newest_when_no_window)

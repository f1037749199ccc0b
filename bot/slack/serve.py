"""`newsbot serve`: check the configuration, build the Bolt app, run Socket Mode or HTTP.

Every Web API client (the app's, and the one Socket Mode uses for `apps.connections.open`)
gets `SLACK_API_URL` as its base URL, so GovSlack, a proxy or a test's fake Slack work.
Configuration problems raise `ServeError` with one line for the user, never a traceback.
HTTP mode listens on loopback unless `--host` says otherwise (a reverse proxy terminates
TLS in front of it); `NEWSBOT_HEALTH_PORT` adds a `/healthz` port in either mode.
"""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
import time

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from index.redact import redact, redact_url
from index.settings import Settings

log = logging.getLogger(__name__)

BOT_TOKEN = re.compile(r"^xoxb-[A-Za-z0-9-]+$")
APP_TOKEN = re.compile(r"^xapp-[A-Za-z0-9-]+$")
# Bolt accepts a signed request whose timestamp is within 5 minutes of now, either way: a
# signature seen once stays remembered for the whole 10 minutes it could be replayed in.
REPLAY_WINDOW = 600.0
EVENTS_PATH = "/slack/events"


class ServeError(Exception):
    """A configuration or connection problem, said in one line."""


def _secret(value) -> str | None:
    return value.get_secret_value().strip() if value is not None and value.get_secret_value().strip() else None


def check_settings(settings: Settings, http: bool) -> tuple[str, str | None, str | None]:
    """(bot token, app token, signing secret) after checking they are there and look right."""
    bot_token = _secret(settings.slack_bot_token)
    app_token = _secret(settings.slack_app_token)
    signing_secret = _secret(settings.slack_signing_secret)
    if not bot_token:
        raise ServeError("SLACK_BOT_TOKEN is not set: give the app's Bot User OAuth Token (xoxb-…); see docs/slack.md")
    if not BOT_TOKEN.match(bot_token):
        raise ServeError("SLACK_BOT_TOKEN does not look like a bot token: it should start with xoxb-")
    if http:
        if not signing_secret:
            raise ServeError("HTTP mode needs SLACK_SIGNING_SECRET (Basic Information → App Credentials)")
        return bot_token, None, signing_secret
    if not app_token:
        raise ServeError(
            "SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…), "
            "or run `newsbot serve --http --port N` with SLACK_SIGNING_SECRET"
        )
    if not APP_TOKEN.match(app_token):
        raise ServeError("SLACK_APP_TOKEN does not look like an app-level token: it should start with xapp-")
    return bot_token, app_token, signing_secret


def _api_url(settings: Settings) -> str:
    url = settings.slack_api_url.strip()
    return url if url.endswith("/") else url + "/"


def connect_client(settings: Settings, bot_token: str, app_token: str | None = None) -> tuple[WebClient, dict]:
    """The Web API client and its `auth.test` answer (which proves the token works); with an
    app token, also check that Socket Mode can open a connection (before the slow warm-up)."""
    client = WebClient(token=bot_token, base_url=_api_url(settings), timeout=30)
    sdk_log = logging.getLogger("slack_sdk.web.base_client")
    level = sdk_log.level
    sdk_log.setLevel(logging.CRITICAL)  # the failure is said once, below
    which = "SLACK_BOT_TOKEN"
    try:
        auth = client.auth_test()
        if app_token:
            which = "SLACK_APP_TOKEN"
            client.apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        raise ServeError(f"Slack rejected {which}: {exc.response.get('error')}") from None
    except Exception as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ServeError(f"cannot reach Slack at {redact_url(_api_url(settings))}: {redact(str(reason))}") from None
    finally:
        sdk_log.setLevel(level)
    return client, auth.data


def build_app(client: WebClient, signing_secret: str | None, bot) -> App:
    """The Bolt app with the retry guard and all listeners registered."""
    from bot.slack.listeners import register
    from bot.slack.pool import SeenSet

    bolt_log = logging.getLogger("newsbot.slack.bolt")
    level = bolt_log.level
    bolt_log.setLevel(logging.ERROR)  # Bolt warns that SLACK_BOT_TOKEN (env) yields to `client`
    try:
        app = App(
            client=client,
            signing_secret=signing_secret or "",
            request_verification_enabled=signing_secret is not None,
            token_verification_enabled=False,  # connect_client did auth.test
            logger=bolt_log,
        )
    finally:
        bolt_log.setLevel(level)

    @app.middleware
    def skip_redeliveries(body: dict, request, next):
        """Slack redelivers an event it thinks we missed (`X-Slack-Retry-Num`, or Socket
        Mode's `retry_attempt`); the first delivery was acked and is being answered."""
        event_id = body.get("event_id")
        if event_id and not bot.seen_events.add(event_id):
            retry = (request.headers.get("x-slack-retry-num") or [None])[0]
            log.info("ignoring redelivered event %s (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="")
        return next()

    replays = SeenSet(ttl=REPLAY_WINDOW, max_size=100_000)  # signatures seen within the replay window

    @app.middleware
    def skip_replays(request, next):
        """A signed request is answered once: slash commands carry no event_id, so a copied
        `/ask` would otherwise be answered again for as long as its signature is valid."""
        signature = (request.headers.get("x-slack-signature") or [None])[0]
        if signature and not replays.add(signature):
            log.warning("ignoring a replayed request (its signature was seen in the last %.0f minutes)",
                        REPLAY_WINDOW / 60)
            return BoltResponse(status=200, body="")
        return next()

    register(app, bot)
    return app


def serve(settings: Settings, http: bool = False, port: int = 3000, host: str = "127.0.0.1") -> None:
    """Run until SIGINT/SIGTERM. Raises `ServeError` for configuration problems."""
    from bot import metrics
    from bot.answer import AnswerEngine
    from bot.slack.http_face import health_app, slack_app
    from bot.slack.monitor import start_monitor
    from bot.slack.runtime import SlackBot
    from index.emptiness import empty_index_message

    bot_token, app_token, signing_secret = check_settings(settings, http)
    _quiet_sdk_loggers()
    client, auth = connect_client(settings, bot_token, app_token)
    if not settings.watch and (empty := empty_index_message(settings, "; or set NEWSBOT_WATCH=1 to let the bot fill it")):
        raise ServeError(empty)  # one line, not a traceback at the first question
    engine = AnswerEngine(settings)
    bot = SlackBot(settings, engine, bot_user_id=auth.get("user_id", ""))
    started = time.perf_counter()
    bot.warm_up()
    log.info("warmed up in %.1f s", time.perf_counter() - started)
    engine.store.chunks.follow(settings.keyword_catchup_seconds)  # catch-ups off the question path
    app = build_app(client, signing_secret if http else None, bot)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if settings.watch:
        # The re-index watcher runs in this process, so the embedded store keeps one writer.
        from ingest.watch import start_watcher

        start_watcher(settings, stop, on_report=metrics.observe_ingest)
    start_monitor(settings, bot, client, stop)
    from bot.digest.schedule import start_schedule

    start_schedule(settings, bot, client, stop)  # NEWSBOT_DIGESTS
    from bot.watch.run import start_watches

    watches = start_watches(settings, bot, client, stop)  # /watch: new stories posted once
    who = f"@{auth.get('user', 'newsbot')} in {auth.get('team', 'the workspace')}"
    faces = []
    handler = None
    try:
        if http:
            faces.append(_listen(slack_app(app, EVENTS_PATH, lambda: True, bot.ready), settings, host, port))
            serving = f"over HTTP on {faces[0].host}:{faces[0].port}{EVENTS_PATH}"
        else:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            handler = SocketModeHandler(app, app_token=app_token, logger=logging.getLogger("newsbot.slack.socket"))
            try:
                handler.connect()
            except SlackApiError as exc:
                raise ServeError(f"Slack rejected SLACK_APP_TOKEN: {exc.response.get('error')}") from None
            except Exception as exc:
                raise ServeError(f"cannot open a Socket Mode connection: {exc}") from None
            serving = "over Socket Mode"
        if settings.health_port:
            connected = handler.client.is_connected if handler else (lambda: True)
            health = _listen(health_app(connected, lambda: connected() and bot.ready()),
                             settings, settings.health_host, settings.health_port)
            faces.append(health)
            serving += f" (/healthz on {health.host}:{health.port})"
        _announce(f"newsbot: serving {who} {serving}")
        stop.wait()
        if handler:
            handler.close()
    finally:
        for face in faces:
            face.close()
        watches.release()  # another replica's next check takes the watch passes over
    bot.shutdown()


def _listen(wsgi, settings: Settings, host: str, port: int):
    """A started `HttpFace` serving `wsgi` on host:port, or `ServeError`."""
    from bot.slack.http_face import HttpFace

    try:
        face = HttpFace(wsgi, host, port, read_timeout=settings.http_read_timeout,
                        max_connections=settings.http_max_connections)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return face.start()


def _announce(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _quiet_sdk_loggers() -> None:
    """slack_sdk logs request headers at DEBUG; keep it at INFO or above even with -v,
    so an Authorization header can never reach a log."""
    for name in ("slack_sdk", "slack_bolt", "newsbot.slack.bolt", "newsbot.slack.socket"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)

"""`newsbot serve`: check the configuration, build the Bolt app, run Socket Mode or HTTP.

Every Web API client (the app's, and the one Socket Mode uses for `apps.connections.open`)
gets `SLACK_API_URL` as its base URL, so GovSlack, a proxy or a test's fake Slack work.
Configuration problems raise `ServeError` with one line for the user, never a traceback.
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

from index.settings import Settings

log = logging.getLogger(__name__)

BOT_TOKEN = re.compile(r"^xoxb-[A-Za-z0-9-]+$")
APP_TOKEN = re.compile(r"^xapp-[A-Za-z0-9-]+$")


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
        raise ServeError(f"cannot reach Slack at {_api_url(settings)}: {reason}") from None
    finally:
        sdk_log.setLevel(level)
    return client, auth.data


def build_app(client: WebClient, signing_secret: str | None, bot) -> App:
    """The Bolt app with the retry guard and all listeners registered."""
    from bot.slack.listeners import register

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

    register(app, bot)
    return app


def serve(settings: Settings, http: bool = False, port: int = 3000, host: str = "0.0.0.0") -> None:
    """Run until SIGINT/SIGTERM. Raises `ServeError` for configuration problems."""
    from bot.answer import AnswerEngine
    from bot.slack.runtime import SlackBot

    bot_token, app_token, signing_secret = check_settings(settings, http)
    _quiet_sdk_loggers()
    client, auth = connect_client(settings, bot_token, app_token)
    engine = AnswerEngine(settings)
    bot = SlackBot(settings, engine, bot_user_id=auth.get("user_id", ""))
    started = time.perf_counter()
    bot.warm_up()
    log.info("warmed up in %.1f s", time.perf_counter() - started)
    app = build_app(client, signing_secret if http else None, bot)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if settings.watch:
        # The re-index watcher runs in this process, so the embedded store keeps one writer.
        from ingest.watch import start_watcher

        start_watcher(settings, stop, on_report=lambda r: log.info("watch: %s", r.summary()))
    who = f"@{auth.get('user', 'newsbot')} in {auth.get('team', 'the workspace')}"
    if http:
        from bot.slack.http_server import SlackHTTPServer

        try:
            server = SlackHTTPServer(app, host, port)
        except OSError as exc:
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        threading.Thread(target=server.serve_forever, name="newsbot-http", daemon=True).start()
        _announce(f"newsbot: serving {who} over HTTP on {host}:{server.port}{server.path}")
        stop.wait()
        server.shutdown()
    else:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(app, app_token=app_token, logger=logging.getLogger("newsbot.slack.socket"))
        try:
            handler.connect()
        except SlackApiError as exc:
            raise ServeError(f"Slack rejected SLACK_APP_TOKEN: {exc.response.get('error')}") from None
        except Exception as exc:
            raise ServeError(f"cannot open a Socket Mode connection: {exc}") from None
        _announce(f"newsbot: serving {who} over Socket Mode")
        stop.wait()
        handler.close()
    bot.shutdown()


def _announce(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _quiet_sdk_loggers() -> None:
    """slack_sdk logs request headers at DEBUG; keep it at INFO or above even with -v,
    so an Authorization header can never reach a log."""
    for name in ("slack_sdk", "slack_bolt", "newsbot.slack.bolt", "newsbot.slack.socket"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)

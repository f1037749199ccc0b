"""One settings object for the whole app, read from the environment and `.env`.

Every field is documented in `.env.example`; names are `NEWSBOT_<FIELD>` except the
Slack ones, which keep Slack's own names so that existing app configs just work.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from datetime import date

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CommaList = Annotated[list[str], NoDecode]


class ChannelScope(BaseModel):
    """What one Slack channel may draw on (NEWSBOT_CHANNEL_SCOPES; empty: no limit)."""

    model_config = ConfigDict(extra="forbid")
    sources: list[str] = []  # outlets: domains or names ("reuters.com", "BBC")
    categories: list[str] = []
    since: date | None = None
    until: date | None = None


class Settings(BaseSettings):
    """All of newsbot's knobs. Secrets are `SecretStr` so they never print."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # --- storage --------------------------------------------------------------------
    data_dir: Path = Path(".newsbot")
    chroma_url: str | None = None
    chroma_token: SecretStr | None = None
    collection: str = "newsbot"

    # --- ingest ----------------------------------------------------------------------
    sources: CommaList = ["seeds"]
    chunk_tokens: int = Field(default=200, ge=16, le=254)  # wordpieces; the model reads 256 with [CLS]/[SEP]
    chunk_overlap: int = Field(default=32, ge=0)
    max_article_bytes: int = Field(default=64_000_000, ge=1)
    embed_batch_size: int = Field(default=64, ge=1)
    embed_backend: Literal["torch", "onnx"] = "onnx"
    watch: bool = False
    watch_interval: float = Field(default=60.0, gt=0)
    feed_timeout: float = Field(default=30.0, gt=0)  # seconds for a whole feed fetch, redirects included
    allow_private_feeds: bool = False  # fetch feeds from loopback/private addresses

    # --- retrieval and answers -------------------------------------------------------
    top_k: int = Field(default=3, ge=1, le=50)
    min_relevance: float = Field(default=0.20, ge=-1, le=1)  # a cosine
    max_chunks_per_article: int = Field(default=2, ge=1)
    retrieval: Literal["hybrid", "vector", "keyword"] = "hybrid"
    fusion: Literal["rrf", "score"] = "score"
    recency_days: float = Field(default=30.0, gt=0)
    recency_weight: float = Field(default=0.5, ge=0)  # at most this much more score for fresh news (`fuse`)
    keyword_weight: float = Field(default=1.5, ge=0)
    title_weight: float = Field(default=0.5, ge=0)
    write_log_revisions: int = Field(default=1000, ge=1)  # revisions the write log keeps (index/write_log.py)
    keyword_catchup_seconds: float = Field(default=5.0, gt=0)  # serve: how often the keyword index catches up
    llm: Literal["local", "none", "ollama", "openai"] = "local"
    llm_model: str = "qwen2.5-coder-1.5b"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("NEWSBOT_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_max_tokens: int = Field(default=256, ge=1)
    # the sentences of each source nearest the question the LLM reads, each with the next one;
    # 0: whole sources (bot/excerpts.py)
    prompt_sentences: int = Field(default=2, ge=0)
    llm_threads: int = Field(default=0, ge=0)
    llm_context: int = Field(default=0, ge=0)  # 0: sized to fit NEWSBOT_TOP_K chunks (see `context_tokens`)
    llm_kv_cache: Literal["f16", "q8_0"] = "f16"
    answer_timeout: float = Field(default=120.0, gt=0)
    models_dir: Path = Path.home() / ".cache" / "newsbot" / "models"

    # --- Slack -----------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_URL")
    )
    slack_workers: int = Field(default=2, ge=1)
    slack_stream: bool = True  # answers in threads streamed sentence by sentence (chat.startStream)
    max_queued_per_user: int = Field(default=3, ge=0)  # waiting Slack questions per user
    slack_ask_command: str = "/ask"
    slack_reindex_command: str = "/reindex"
    slack_forget_command: str = "/forget"
    slack_digest_command: str = "/digest"
    slack_watch_command: str = "/watch"
    slack_unwatch_command: str = "/unwatch"
    slack_watches_command: str = "/watches"
    watchlist_threshold: float = Field(default=0.5, ge=-1, le=1)  # cosine a new article needs to match a watch (bench/watch.py)
    watchlist_check_seconds: float = Field(default=15.0, gt=0)  # serve: how often it looks for new articles
    watchlist_lease_seconds: float = Field(default=60.0, gt=0)  # serve replicas: a dead leader's watches move on after this
    digests: CommaList = []  # scheduled digests: CHANNEL:HH:MM[:topic], local time
    digest_seconds: float = Field(default=30.0, ge=0)  # the LLM writes stories while the next fits; 0: all
    channel_scopes: dict[str, ChannelScope] = {}  # channel id → its allowed sources/categories/dates
    admin_users: CommaList = []
    allowed_channels: CommaList = []
    http_read_timeout: float = Field(default=20.0, gt=0)  # idle seconds before a connection is closed
    http_max_connections: int = Field(default=1000, ge=1)  # open HTTP connections (capped below the fd limit)
    health_port: int = Field(default=0, ge=0, le=65535)  # /healthz in Socket Mode too; 0: off
    health_host: str = "127.0.0.1"

    # --- operations ------------------------------------------------------------------
    question_log: bool = True  # on/off, true/false, 1/0 like every switch
    question_log_max_bytes: int = Field(default=20_000_000, ge=1000)
    question_log_backups: int = Field(default=5, ge=0)
    stale_after: float = Field(default=86_400.0, ge=0)  # seconds; 0: no staleness alarm

    _split = field_validator("sources", "admin_users", "allowed_channels", "digests", mode="before")(
        _split_list
    )

    @field_validator("data_dir")
    @classmethod
    def _data_dir_is_a_folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} is a file, not a folder")
        return value

    @model_validator(mode="after")
    def _overlap_inside_a_chunk(self):
        """Each chunk starts `chunk_overlap` wordpieces before the last one ended: an
        overlap as long as the chunk would never move forward."""
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError(
                f"NEWSBOT_CHUNK_OVERLAP ({self.chunk_overlap}) must be less than NEWSBOT_CHUNK_TOKENS ({self.chunk_tokens})"
            )
        return self

    @model_validator(mode="after")
    def _lease_outlives_checks(self):
        """A leader renews its claim at each check (bot/watch/leader.py): a lease shorter than
        two checks would lapse between them and pass the lead around."""
        if self.watchlist_lease_seconds <= 2 * self.watchlist_check_seconds:
            raise ValueError(
                f"NEWSBOT_WATCHLIST_LEASE_SECONDS ({self.watchlist_lease_seconds:g}) must be more than twice "
                f"NEWSBOT_WATCHLIST_CHECK_SECONDS ({self.watchlist_check_seconds:g})"
            )
        return self

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    def context_tokens(self) -> int:
        """The LLM's context window: NEWSBOT_LLM_CONTEXT, or (0) room for the prompt of
        `top_k` chunks of ≤256 wordpieces (~320 model tokens each with their header), the
        instructions and question, and the answer, in steps of 512 and at least 2,048.
        A smaller window is a smaller KV cache: 58 MB less for the 1.5B model than 4,096."""
        if self.llm_context:
            return self.llm_context
        needed = self.top_k * 320 + 300 + self.llm_max_tokens
        return max(2048, -(-needed // 512) * 512)

    @property
    def store_mode(self) -> str:
        return "server" if self.chroma_url else "embedded"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings(...)` instead)."""
    return Settings()


def env_name(field: str) -> str:
    """The environment variable that sets `field` (Slack's own names for the Slack ones)."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    if isinstance(alias, str):
        return alias
    return f"NEWSBOT_{field.upper()}"


def describe_errors(exc: ValidationError) -> list[str]:
    """One line per bad setting: its variable, the value given, what is allowed — instead
    of pydantic's report, which names model internals and spans several lines each."""
    from index.redact import redact

    lines = []
    for error in exc.errors():
        if not error.get("loc"):  # a rule across settings: its message names them
            lines.append(f"{error.get('msg', 'settings are not valid').removeprefix('Value error, ')} (see .env.example)")
            continue
        field = str(error["loc"][0])
        inner = "".join(f"[{part!r}]" if isinstance(part, (str, int)) else "" for part in error["loc"][1:])
        info = Settings.model_fields.get(field)
        secret = info is not None and "SecretStr" in repr(info.annotation)
        value = "***" if secret else redact(str(error.get("input", "")))
        shown = value if len(value) <= 80 else value[:77] + "..."
        allowed = error.get("msg", "is not valid").removeprefix("Input ").removeprefix("Value error, ")
        where = f" (at {inner})" if inner else ""
        lines.append(f"{env_name(field)}={shown!r}{where}: {allowed} (see .env.example)")
    return lines

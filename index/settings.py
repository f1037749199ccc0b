"""One settings object for the whole app, read from the environment and `.env`.

Every field is documented in `.env.example`; names are `NEWSBOT_<FIELD>` except the
Slack ones, which keep Slack's own names so that existing app configs just work.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CommaList = Annotated[list[str], NoDecode]


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
    chunk_tokens: int = 200
    chunk_overlap: int = 32
    max_article_bytes: int = 64_000_000
    embed_batch_size: int = 64
    embed_backend: Literal["torch", "onnx"] = "onnx"
    watch: bool = False
    watch_interval: float = 60.0

    # --- retrieval and answers -------------------------------------------------------
    top_k: int = 3
    min_relevance: float = 0.20
    max_chunks_per_article: int = 2
    retrieval: Literal["hybrid", "vector", "keyword"] = "hybrid"
    recency_days: float = 30.0
    keyword_weight: float = 1.5
    title_weight: float = 0.5
    llm: Literal["local", "none", "ollama", "openai"] = "local"
    llm_model: str = "qwen2.5-coder-1.5b"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("NEWSBOT_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_max_tokens: int = 256
    llm_threads: int = 0
    llm_context: int = 0  # 0: sized to fit NEWSBOT_TOP_K chunks (see `context_tokens`)
    llm_kv_cache: Literal["f16", "q8_0"] = "f16"
    answer_timeout: float = 120.0
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
    slack_workers: int = 2
    max_queued_per_user: int = Field(default=3, ge=0)  # waiting Slack questions per user
    slack_ask_command: str = "/ask"
    slack_reindex_command: str = "/reindex"
    admin_users: CommaList = []
    allowed_channels: CommaList = []

    _split = field_validator("sources", "admin_users", "allowed_channels", mode="before")(
        _split_list
    )

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

"""Settings from the environment and a ``.env`` file (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./ordergraph.db", validation_alias="DATABASE_URL"
    )
    read_database_url: str | None = Field(default=None, validation_alias="READ_DATABASE_URL")
    env: Literal["development", "production"] = Field(
        default="development", validation_alias="ORDERGRAPH_ENV"
    )
    secret_key: str = Field(default=DEV_SECRET, validation_alias="ORDERGRAPH_SECRET_KEY")
    db_pool_size: int = Field(default=10, validation_alias="ORDERGRAPH_DB_POOL_SIZE")
    max_query_depth: int = Field(default=12, validation_alias="ORDERGRAPH_MAX_QUERY_DEPTH")
    max_aliases: int = Field(default=30, validation_alias="ORDERGRAPH_MAX_ALIASES")
    max_tokens: int = Field(default=5000, validation_alias="ORDERGRAPH_MAX_TOKENS")
    max_body_bytes: int = Field(default=1_000_000, validation_alias="ORDERGRAPH_MAX_BODY_BYTES")
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", validation_alias="PUBLIC_BASE_URL"
    )

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check(self) -> None:
        """Refuse to run production with development defaults."""
        if self.is_production and self.secret_key == DEV_SECRET:
            raise RuntimeError("set ORDERGRAPH_SECRET_KEY in production")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

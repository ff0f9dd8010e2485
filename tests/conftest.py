"""Shared fixtures: real settings in temporary folders, one real knowledge index per run."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from companion.knowledge import Knowledge
from companion.settings import PROJECT_ROOT, Settings, load_settings

KNOWLEDGE = PROJECT_ROOT / "knowledge"
EVAL = PROJECT_ROOT / "eval"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with their own data folder and a copy of three real documents."""
    docs = tmp_path / "knowledge"
    for lang, doc_id in [("en", "sleep"), ("en", "anger"), ("zh", "sleep")]:
        (docs / lang).mkdir(parents=True, exist_ok=True)
        shutil.copy(KNOWLEDGE / lang / f"{doc_id}.md", docs / lang / f"{doc_id}.md")
    return load_settings(data_dir=tmp_path / "data", knowledge_dir=docs)


@pytest.fixture(scope="session")
def full_knowledge() -> Knowledge:
    """The whole shipped knowledge base, indexed once; later runs only re-embed changes."""
    data = Path(os.environ.get("COMPANION_TEST_DATA", PROJECT_ROOT / "data" / "test"))
    knowledge = Knowledge(load_settings(data_dir=data))
    knowledge.ingest(show_progress=False)
    return knowledge


@pytest.fixture(scope="session")
def real_settings() -> Settings:
    """Settings as the app reads them (chat model from COMPANION_CHAT_MODEL)."""
    return load_settings()


def free_port() -> int:
    """A loopback port nothing listens on, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- databases: every store test runs on SQLite and on a real PostgreSQL server -------------
def _require_services() -> bool:
    return os.environ.get("COMPANION_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip for want of a server, unless CI asked for every service (then it is a failure)."""
    if _require_services():
        pytest.fail(f"{reason} (COMPANION_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def _postgres_database(name: str) -> str:
    """A fresh, empty database on the test server; its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = os.environ.get("COMPANION_TEST_DATABASE_URL")
    if not base:
        skip_or_fail("no PostgreSQL server: set COMPANION_TEST_DATABASE_URL (scripts/test.sh starts one)")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        skip_or_fail(f"PostgreSQL at {base} is unreachable: {exc}")
    finally:
        admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a new database on the PostgreSQL test server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'companion.db'}"
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    return _postgres_database(name)

"""Shared fixtures: real settings in temporary folders, one real knowledge index per run."""

from __future__ import annotations

import os
import shutil
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

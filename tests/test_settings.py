"""One settings object from defaults, a TOML file and COMPANION_* variables."""

from __future__ import annotations

import pytest

from companion.errors import SettingsError
from companion.settings import load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """The test command sets COMPANION_CHAT_MODEL; these tests start from no variables."""
    import os

    for name in [n for n in os.environ if n.startswith("COMPANION_")]:
        monkeypatch.delenv(name)


def test_toml_file_then_environment_override(tmp_path, monkeypatch):
    config = tmp_path / "companion.toml"
    config.write_text('chroma_url = "http://10.0.0.5:8000"\ntop_k = 4\nopenai_base_url = "http://x/v1"\n')
    monkeypatch.setenv("COMPANION_CONFIG", str(config))
    monkeypatch.setenv("COMPANION_TOP_K", "5")
    s = load_settings()
    assert s.chroma_url == "http://10.0.0.5:8000"
    assert s.openai_base_url == "http://x/v1"
    assert s.top_k == 5


def test_default_paths_follow_the_data_dir(tmp_path):
    s = load_settings(data_dir=tmp_path)
    assert s.chroma_dir == tmp_path / "chroma" and s.models_dir == tmp_path / "models"


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("top_k = 'many'\n", "top_k"),
        ("chat_model = 'gpt-9'\n", "chat_model"),
        ("nonsense = 1\n", "nonsense"),
        ("top_k = = 3\n", "cannot read settings"),
    ],
)
def test_bad_settings_give_one_clear_error(tmp_path, monkeypatch, toml, needle):
    config = tmp_path / "c.toml"
    config.write_text(toml)
    monkeypatch.setenv("COMPANION_CONFIG", str(config))
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert needle in str(err.value)


def test_missing_config_file_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings()

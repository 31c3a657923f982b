"""A bare `scrapy crawl` with no aipulse.toml gets the bundled defaults without building the whole config model."""

from __future__ import annotations

import pytest

from spiders.config_addon import default_settings, scrapy_settings


@pytest.mark.parametrize("database", [None, "sqlite:////tmp/elsewhere.db"], ids=["no database", "from the env"])
def test_the_defaults_without_a_config_file_are_the_config_models_defaults(
    database: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database is None:
        monkeypatch.delenv("AIPULSE_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("AIPULSE_DATABASE_URL", database)
    assert default_settings() == scrapy_settings(None)

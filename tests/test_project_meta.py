"""Meta-tests: each source has fixtures, a config section, demo routes, a README row; each setting is documented."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from core.config import BUNDLED_CONFIG, AppConfig, SourceConfig
from monitor.crawling import spider_classes
from monitor.demo import DEMO_SOURCES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SOURCES = sorted(spider_classes())


def test_there_are_sources() -> None:
    assert "azure_gpu" in SOURCES


@pytest.mark.parametrize("source_id", SOURCES)
def test_every_source_has_recorded_fixture_cases(source_id: str) -> None:
    folder = ROOT / "tests" / "fixtures" / source_id
    cases = [case for case in folder.iterdir() if case.is_dir()] if folder.is_dir() else []
    assert cases, f"tests/fixtures/{source_id}/ has no case"
    assert (folder / "README.md").is_file(), f"tests/fixtures/{source_id}/README.md says where each case came from"
    for case in cases:
        names = {path.name for path in case.iterdir()}
        assert "meta.json" in names and "expected.json" in names, case
        assert any(name.startswith("response") for name in names), case


@pytest.mark.parametrize("source_id", SOURCES)
def test_every_source_has_a_section_in_the_bundled_config(source_id: str) -> None:
    assert source_id in tomllib.loads(BUNDLED_CONFIG.read_text(encoding="utf-8")).get("sources", {})


@pytest.mark.parametrize("source_id", SOURCES)
def test_every_source_replays_in_the_demo(source_id: str) -> None:
    assert source_id in DEMO_SOURCES


@pytest.mark.parametrize("source_id", SOURCES)
def test_every_source_has_a_readme_row(source_id: str) -> None:
    assert f"| `{source_id}` |" in README


@pytest.mark.parametrize("source_id", SOURCES)
def test_every_source_declares_its_kind_and_endpoint(source_id: str) -> None:
    spider = spider_classes()[source_id]
    assert spider.kind in ("gpu", "traffic", "funding", "quotes")
    assert spider.default_endpoint.startswith("https://")
    assert spider.description


def _setting_names(model: type[BaseModel], prefix: str) -> list[str]:
    names: list[str] = []
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation is not SourceConfig:
            names += _setting_names(annotation, f"{prefix}{name}.")
        elif name == "sources":
            names += [f"sources.<id>.{key}" for key in SourceConfig.model_fields]
        else:
            names.append(prefix + name)
    return names


@pytest.mark.parametrize("setting", _setting_names(AppConfig, ""))
def test_every_setting_is_documented_in_the_readme(setting: str) -> None:
    assert f"| `{setting}` |" in README, f"README's configuration table lacks {setting}"


def test_readme_shows_the_two_set_up_commands() -> None:
    assert "make run" in README and "make test" in README


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")

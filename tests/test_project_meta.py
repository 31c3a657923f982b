"""Meta-tests that say what a source still lacks: fixture cases, a crawl test, config, demo, README; and docs."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from core.config import BUNDLED_CONFIG, AppConfig, SourceConfig
from monitor.crawling import spider_classes
from monitor.demo import DEMO_SOURCES, demo_sources
from monitor.replay import fixtures_root
from spiders.sources.declared import DeclaredSpider

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIXTURES = fixtures_root()
SOURCES = sorted(spider_classes())
BUNDLED = tomllib.loads(BUNDLED_CONFIG.read_text(encoding="utf-8"))
#: what a test module does when it crawls: a replay server, a Scrapy process, or the daemon's runner
CRAWL_MARKERS = ("ReplayServer", "scrapy_crawl", "CrawlRunner", "run_crawl")
TEST_MODULES = {path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / "tests").glob("test_*.py"))}
CASE_LAYOUT = "{response.*,meta.json,expected.json}"


def _fixture_path(*parts: str) -> str:
    return str((FIXTURES.joinpath(*parts)).relative_to(ROOT)) if FIXTURES.is_relative_to(ROOT) else str(FIXTURES)


def test_there_are_sources() -> None:
    assert "azure_gpu" in SOURCES


@pytest.mark.parametrize("folder", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_every_fixture_folder_names_a_spider(folder: str) -> None:
    assert folder in SOURCES, (
        f"{_fixture_path(folder)}/ names no spider: rename it to a source id ({', '.join(SOURCES)}) "
        f"or declare the source: SOURCE = Source(kind=…, endpoint=…, description=…) in spiders/parsers/{folder}.py "
        f"(a one-request source), or write spiders/sources/{folder}.py with name = {folder!r}"
    )


@pytest.mark.parametrize("source_id", SOURCES)
def test_every_source_has_a_parser_case(source_id: str) -> None:
    folder = FIXTURES / source_id
    cases = sorted(case for case in folder.iterdir() if case.is_dir()) if folder.is_dir() else []
    assert cases, (
        f"source {source_id} has no parser case: add {_fixture_path(source_id)}/<case>/{CASE_LAYOUT} "
        "(see README, Adding a source)"
    )
    for case in cases:
        names = {path.name for path in case.iterdir()}
        missing = [n for n in ("meta.json", "expected.json") if n not in names]
        missing += [] if any(name.startswith("response.") for name in names) else ["response.<ext>"]
        assert not missing, f"case {_fixture_path(source_id, case.name)} lacks {', '.join(missing)}: add it"


@pytest.mark.parametrize("source_id", SOURCES)
def test_every_source_has_a_crawl_test(source_id: str) -> None:
    crawling = [name for name, text in TEST_MODULES.items() if f'"{source_id}"' in text and any(
        marker in text for marker in CRAWL_MARKERS)]  # fmt: skip
    # tests/test_demo.py crawls every demo source through the real engine and fails unless each run succeeds
    assert crawling or source_id in demo_sources(), (
        f"source {source_id} has no crawl test: add tests/test_{source_id}_crawl.py that runs the spider against "
        f'ReplayServer.from_fixtures({{"{source_id}": [<case>, …]}}) and checks what was stored'
    )


@pytest.mark.parametrize("source_id", SOURCES)
def test_every_source_is_scheduled_in_the_bundled_config_or_said_to_be_off(source_id: str) -> None:
    # A source without a config section is known (listed, crawled by hand, verified, demoed) but not scheduled:
    # its README row must say so, so nobody expects data from it.
    row = next((line for line in README.splitlines() if line.startswith(f"| `{source_id}` |")), "")
    assert source_id in BUNDLED.get("sources", {}) or "off by default" in row, (
        f"source {source_id} is not scheduled: add [sources.{source_id}] (every = …) to "
        f"{BUNDLED_CONFIG.relative_to(ROOT)}, or say **off by default** in its README row"
    )


@pytest.mark.parametrize("source_id", SOURCES)
def test_every_source_replays_in_the_demo(source_id: str) -> None:
    assert source_id in demo_sources(), (
        f"source {source_id} is not in the demo: give it a fixture case, or list its cases in DEMO_SOURCES "
        "(monitor/demo.py)"
    )


@pytest.mark.parametrize("source_id", sorted(DEMO_SOURCES))
def test_every_demo_case_is_a_recorded_case(source_id: str) -> None:
    for case in DEMO_SOURCES[source_id]:
        assert (FIXTURES / source_id / case / "meta.json").is_file(), (
            f"DEMO_SOURCES in monitor/demo.py names {source_id}/{case}, which {_fixture_path(source_id)}/ lacks: "
            "record that case or name an existing one"
        )


@pytest.mark.parametrize("source_id", SOURCES)
def test_every_source_has_a_readme_row(source_id: str) -> None:
    assert f"| `{source_id}` |" in README, (
        f"source {source_id} has no README row: add | `{source_id}` | … | to the sources table in README.md"
    )


@pytest.mark.parametrize("source_id", SOURCES)
def test_every_source_declares_its_kind_endpoint_and_description(source_id: str) -> None:
    spider = spider_classes()[source_id]
    declared = issubclass(spider, DeclaredSpider)
    where = f"spiders/parsers/{source_id}.py SOURCE" if declared else f"spiders/sources/{source_id}.py"
    assert spider.kind in ("gpu", "traffic", "funding", "quotes"), (
        f"{where}: set kind to gpu, traffic, funding or quotes"
    )
    assert spider.default_endpoint.startswith("https://"), f"{where}: set default_endpoint to the live https:// URL"
    assert spider.description.strip(), f"{where}: set description to one line saying what the source serves"


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
    assert f"| `{setting}` |" in README, f"README's configuration table lacks {setting}: add a | `{setting}` | row"


def test_readme_shows_the_two_set_up_commands() -> None:
    assert "make run" in README and "make test" in README


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readme_census_of_real_and_constructed_cases_matches_the_fixtures() -> None:
    from tests.tools import fixture_census

    assert fixture_census.with_table(README, fixture_census.census()) == README, (
        "README.md's table of real and constructed cases differs from the fixtures: "
        "run python -m tests.tools.fixture_census"
    )


def test_the_census_counts_a_constructed_case_apart_from_a_real_one(tmp_path: Path) -> None:
    from tests.tools import fixture_census

    for case, constructed in (("real", False), ("made", True), ("made2", True)):
        (tmp_path / "a_gpu" / case).mkdir(parents=True)
        (tmp_path / "a_gpu" / case / "meta.json").write_text(json.dumps({"constructed": constructed}))
    assert fixture_census.census(tmp_path) == {"a_gpu": (1, 2)}

"""A one-request source declared beside its parser (`SOURCE = Source(...)`) gets its spider generated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.crawling import spider_classes
from monitor.replay import ReplayServer, fixtures_root
from spiders.parsers import datacrunch_gpu
from spiders.sources import declared
from spiders.sources.declared import DeclaredSpider, declared_sources
from tests.crawl_support import FAST_SETTINGS, scrapy_crawl

FAST_ARGS = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]


def test_the_worked_example_is_a_declared_source_with_no_spider_module() -> None:
    assert "datacrunch_gpu" in declared_sources()
    assert not (Path(declared.__file__).parent / "datacrunch_gpu.py").exists()


def test_the_generated_spider_carries_the_declaration() -> None:
    spider = spider_classes()["datacrunch_gpu"]
    assert issubclass(spider, DeclaredSpider)
    assert (spider.kind, spider.default_endpoint, spider.description) == (
        "gpu",
        datacrunch_gpu.DEFAULT_ENDPOINT,
        datacrunch_gpu.SOURCE.description,
    )
    assert spider.source_parser() is datacrunch_gpu.parse


def test_each_declared_source_is_loaded_once() -> None:
    spiders = [v for v in vars(declared).values() if isinstance(v, type) and issubclass(v, DeclaredSpider)]
    names = [getattr(cls, "name", None) for cls in spiders]
    assert sorted(n for n in names if n) == sorted(declared_sources())


def test_a_source_declared_and_also_written_as_a_spider_module_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for package, text in (
        ("fakesrc/parsers", 'from spiders.parsers.contract import Source\nSOURCE = Source("gpu", "https://x", "x")\n'),
        ("fakesrc/sources", '"""a hand-written spider for the same id"""\n'),
    ):
        (tmp_path / package).mkdir(parents=True)
        (tmp_path / package / "__init__.py").write_text("")
        (tmp_path / package / "twice_gpu.py").write_text(text)
    (tmp_path / "fakesrc" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RuntimeError, match="twice_gpu is declared twice"):
        declared_sources("fakesrc.parsers", "fakesrc.sources")


@pytest.mark.slow
def test_scrapy_crawl_runs_a_declared_source_against_its_recorded_answer(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with ReplayServer.from_fixtures({"datacrunch_gpu": ["instance_types_constructed"]}) as server:
        endpoint = f"endpoint={server.url}/v1/instance-types"
        done = scrapy_crawl(["crawl", "datacrunch_gpu", "-a", endpoint, "-O", str(out), *FAST_ARGS], tmp_path)
        assert [r.path for r in server.requests] == ["/v1/instance-types"]
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    case = fixtures_root() / "datacrunch_gpu/instance_types_constructed/expected.json"
    expected = json.loads(case.read_text(encoding="utf-8"))["items"]
    assert len(rows) == len(expected) > 0
    assert {(r["instance_type"], r["billing"]) for r in rows} == {(e["instance_type"], e["billing"]) for e in expected}

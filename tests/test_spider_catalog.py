"""The spider catalog names every spider with its kind, and the loader imports only the spider a crawl runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.crawling import spider_classes
from spiders.catalog import SOURCE_KINDS
from spiders.loader import CatalogSpiderLoader, load_spider

ROOT = Path(__file__).resolve().parent.parent


def test_the_catalog_lists_every_spider_module_with_its_kind() -> None:
    assert dict(SOURCE_KINDS) == {name: cls.kind for name, cls in spider_classes().items()}


@pytest.mark.parametrize("name", ["azure_gpu", "datacrunch_gpu"], ids=["spider module", "declared source"])
def test_the_loader_gives_the_same_spider_as_a_full_walk(name: str) -> None:
    loaded, walked = load_spider(name), spider_classes()[name]
    assert (loaded.__name__, loaded.kind, loaded.default_endpoint) == (walked.__name__, walked.kind,
                                                                       walked.default_endpoint)  # fmt: skip


def test_an_unknown_spider_is_a_key_error_as_scrapy_expects() -> None:
    with pytest.raises(KeyError, match="Spider not found: nope"):
        CatalogSpiderLoader.from_settings(None).load("nope")  # type: ignore[arg-type]


def test_loading_one_spider_imports_no_other_parser() -> None:
    code = (
        "import sys; from spiders.loader import load_spider; load_spider('azure_gpu'); "
        "print(sorted(m for m in sys.modules if m.startswith('spiders.parsers.') or m.startswith('spiders.sources.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    imported = eval(done.stdout)
    assert {name.rsplit(".", 1)[1] for name in imported} & set(SOURCE_KINDS) == {"azure_gpu"}
    assert "spiders.sources.declared" not in imported


def test_scrapy_list_prints_the_catalog() -> None:
    done = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == list(SOURCE_KINDS)


def test_a_new_declared_source_is_in_the_catalog_without_an_entry(tmp_path: Path) -> None:
    from spiders.catalog import discover

    (tmp_path / "sources").mkdir()
    (tmp_path / "parsers").mkdir()
    (tmp_path / "sources" / "quotes_base.py").write_text('class QuoteSpider:\n    kind = "quotes"\n')
    (tmp_path / "sources" / "a_quotes.py").write_text(
        'from spiders.sources.quotes_base import QuoteSpider\n\nclass A(QuoteSpider):\n    name = "a_quotes"\n'
    )
    (tmp_path / "parsers" / "b_gpu.py").write_text(
        'SOURCE = Source(\n    kind="gpu",\n    endpoint="https://example.org/",\n    description="b",\n)\n'
    )
    (tmp_path / "parsers" / "helpers.py").write_text("def parse(): ...\n")
    assert discover(tmp_path) == {"a_quotes": "quotes", "b_gpu": "gpu"}

"""Spider arguments (`args` in aipulse.toml, `-a NAME=VALUE`) are checked before a run, naming the argument."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import spiders
from monitor.cli import main
from monitor.crawling import spider_classes
from monitor.replay import ReplayServer
from spiders.argument_kinds_static import static_argument_kinds
from spiders.arguments import argument_kinds, argument_problems
from spiders.catalog import SOURCE_KINDS
from spiders.loader import load_spider
from tests.crawl_support import AZURE_PATH, azure_routes, scrapy_crawl, write_config


def _config(tmp_path: Path, args: dict[str, object]) -> Path:
    section = {"every": "1h", "endpoint": "http://127.0.0.1:9" + AZURE_PATH, "args": args}
    return write_config(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", {"azure_gpu": section})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"max_page": 3}, "sources.azure_gpu.args: argument 'max_page': azure_gpu takes no such argument "
                          "(it takes: clock, endpoint, max_pages)"),
        ({"max_pages": "abc"}, "sources.azure_gpu.args: argument max_pages='abc': azure_gpu expects a whole number"),
    ],
)  # fmt: skip
def test_a_bad_argument_in_the_config_is_refused_at_start_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: dict[str, object], message: str
) -> None:
    path = _config(tmp_path, args)
    assert main(["--config", str(path), "sources"]) == 2
    assert message in capsys.readouterr().err


def test_a_bad_dash_a_argument_of_aipulse_crawl_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path, {})
    assert main(["--config", str(path), "crawl", "azure_gpu", "-a", "max_pages=many"]) == 2
    assert "-a: azure_gpu: argument max_pages='many': azure_gpu expects a whole number here" in capsys.readouterr().err
    assert not (tmp_path / "store.db").exists(), "refused before the database is opened"


def test_numbers_are_read_by_the_keyword_annotations() -> None:
    autodl = spider_classes()["autodl_gpu"]
    assert argument_problems(autodl, {"page_timeout_s": "2.5", "page_size": "50", "gpus": "A100,H100"}) == []
    assert argument_problems(autodl, {"page_timeout_s": "soon"}) == [
        "argument page_timeout_s='soon': autodl_gpu expects a number here"
    ]


@pytest.mark.slow
def test_scrapy_crawl_with_a_mistyped_argument_fails_naming_it_before_any_request(tmp_path: Path) -> None:
    with ReplayServer(azure_routes()) as server:
        done = scrapy_crawl(
            ["crawl", "azure_gpu", "-a", f"endpoint={server.url}{AZURE_PATH}", "-a", "max_pages=abc"], tmp_path
        )
        seen = list(server.requests)
    assert done.returncode != 0
    assert "azure_gpu: argument max_pages='abc': azure_gpu expects a whole number here" in done.stderr
    assert seen == []


@pytest.mark.parametrize("source_id", sorted(SOURCE_KINDS))
def test_the_kinds_read_from_a_spiders_file_equal_those_of_the_imported_class(source_id: str) -> None:
    static = static_argument_kinds(source_id)

    if static is not None:  # None: a declared source, whose spider is imported to check its arguments
        assert static == argument_kinds(load_spider(source_id))


def test_every_spider_module_is_read_without_importing_it() -> None:
    modules = {p.stem for p in (Path(spiders.__file__).parent / "sources").glob("*.py")} & set(SOURCE_KINDS)

    assert {s for s in modules if static_argument_kinds(s) is None} == set()


def test_checking_a_configs_arguments_imports_no_spider(tmp_path: Path) -> None:
    config = _config(tmp_path, {"max_pages": 3})
    code = "import sys; from monitor.cli import main; main(['--config', sys.argv[1], 'sources']); " \
           "print(sorted(m for m in sys.modules if m == 'scrapy' or m.startswith('spiders.sources.')))"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code, str(config)], capture_output=True, text=True, check=True,
                         cwd=Path(spiders.__file__).parent.parent).stdout  # fmt: skip

    assert out.strip().splitlines()[-1] == "[]"

"""Deprecations of Scrapy, SQLAlchemy, APScheduler and pydantic fail the suite: in the test process (pytest's
filterwarnings) and in the processes it starts (`scrapy crawl` children, through tests/netguard/sitecustomize)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from pydantic.warnings import PydanticDeprecatedSince20
from scrapy.exceptions import ScrapyDeprecationWarning
from sqlalchemy.exc import MovedIn20Warning

from tests.crawl_support import scrapy_crawl


@pytest.mark.parametrize("category", [ScrapyDeprecationWarning, MovedIn20Warning, PydanticDeprecatedSince20])
def test_a_library_deprecation_is_an_error_in_the_tests(category: type[Warning]) -> None:
    with pytest.raises(category):
        warnings.warn("this API goes away", category, stacklevel=1)


@pytest.mark.parametrize("module", ["apscheduler.schedulers.base", "scrapy.settings", "sqlalchemy.orm", "pydantic"])
def test_a_plain_deprecation_warning_raised_by_a_library_is_an_error(module: str) -> None:
    with pytest.raises(DeprecationWarning):
        warnings.warn_explicit("this API goes away", DeprecationWarning, f"{module}.py", 1, module=module)


def test_a_deprecation_of_our_own_dependencies_elsewhere_stays_a_warning() -> None:
    with pytest.warns(DeprecationWarning):
        warnings.warn_explicit("imghdr is deprecated", DeprecationWarning, "apprise.py", 1, module="apprise.utils")


@pytest.mark.parametrize(
    "code",
    [
        "import warnings; from scrapy.exceptions import ScrapyDeprecationWarning as W; warnings.warn('old', W)",
        "import warnings; warnings.warn_explicit('old', DeprecationWarning, 'x.py', 1, module='apscheduler.util')",
    ],
)
def test_a_child_python_process_fails_on_a_library_deprecation(code: str) -> None:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "Warning: old" in done.stderr


@pytest.mark.slow
def test_a_scrapy_crawl_child_fails_on_a_deprecated_setting(tmp_path: Path) -> None:
    """Scrapy 2.19 deprecates RANDOMIZE_DOWNLOAD_DELAY (issue 15.8): a crawl test setting it would now fail."""
    spider = tmp_path / "one.py"
    spider.write_text(
        "import scrapy\n\nclass One(scrapy.Spider):\n    name = 'one'\n\n    async def start(self):\n"
        "        return\n        yield\n",
        encoding="utf-8",
    )
    quiet = ["-s", "REMOTE_CONTROL_ENABLED=False", "-s", "TELNETCONSOLE_ENABLED=False"]
    done = scrapy_crawl(["runspider", str(spider), *quiet], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    done = scrapy_crawl(["runspider", str(spider), *quiet, "-s", "RANDOMIZE_DOWNLOAD_DELAY=False"], tmp_path)
    assert done.returncode != 0, "the deprecation is an error in the child"
    assert "RANDOMIZE_DOWNLOAD_DELAY setting is deprecated" in done.stderr, done.stderr[-2000:]

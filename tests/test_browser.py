"""Browser opt-in: Playwright settings only on spiders that need them, and a real Chromium crawl on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.addons import AddonManager
from scrapy.settings import Settings

from monitor.replay import ReplayServer, Reply, Route
from spiders.base import SourceSpider
from spiders.sources.azure_gpu import AzureGpuSpider
from tests.crawl_support import FAST_SETTINGS, scrapy_crawl

STORE_PAGE = b"""<!doctype html><html><body><div id="offer">loading</div>
<script>
fetch('/api/offers').then(r => r.json()).then(d => {
  const el = document.getElementById('offer');
  el.dataset.name = d.name; el.dataset.price = d.price; el.textContent = d.name;
});
</script></body></html>"""


def _settings_for(spider: type[SourceSpider]) -> Settings:
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    AddonManager.load_pre_crawler_settings(settings)  # as CrawlerProcess does: the aipulse settings are filled
    spider.update_settings(settings)
    return settings


def test_plain_spiders_do_not_start_a_browser() -> None:
    handlers = _settings_for(AzureGpuSpider).getdict("DOWNLOAD_HANDLERS")
    assert "playwright" not in json.dumps(handlers)


def test_browser_spiders_get_playwright_with_the_configured_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.browser.probe_spider import BrowserProbeSpider

    monkeypatch.setenv("AIPULSE_CHROMIUM", "/bin/sh")  # any existing file: the path is passed through as given
    settings = _settings_for(BrowserProbeSpider)
    assert settings.getdict("DOWNLOAD_HANDLERS")["https"].startswith("scrapy_playwright")
    launch = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    assert launch["executable_path"] == "/bin/sh"
    assert {"--no-sandbox", "--disable-background-networking", "--disable-quic"} <= set(launch["args"])


@pytest.mark.browser
@pytest.mark.slow
def test_browser_spider_reads_what_javascript_rendered(tmp_path: Path) -> None:
    routes = [
        Route("/store", [Reply(STORE_PAGE, content_type="text/html")]),
        Route("/api/offers", [Reply(b'{"name": "A100-80G x1", "price": "8.50"}')]),
    ]
    out = tmp_path / "out.jsonl"
    fast = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    with ReplayServer(routes) as server:
        spider_file = Path(__file__).parent / "browser" / "probe_spider.py"
        done = scrapy_crawl(
            ["runspider", str(spider_file), "-a", f"endpoint={server.url}/store", "-O", str(out), *fast], tmp_path
        )
        asked = [r.path for r in server.requests]
    assert done.returncode == 0, done.stderr[-3000:]
    [row] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert (row["instance_type"], row["price"]) == ("A100-80G x1", "8.50")
    assert asked == ["/store", "/api/offers"], "the page's own JavaScript made the API call"

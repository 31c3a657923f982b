"""`[traffic]` config: the 13 default apps, strict validation of names and bare domains, and domain cleaning."""

from __future__ import annotations

import tomllib
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from core.config import AppConfig
from core.config.traffic import DEFAULT_APPS, TrafficApp, TrafficConfig, traffic_config, watched_domains
from core.traffic_domains import bare_domain, split_domains

EXAMPLE = """
[traffic]
apps = [
  { name = "ChatGPT", domain = "chatgpt.com" },
  { name = "文心一言", domain = "yiyan.baidu.com" },
]
"""


def test_the_default_watch_list_is_the_thirteen_apps_of_the_weekly_report() -> None:
    assert [(app.name, app.domain) for app in DEFAULT_APPS] == [
        ("ChatGPT", "chatgpt.com"),
        ("Bing", "bing.com"),
        ("Discord", "discord.com"),
        ("Canva", "canva.com"),
        ("GitHub", "github.com"),
        ("Gemini", "gemini.google.com"),
        ("Character.AI", "character.ai"),
        ("Notion AI", "notion.so"),
        ("QuillBot", "quillbot.com"),
        ("Kimi", "kimi.com"),
        ("DeepL", "deepl.com"),
        ("文心一言", "yiyan.baidu.com"),
        ("Perplexity", "perplexity.ai"),
    ]
    assert TrafficConfig().apps == DEFAULT_APPS


def test_a_traffic_section_in_toml_validates() -> None:
    config = TrafficConfig.model_validate(tomllib.loads(EXAMPLE)["traffic"])
    assert [app.domain for app in config.apps] == ["chatgpt.com", "yiyan.baidu.com"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"apps": [{"name": "ChatGPT", "domain": "https://chatgpt.com/"}]}, "write the bare domain 'chatgpt.com'"),
        ({"apps": [{"name": "ChatGPT", "domain": "www.chatgpt.com"}]}, "write the bare domain 'chatgpt.com'"),
        ({"apps": [{"name": "ChatGPT", "domain": "chatgpt"}]}, "not a domain name"),
        ({"apps": [{"name": "", "domain": "chatgpt.com"}]}, "at least 1 character"),
        ({"apps": [{"name": "  ", "domain": "chatgpt.com"}]}, "must not be blank"),
        ({"apps": [{"name": "ChatGPT", "domain": "chatgpt.com", "url": "x"}]}, "Extra inputs are not permitted"),
        ({"apps": [{"name": "A", "domain": "a.com"}, {"name": "B", "domain": "a.com"}]}, "listed twice"),
        ({"apps": [{"name": "A", "domain": "a.com"}, {"name": "a", "domain": "b.com"}]}, "listed twice"),
        ({"apps": []}, "at least 1 item"),
        ({"app": []}, "Extra inputs are not permitted"),
    ],
)
def test_a_bad_traffic_section_fails_with_the_reason(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TrafficConfig.model_validate(data)


def test_models_are_frozen() -> None:
    with pytest.raises(ValidationError):
        DEFAULT_APPS[0].domain = "openai.com"
    with pytest.raises(ValidationError):
        TrafficConfig().apps = ()  # type: ignore[misc]


def test_without_a_traffic_section_the_defaults_are_watched() -> None:
    assert watched_domains(None) == [app.domain for app in DEFAULT_APPS]
    assert watched_domains(AppConfig()) == [app.domain for app in DEFAULT_APPS]


def test_a_configured_traffic_section_is_used() -> None:
    section = TrafficConfig(apps=(TrafficApp(name="Kimi", domain="kimi.moonshot.cn"),))
    config = SimpleNamespace(traffic=section)  # until AppConfig carries `traffic`
    assert traffic_config(config) is section  # type: ignore[arg-type]
    assert watched_domains(config) == ["kimi.moonshot.cn"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("chatgpt.com", "chatgpt.com"),
        ("https://www.ChatGPT.com/c/123?x=1#y", "chatgpt.com"),
        ("http://user@www.perplexity.ai:443/search", "perplexity.ai"),
        ("gemini.google.com/app", "gemini.google.com"),
        ("  yiyan.baidu.com.  ", "yiyan.baidu.com"),
        ("www.kimi.moonshot.cn", "kimi.moonshot.cn"),
        ("bücher.de", "xn--bcher-kva.de"),
    ],
)
def test_bare_domain_strips_scheme_path_port_and_www_only(text: str, bare: str) -> None:
    assert bare_domain(text) == bare


@pytest.mark.parametrize("text", ["", "localhost", "not a domain", "https://", "-bad-.com", "127.0.0.1", "a..b"])
def test_bare_domain_refuses_what_is_not_a_domain(text: str) -> None:
    with pytest.raises(ValueError, match="not a domain name"):
        bare_domain(text)


def test_split_domains_keeps_order_and_drops_repeats_and_blanks() -> None:
    assert split_domains("chatgpt.com, https://www.kimi.com/, ,chatgpt.com") == ["chatgpt.com", "kimi.com"]
    assert split_domains(["Bing.com", "bing.com"]) == ["bing.com"]

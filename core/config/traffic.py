"""The `[traffic]` section of aipulse.toml: the apps whose web traffic is watched, each by its bare domain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from core.config.base import Strict
from core.traffic_domains import bare_domain

if TYPE_CHECKING:
    from core.config import AppConfig

__all__ = ["DEFAULT_APPS", "TrafficApp", "TrafficConfig", "traffic_config", "watched_apps", "watched_domains"]


class TrafficApp(Strict):
    """One watched app: the name shown in tables and the bare domain the traffic sources are asked about."""

    name: str = Field(min_length=1, max_length=64)
    domain: str

    @field_validator("name")
    @classmethod
    def _name_is_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()

    @field_validator("domain")
    @classmethod
    def _domain_is_bare(cls, value: str) -> str:
        bare = bare_domain(value)  # ValueError: "… is not a domain name"
        if bare != value:
            raise ValueError(f"write the bare domain {bare!r} (no scheme, path or www.), not {value!r}")
        return value


#: The user's weekly table (traffic.md §4); the host of an app that moved is its current one.
#: Unverified on a live run (traffic.md §9): Kimi's host (kimi.com vs kimi.moonshot.cn), Notion's
#: (notion.so vs notion.com), and whether subdomain apps (Gemini, 文心一言) get data from each source.
DEFAULT_APPS: tuple[TrafficApp, ...] = (
    TrafficApp(name="ChatGPT", domain="chatgpt.com"),
    TrafficApp(name="Bing", domain="bing.com"),
    TrafficApp(name="Discord", domain="discord.com"),
    TrafficApp(name="Canva", domain="canva.com"),
    TrafficApp(name="GitHub", domain="github.com"),
    TrafficApp(name="Gemini", domain="gemini.google.com"),
    TrafficApp(name="Character.AI", domain="character.ai"),
    TrafficApp(name="Notion AI", domain="notion.so"),
    TrafficApp(name="QuillBot", domain="quillbot.com"),
    TrafficApp(name="Kimi", domain="kimi.com"),
    TrafficApp(name="DeepL", domain="deepl.com"),
    TrafficApp(name="文心一言", domain="yiyan.baidu.com"),
    TrafficApp(name="Perplexity", domain="perplexity.ai"),
)


class TrafficConfig(Strict):
    """`[traffic]`: `apps = [{ name = "ChatGPT", domain = "chatgpt.com" }, …]` (default: the 13 apps above)."""

    apps: tuple[TrafficApp, ...] = Field(default=DEFAULT_APPS, min_length=1)

    @field_validator("apps")
    @classmethod
    def _no_repeats(cls, value: tuple[TrafficApp, ...]) -> tuple[TrafficApp, ...]:
        for attribute in ("domain", "name"):
            seen: set[str] = set()
            for app in value:
                key = getattr(app, attribute).casefold()
                if key in seen:
                    raise ValueError(f"{attribute} {getattr(app, attribute)!r} is listed twice")
                seen.add(key)
        return value


def traffic_config(config: AppConfig | None) -> TrafficConfig:
    """The configuration's `[traffic]` section, or the defaults (no file, or an AppConfig without the section)."""
    section: Any = getattr(config, "traffic", None)
    return section if isinstance(section, TrafficConfig) else TrafficConfig()


def watched_apps(config: AppConfig | None) -> tuple[TrafficApp, ...]:
    """The apps to watch, in the configured order."""
    return traffic_config(config).apps


def watched_domains(config: AppConfig | None) -> list[str]:
    """The bare domains to ask the traffic sources about when a run names none (`-a domains=`)."""
    return [app.domain for app in watched_apps(config)]

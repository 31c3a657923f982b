"""Models of `[alerts]` targets, delivery and the data-quality gate, and the duration type the rules share."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import BeforeValidator, Field, model_validator

from core.plausibility import BoundsConfig
from core.secrets import SecretRef, secret_reference
from core.strict import Duration, Strict

#: A `${NAME}` environment reference inside a target URL.
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Query keys that carry a credential in Apprise URLs: their value must be a ${NAME} reference.
_SECRET_KEYS = frozenset({"pass", "password", "token", "secret", "apikey", "api_key", "key", "webhook"})


def _target_url(value: Any) -> Any:
    """`"${NAME}"` or `{ env = "NAME" }`: the whole URL lives in the environment; any other text is a literal URL."""
    if isinstance(value, dict) or (isinstance(value, str) and ENV_REF.fullmatch(value.strip())):
        return SecretRef.model_validate(secret_reference(value))
    if not isinstance(value, str) or not value.strip():
        raise ValueError('a target URL is an Apprise URL text or an environment reference { env = "NAME" }')
    text = value.strip()
    if "${" in ENV_REF.sub("", text):
        raise ValueError(f"{text!r}: write environment references as ${{NAME}} (letters, digits and _ only)")
    problem = literal_secret_problem(text)
    if problem:
        raise ValueError(problem)
    return text


TargetUrl = Annotated[SecretRef | str, BeforeValidator(_target_url)]


def literal_secret_problem(url: str) -> str | None:
    """Why a literal Apprise URL carries a secret in clear (a password or token not written as `${NAME}`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    password = userinfo.partition(":")[2]
    if password and not ENV_REF.fullmatch(password):
        return f"{_masked(url)}: the password is a secret: write it as ${{NAME}} and set NAME in the environment"
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in _SECRET_KEYS and value and not ENV_REF.fullmatch(value):
            return f"{_masked(url)}: `{key}=` is a secret: write it as {key}=${{NAME}} and set NAME in the environment"
    scheme, host = parts.scheme.lower(), parts.netloc.rpartition("@")[2].lower()
    in_path = scheme in _TOKEN_IN_PATH_SCHEMES or (scheme in ("http", "https") and host in _WEBHOOK_HOSTS)
    if in_path and _literal_path(parts.netloc if scheme in _TOKEN_IN_PATH_SCHEMES else "", parts.path):
        return (
            f"{_masked(url)}: the tokens of a {scheme}:// URL are in its path: write the whole URL as ${{NAME}} "
            "(or each token as ${NAME}) and set NAME in the environment"
        )
    return None


#: Apprise schemes whose "host" and path are the credentials (slack://TokenA/TokenB/TokenC, discord://id/token …)
_TOKEN_IN_PATH_SCHEMES = frozenset({"slack", "discord", "tgram", "msteams", "pover", "gchat", "lark", "feishu",
                                    "dingtalk", "wxteams", "wecombot"})  # fmt: skip
#: chat services whose https:// webhook URL carries its token in the path
_WEBHOOK_HOSTS = frozenset({"hooks.slack.com", "discord.com", "discordapp.com", "open.feishu.cn", "oapi.dingtalk.com",
                            "qyapi.weixin.qq.com", "outlook.office.com"})  # fmt: skip


def _literal_path(host: str, path: str) -> bool:
    """True when a credential-bearing host or path segment is written in clear (not a ${NAME} reference)."""
    segments = [host, *path.split("/")] if host else path.split("/")
    return any(segment and not ENV_REF.fullmatch(segment) for segment in segments if len(segment) >= 4)


def _masked(url: str) -> str:
    return url.split("://", 1)[0] + "://…" if "://" in url else "URL"


def url_environment_names(url: SecretRef | str) -> list[str]:
    """The environment variables a target URL refers to."""
    return [url.env] if isinstance(url, SecretRef) else ENV_REF.findall(url)


class DeliveryConfig(Strict):
    """How the outbox retries: exponential backoff from `retry_base` up to `retry_max`, giving up after a while."""

    retry_base: Duration = timedelta(seconds=30)
    retry_max: Duration = timedelta(hours=1)
    give_up_after: Duration = timedelta(days=7)
    interval: Duration = timedelta(seconds=30)  # how often the daemon ticks alerts and flushes the outbox
    lease: Duration = timedelta(minutes=5)
    timeout: Duration = timedelta(seconds=30)
    #: the first retry after a timeout (the receiver may have the message): longer than a failure's
    unknown_retry: Duration = timedelta(minutes=10)
    batch: int = Field(default=200, ge=1, le=10_000)


class QualityConfig(Strict):
    """The data-quality gate: a point outside its kind's bounds, or this far from the series' last accepted one,
    is quarantined, not alerted on."""

    enabled: bool = True
    max_ratio: Decimal = Field(default=Decimal(10), gt=1)
    traffic_max_ratio: Decimal = Field(default=Decimal(100), gt=1)
    # A new level seen twice in a row (within this fraction) is real: the second point is accepted.
    confirm_tolerance: Decimal = Field(default=Decimal("0.2"), ge=0, lt=1)
    #: `[alerts.quality.bounds]`: values no real source publishes (also applied by `aipulse verify`)
    bounds: BoundsConfig = Field(default_factory=BoundsConfig)

    @model_validator(mode="before")
    @classmethod
    def _moved_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and "max_amount_usd" in data:
            raise ValueError("max_amount_usd: moved to [alerts.quality.bounds] funding_usd_max (default 200e9 USD)")
        return data

"""The `[report]` section of aipulse.toml: when the weekly report is made, in which language, and who gets it."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["FORMATS", "LANGUAGES", "Format", "ReportConfig"]

Format = Literal["html", "md", "pdf"]

LANGUAGES = ("zh", "en")
FORMATS = ("html", "md", "pdf")


class ReportConfig(BaseModel):
    """`[report]`: the scheduled weekly report (targets are names from `[alerts.targets]`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    #: when the daemon makes and sends last week's report (default: Monday 08:00)
    cron: str = "0 8 * * 1"
    #: the zone of the cron and of the week's boundaries (Monday 00:00 to Monday 00:00)
    timezone: str = "Asia/Shanghai"
    language: Literal["zh", "en"] = "zh"
    targets: list[str] = Field(default_factory=list)
    formats: list[Format] = Field(default_factory=lambda: list[Format](["html", "pdf"]))
    #: where report files are written; a relative path sits beside the config file
    out_dir: str = "reports"
    #: GPU models in the GPU table and chart (canonical names such as "H100-80G"); empty: every model stored
    gpu_models: list[str] = Field(default_factory=list)
    #: leave out funding rounds the sources marked as not AI-related
    funding_ai_only: bool = True

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Asia/Shanghai)") from None
        return value

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, value: str) -> str:
        from core.cron import crontab_trigger

        try:
            crontab_trigger(value)
        except ValueError as exc:
            raise ValueError(f"cron {value!r} is not a crontab expression: {exc}") from None
        return value

    @field_validator("formats")
    @classmethod
    def _some_format(cls, value: list[Format]) -> list[Format]:
        if not value:
            raise ValueError('give at least one format: "html", "md" or "pdf"')
        return list(dict.fromkeys(value))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

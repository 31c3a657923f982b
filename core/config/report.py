"""The `[report]` section of aipulse.toml: when the weekly report is made, in which language, and who gets it."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from core.config.base import Strict, check_cron, check_timezone

__all__ = ["FORMATS", "LANGUAGES", "Format", "ReportConfig"]

Format = Literal["html", "md", "pdf"]

LANGUAGES = ("zh", "en")
FORMATS = ("html", "md", "pdf")


class ReportConfig(Strict):
    """`[report]`: the scheduled weekly report (targets are names from `[alerts.targets]`)."""

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

    _tz = field_validator("timezone")(check_timezone)
    _cron = field_validator("cron")(check_cron)

    @field_validator("formats")
    @classmethod
    def _some_format(cls, value: list[Format]) -> list[Format]:
        if not value:
            raise ValueError('give at least one format: "html", "md" or "pdf"')
        return list(dict.fromkeys(value))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

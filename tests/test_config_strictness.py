"""A config value is taken as written: no bool read from text, no number from quotes, no runaway cadence."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import parse_config
from core.secrets import ConfigError
from monitor.cli import main
from spiders.settings_check import default_kinds, settings_problems

PATH = Path("aipulse.toml")


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, PATH)
    return str(caught.value)


@pytest.mark.parametrize(
    ("toml", "where", "says"),
    [
        ('[sources.azure_gpu]\nevery = "1h"\nenabled = "yes"\n', "sources.azure_gpu", "enabled must be true or false"),
        ('[alerts]\nenabled = "n"\n', "alerts", "enabled must be true or false, not 'n'"),
        ('[daemon]\nrun_at_start = "off"\n', "daemon", "run_at_start must be true or false"),
        ('[daemon]\nmax_concurrent_crawls = "2"\n', "daemon", "max_concurrent_crawls must be a whole number"),
        ("[daemon]\nmax_concurrent_crawls = true\n", "daemon", "max_concurrent_crawls must be a whole number"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_its_key(toml: str, where: str, says: str) -> None:
    message = _error(toml)
    assert f"{where}: " in message and says in message, message


def test_a_value_of_the_right_type_still_reads() -> None:
    config = parse_config("[daemon]\nmax_concurrent_crawls = 3\nrun_at_start = false\n", PATH)
    assert (config.daemon.max_concurrent_crawls, config.daemon.run_at_start) == (3, False)


def test_a_cadence_under_a_second_is_refused() -> None:
    message = _error('[sources.azure_gpu]\nevery = "1ms"\n')
    assert "sources.azure_gpu.every" in message and "too often" in message, message


def test_a_file_that_is_not_utf8_names_the_line_instead_of_a_traceback() -> None:
    data = '[database]\nurl = "sqlite:///x.db"\n# 价格\n'.encode("gbk")
    with pytest.raises(ConfigError, match=r"aipulse.toml: line 3: not UTF-8 .*save the file as UTF-8"):
        parse_config(data, PATH)


def test_a_scrapy_setting_scrapy_cannot_read_fails_at_start_naming_source_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "aipulse.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/a.db"\n\n'
        '[sources.azure_gpu]\nevery = "1h"\nsettings = { DOWNLOAD_DELAY = "abc" }\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "status"]) == 2
    err = capsys.readouterr().err
    assert "sources.azure_gpu.settings: DOWNLOAD_DELAY = 'abc': Scrapy expects a number here" in err, err


def test_a_scrapy_setting_written_as_text_scrapy_reads_is_accepted() -> None:
    assert settings_problems({"DOWNLOAD_DELAY": "1.5", "RETRY_ENABLED": "false", "MY_EXTENSION_KNOB": "x"}) == []
    assert settings_problems({"CONCURRENT_REQUESTS": True, "COOKIES_ENABLED": "maybe"}) == [
        "CONCURRENT_REQUESTS = True: Scrapy expects a number here",
        "COOKIES_ENABLED = 'maybe': Scrapy expects true or false here",
    ]


def test_the_default_kinds_read_from_scrapys_source_are_those_of_its_imported_defaults() -> None:
    from scrapy.settings import default_settings

    imported = {
        name: type(value)
        for name in dir(default_settings)
        if name.isupper() and isinstance(value := getattr(default_settings, name), bool | int | float)
    }
    assert default_kinds() == imported

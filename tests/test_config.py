"""aipulse.toml: strict validation with file, key and reason; secrets as env references; where config and DB are."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.config import (
    BUNDLED_CONFIG,
    AppConfig,
    ConfigError,
    RedactSecrets,
    SecretRef,
    check_secrets,
    check_sources,
    crawl_config,
    crawl_database_url,
    find_config_path,
    load_config,
    redact,
)
from monitor.crawling import spider_classes

SCHEDULED = '[sources.azure_gpu]\nevery = "6h"\n'
TOKEN_ENV = "AIPULSE_TEST_TOKEN"


def unique_secret(prefix: str = "s3cret") -> str:
    """A value no other log line contains: resolved secrets stay masked for the whole process."""
    return f"{prefix}-{uuid.uuid4().hex}"


def _load(tmp_path: Path, text: str) -> AppConfig:
    path = tmp_path / "aipulse.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


# --- the bundled configuration ---------------------------------------------------------------------


def test_bundled_config_validates_with_azure_gpu_enabled_on_a_schedule() -> None:
    config = load_config(BUNDLED_CONFIG)
    section = config.sources["azure_gpu"]
    assert section.enabled
    assert section.every == timedelta(hours=6)
    assert section.cron is None
    check_sources(config, spider_classes())


def test_without_any_config_file_the_bundled_one_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config().path == BUNDLED_CONFIG
    assert load_config(fallback_to_bundled=False) == AppConfig()


# --- typos and bad values: file, dotted key, reason ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[sources.azure_gpu]\nevry = "1h"\n', "sources.azure_gpu.evry"),
        ("[daemon]\nmax_concurent_crawls = 2\n", "daemon.max_concurent_crawls"),
        ('[databse]\nurl = "sqlite:///x.db"\n', "databse"),
        ('[browser]\npage_timout = "1m"\n', "browser.page_timout"),
        ('[sources.azure_gpu]\nevery = "1h"\nsecrets = { token = { env = "X", value = "y" } }\n',
         "sources.azure_gpu.secrets.token.value"),
    ],
)  # fmt: skip
def test_unknown_key_is_refused_with_file_and_dotted_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert str((tmp_path / "aipulse.toml").resolve()) in message
    assert f"{key}: unknown key" in message


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ('[sources.azure_gpu]\nevery = "soon"\n', "sources.azure_gpu.every", "is not a duration"),
        ("[sources.azure_gpu]\nevery = 5\n", "sources.azure_gpu.every", "write durations as text"),
        ('[sources.azure_gpu]\ncron = "61 * * * *"\n', "sources.azure_gpu.cron", "not a crontab expression"),
        ('[sources.azure_gpu]\nevery = "1h"\ntimezone = "Mars/Base"\n', "sources.azure_gpu.timezone",
         "unknown time zone 'Mars/Base'"),
        ('[sources.azure_gpu]\nevery = "1h"\ncron = "0 * * * *"\n', "sources.azure_gpu", "not both"),
        ('[sources.azure_gpu]\njitter = "5m"\n', "sources.azure_gpu", "enabled source needs a schedule"),
        ('[sources.azure_gpu]\nevery = "1h"\nendpoint = "ftp://x"\n', "sources.azure_gpu.endpoint",
         "must be an http:// or https:// URL"),
        ("[daemon]\nmax_concurrent_crawls = 0\n", "daemon.max_concurrent_crawls", "greater than or equal to 1"),
        ('[daemon]\nlog_level = "LOUD"\n', "daemon.log_level", "DEBUG"),
        ('[sources.azure_gpu]\nevery = "1h"\nsettings = { download_delay = 1 }\n', "sources.azure_gpu.settings",
         "not a Scrapy setting name"),
    ],
)  # fmt: skip
def test_bad_value_is_refused_naming_key_and_reason(tmp_path: Path, text: str, key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert str((tmp_path / "aipulse.toml").resolve()) in message
    assert f"\n  {key}: " in message
    assert reason in message


def test_disabled_source_needs_no_schedule(tmp_path: Path) -> None:
    config = _load(tmp_path, "[sources.azure_gpu]\nenabled = false\n")
    assert not config.sources["azure_gpu"].enabled


def test_cron_schedule_in_a_time_zone_is_accepted(tmp_path: Path) -> None:
    config = _load(tmp_path, '[sources.azure_gpu]\ncron = "0 8 * * 1"\ntimezone = "Asia/Shanghai"\n')
    assert config.sources["azure_gpu"].cron == "0 8 * * 1"


def test_invalid_toml_is_refused_with_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, '[sources.azure_gpu\nevery = "1h"\n')
    assert str((tmp_path / "aipulse.toml").resolve()) in str(caught.value)
    assert "not valid TOML" in str(caught.value)


# --- secrets ---------------------------------------------------------------------------------------


def test_literal_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, SCHEDULED + 'secrets = { token = "literal" }\n')
    assert "sources.azure_gpu.secrets.token" in str(caught.value)
    assert "never literals" in str(caught.value)
    assert "'literal'" not in str(caught.value)


@pytest.mark.parametrize("written", ['{ env = "AIPULSE_TEST_TOKEN" }', '"${AIPULSE_TEST_TOKEN}"'])
def test_secret_written_as_env_reference_is_accepted(tmp_path: Path, written: str) -> None:
    config = _load(tmp_path, SCHEDULED + f"secrets = {{ token = {written} }}\n")
    assert config.sources["azure_gpu"].secrets == {"token": SecretRef(env=TOKEN_ENV)}


def test_secrets_for_resolves_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    value = unique_secret()
    monkeypatch.setenv(TOKEN_ENV, value)
    config = _load(tmp_path, SCHEDULED + 'secrets = { token = "${AIPULSE_TEST_TOKEN}" }\n')
    assert config.secrets_for("azure_gpu") == {"token": value}
    assert config.secrets_for("not_configured") == {}


def test_repr_of_config_never_shows_a_resolved_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    value = unique_secret()
    monkeypatch.setenv(TOKEN_ENV, value)
    config = _load(tmp_path, SCHEDULED + 'secrets = { token = { env = "AIPULSE_TEST_TOKEN" } }\n')
    config.secrets_for("azure_gpu")
    for shown in (repr(config), str(config), repr(config.sources["azure_gpu"]), config.model_dump_json()):
        assert value not in shown
    assert TOKEN_ENV in repr(config)


def test_unset_secret_variable_is_a_config_error_naming_it(tmp_path: Path) -> None:
    config = _load(tmp_path, SCHEDULED + 'secrets = { token = "${AIPULSE_TEST_TOKEN}" }\n')
    with pytest.raises(ConfigError, match=TOKEN_ENV):
        config.secrets_for("azure_gpu")


def test_check_secrets_fails_at_start_for_enabled_source_with_unset_variable(tmp_path: Path) -> None:
    config = _load(tmp_path, SCHEDULED + 'secrets = { token = "${AIPULSE_TEST_TOKEN}" }\n')
    with pytest.raises(ConfigError) as caught:
        check_secrets(config)
    assert "sources.azure_gpu.secrets.token" in str(caught.value)
    assert TOKEN_ENV in str(caught.value)


def test_check_secrets_ignores_disabled_source_and_passes_when_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disabled = _load(tmp_path, '[sources.azure_gpu]\nenabled = false\nsecrets = { token = "${AIPULSE_TEST_TOKEN}" }\n')
    check_secrets(disabled)
    monkeypatch.setenv(TOKEN_ENV, unique_secret())
    check_secrets(_load(tmp_path, SCHEDULED + 'secrets = { token = "${AIPULSE_TEST_TOKEN}" }\n'))


# --- log redaction ---------------------------------------------------------------------------------


@pytest.fixture
def redacted_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger(f"aipulse.test_redact.{uuid.uuid4().hex}")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_resolved_secret_is_masked_in_log_records(
    monkeypatch: pytest.MonkeyPatch, redacted_log: tuple[logging.Logger, io.StringIO]
) -> None:
    logger, stream = redacted_log
    value = unique_secret()
    monkeypatch.setenv(TOKEN_ENV, value)
    SecretRef(env=TOKEN_ENV).resolve()
    logger.info("calling the API with token=%s", value)
    logger.info("header Authorization: Bearer " + value)
    assert value not in stream.getvalue()
    assert stream.getvalue().splitlines() == ["calling the API with token=***", "header Authorization: Bearer ***"]
    assert redact(f"url?key={value}") == "url?key=***"


def test_resolved_secret_is_masked_in_a_logged_exception(
    monkeypatch: pytest.MonkeyPatch, redacted_log: tuple[logging.Logger, io.StringIO]
) -> None:
    logger, stream = redacted_log
    value = unique_secret()
    monkeypatch.setenv(TOKEN_ENV, value)
    SecretRef(env=TOKEN_ENV).resolve()
    try:
        raise RuntimeError(f"401 for token {value}")
    except RuntimeError:
        logger.exception("request failed")
    assert value not in stream.getvalue()


# --- the database URL ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:pw@h/db",
        "postgresql+psycopg://aipulse:hunter2@127.0.0.1:5432/aipulse",
        "mysql+pymysql://:pw@h/db",
    ],
)
def test_database_url_with_literal_password_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, f'[database]\nurl = "{url}"\n')
    assert "database.url" in str(caught.value)
    assert "password" in str(caught.value)


def test_database_url_with_password_in_query_string_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        _load(tmp_path, '[database]\nurl = "postgresql+psycopg://u@127.0.0.1/db?password=hunter2"\n')


@pytest.mark.parametrize("written", ['"${AIPULSE_TEST_DB}"', '{ env = "AIPULSE_TEST_DB" }'])
def test_database_url_reference_resolves_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    url = f"postgresql+psycopg://aipulse:{unique_secret('pw')}@127.0.0.1:5432/aipulse"
    monkeypatch.setenv("AIPULSE_TEST_DB", url)
    config = _load(tmp_path, f"[database]\nurl = {written}\n")
    assert config.database.url == SecretRef(env="AIPULSE_TEST_DB")
    assert config.database_url() == url
    assert url not in repr(config)


def test_database_url_reference_unset_names_the_variable(tmp_path: Path) -> None:
    config = _load(tmp_path, '[database]\nurl = "${AIPULSE_TEST_DB}"\n')
    with pytest.raises(ConfigError, match="AIPULSE_TEST_DB"):
        config.database_url()


def test_aipulse_database_url_overrides_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    config = _load(tmp_path, '[database]\nurl = "sqlite:///elsewhere.db"\n')
    monkeypatch.setenv("AIPULSE_DATABASE_URL", sqlite_url)
    assert config.database_url() == sqlite_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/aipulse.db", "sqlite:///{dir}/data/aipulse.db"),
        ("sqlite:///aipulse.db", "sqlite:///{dir}/aipulse.db"),
        ("sqlite:////var/lib/aipulse.db", "sqlite:////var/lib/aipulse.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql+psycopg://u@127.0.0.1/db", "postgresql+psycopg://u@127.0.0.1/db"),
    ],
)
def test_relative_sqlite_path_is_anchored_beside_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    config_dir = tmp_path / "etc"
    config_dir.mkdir()
    monkeypatch.chdir(tmp_path)
    (config_dir / "aipulse.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    config = load_config(config_dir / "aipulse.toml")
    assert config.database_url() == expected.format(dir=config_dir.resolve())


def test_bundled_config_sqlite_path_stays_relative_to_the_working_directory() -> None:
    assert load_config(BUNDLED_CONFIG).database_url() == "sqlite:///data/aipulse.db"


def test_relative_sqlite_path_with_driver_is_anchored_beside_the_config_file(tmp_path: Path) -> None:
    config = _load(tmp_path, '[database]\nurl = "sqlite+pysqlite:///data/aipulse.db"\n')
    assert config.database_url() == f"sqlite+pysqlite:///{tmp_path.resolve()}/data/aipulse.db"


# --- finding the config file -----------------------------------------------------------------------


def test_explicit_config_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(ConfigError) as caught:
        find_config_path(missing)
    assert str(missing) in str(caught.value)
    assert "--config" in str(caught.value)


def test_aipulse_config_that_does_not_exist_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIPULSE_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="AIPULSE_CONFIG"):
        find_config_path()


def test_aipulse_config_is_used_when_no_explicit_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "aipulse.toml").write_text(SCHEDULED, encoding="utf-8")
    chosen = tmp_path / "chosen.toml"
    chosen.write_text(SCHEDULED, encoding="utf-8")
    monkeypatch.setenv("AIPULSE_CONFIG", str(chosen))
    assert find_config_path() == chosen.resolve()


def test_explicit_path_wins_over_aipulse_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = tmp_path / "explicit.toml"
    explicit.write_text(SCHEDULED, encoding="utf-8")
    monkeypatch.setenv("AIPULSE_CONFIG", str(tmp_path / "missing.toml"))
    assert find_config_path(explicit) == explicit.resolve()


def test_aipulse_toml_in_the_working_directory_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "aipulse.toml").write_text(SCHEDULED, encoding="utf-8")
    assert find_config_path() == (tmp_path / "aipulse.toml").resolve()


def test_no_config_anywhere_finds_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_config_path() is None
    assert crawl_config() is None


def test_crawl_config_reads_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "aipulse.toml").write_text(SCHEDULED, encoding="utf-8")
    config = crawl_config()
    assert config is not None
    assert config.path == (tmp_path / "aipulse.toml").resolve()


def test_crawl_database_url_is_none_without_file_or_env(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> None:
    assert crawl_database_url(None) is None
    monkeypatch.setenv("AIPULSE_DATABASE_URL", sqlite_url)
    assert crawl_database_url(None) == sqlite_url


def test_crawl_database_url_follows_the_config(tmp_path: Path, sqlite_url: str) -> None:
    config = _load(tmp_path, f'[database]\nurl = "{sqlite_url}"\n')
    assert crawl_database_url(config) == sqlite_url


# --- sources ---------------------------------------------------------------------------------------


def test_unknown_source_section_is_refused_listing_known_sources(tmp_path: Path) -> None:
    config = _load(tmp_path, '[sources.nope]\nevery = "1h"\n')
    with pytest.raises(ConfigError) as caught:
        check_sources(config, spider_classes())
    message = str(caught.value)
    assert str((tmp_path / "aipulse.toml").resolve()) in message
    assert "sources.nope: unknown source" in message
    assert "azure_gpu" in message


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("", {}),
        ('endpoint = "http://127.0.0.1:8080/api"', {"endpoint": "http://127.0.0.1:8080/api"}),
        ('args = { regions = ["eastus", "westus2"] }', {"regions": "eastus,westus2"}),
        ("args = { spot = true, preview = false }", {"spot": "true", "preview": "false"}),
        ('args = { max_pages = 3, ratio = 1.5, name = "x" }', {"max_pages": "3", "ratio": "1.5", "name": "x"}),
        ('endpoint = "https://e.test/p"\nargs = { max_pages = 2 }', {"max_pages": "2", "endpoint": "https://e.test/p"}),
    ],
)
def test_spider_args_give_endpoint_and_args_as_text(tmp_path: Path, lines: str, expected: dict[str, str]) -> None:
    config = _load(tmp_path, SCHEDULED + lines + "\n")
    assert config.sources["azure_gpu"].spider_args() == expected


def test_spider_args_leave_secrets_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, unique_secret())
    config = _load(tmp_path, SCHEDULED + 'secrets = { token = "${AIPULSE_TEST_TOKEN}" }\n')
    assert config.sources["azure_gpu"].spider_args() == {}


def _fx_config(tmp_path: Path, text: str) -> AppConfig:
    path = tmp_path / "aipulse.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_one_fx_table_converts_for_views_and_for_the_alerts(tmp_path: Path) -> None:
    config = _fx_config(tmp_path, '[fx]\nbase = "CNY"\nrates = { USD = 7.10, HKD = 0.91 }\ndate = "2026-11-20"\n')
    assert config.fx.convert(Decimal(1), "USD", "CNY") == Decimal("7.10")
    assert config.alerts.fx_to_usd["CNY"] == Decimal(1) / Decimal("7.10")
    assert config.alerts.fx_to_usd["HKD"] == Decimal("0.91") / Decimal("7.10")
    assert config.alerts.fx_to_usd["EUR"] == Decimal("1.08")  # not configured: the rough table, for funding only


def test_the_old_fx_keys_are_read_into_fx_with_a_deprecation_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = (
        '[gpu]\nfx_base = "CNY"\nfx = { USD = 7.10 }\nfx_date = "2026-11-01"\n\n[alerts]\nfx_to_usd = { EUR = 1.10 }\n'
    )
    with caplog.at_level("WARNING", logger="core.config"):
        config = _fx_config(tmp_path, text)
    assert (config.fx.base, config.fx.rates["USD"], config.fx.date) == ("CNY", Decimal("7.10"), "2026-11-01")
    assert config.fx.rates["EUR"] == Decimal("1.10") / Decimal("0.14")  # into CNY through the rough CNY rate
    assert "[gpu] fx_base/fx/fx_date are deprecated" in caplog.text
    assert "[alerts] fx_to_usd is deprecated" in caplog.text


def test_gpu_section_without_fx_keys_is_still_an_unknown_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="gpu: unknown key"):
        _fx_config(tmp_path, "[gpu]\nfoo = 1\n")


def test_a_bad_old_fx_key_is_reported_where_it_now_lives(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"fx\.rates: 'yuan' is not an ISO 4217 currency code"):
        _fx_config(tmp_path, "[alerts.fx_to_usd]\nyuan = 0.14\n")


def test_a_config_built_in_code_compares_at_its_own_fx_table() -> None:
    config = AppConfig.model_validate({"fx": {"base": "USD", "rates": {"CNY": "0.125"}}})
    assert config.alerts.fx_to_usd["CNY"] == Decimal("0.125")
    assert AppConfig().alerts.fx_to_usd["CNY"] == Decimal("0.14")

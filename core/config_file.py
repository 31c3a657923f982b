"""Where the configuration file is and the error a bad one raises: no pydantic, no SQLAlchemy.

Split from `core.config` so a command that only needs to know which file is in use (`aipulse status` asking the
running daemon) does not pay for importing the models that validate it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CONFIG_ENV", "DATABASE_ENV", "DEFAULT_CONFIG_NAME", "ConfigError", "find_config_path"]

CONFIG_ENV = "AIPULSE_CONFIG"
DATABASE_ENV = "AIPULSE_DATABASE_URL"
DEFAULT_CONFIG_NAME = "aipulse.toml"


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the file, the key and the reason."""


def find_config_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file in use: --config, then AIPULSE_CONFIG, then ./aipulse.toml; None when there is none."""
    for candidate, source in ((explicit, "--config"), (os.environ.get(CONFIG_ENV), CONFIG_ENV)):
        if candidate:
            path = Path(candidate)
            if not path.is_file():
                raise ConfigError(f"{path}: no such configuration file (from {source})")
            return path.resolve()
    local = Path.cwd() / DEFAULT_CONFIG_NAME
    return local.resolve() if local.is_file() else None

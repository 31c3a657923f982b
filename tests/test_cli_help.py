"""`--help` works for every aipulse command and subcommand (help text is %-formatted by argparse)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator

import pytest

from monitor.cli import build_parser, command_named, main


def _command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _command_paths(sub, (*prefix, name))


PATHS = sorted(set(_command_paths(build_parser())))


def test_the_command_tree_is_walked() -> None:
    assert ("show", "market") in PATHS and ("alerts",) in PATHS and len(PATHS) > 10


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "aipulse")
def test_help_prints_and_exits_zero(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*path, "--help"])
    assert exited.value.code == 0
    assert "usage: aipulse" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--config", "x.toml", "init"], ["init", "--config", "x.toml"]])
def test_config_is_accepted_before_and_after_the_subcommand(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).config == "x.toml"


def test_log_level_after_a_nested_subcommand_and_the_global_one_kept() -> None:
    args = build_parser().parse_args(["--config", "a.toml", "show", "gpu", "--log-level", "DEBUG"])
    assert (args.config, args.log_level) == ("a.toml", "DEBUG")
    assert build_parser().parse_args(["status"]).config is None


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("aipulse 0.1.0")


def test_the_top_level_help_without_the_commands_imported_is_the_full_one() -> None:
    assert build_parser(only="").format_help() == build_parser().format_help()


@pytest.mark.parametrize(
    ("argv", "command"),
    [(["--config", "status", "show", "gpu"], "show"), (["--log-level", "DEBUG", "status"], "status"),
     (["--help"], ""), (["nonsense"], ""), (["report", "weekly"], "report")],
)  # fmt: skip
def test_the_command_is_found_after_the_global_options(argv: list[str], command: str) -> None:
    assert command_named(argv) == command


def test_help_imports_no_command_module() -> None:
    code = "import sys\ntry:\n    __import__('monitor.cli').cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
    heavy = "('sqlalchemy', 'scrapy', 'pydantic', 'alembic')"
    code += f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"

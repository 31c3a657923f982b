"""`--help` works for every aipulse command and subcommand (help text is %-formatted by argparse)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from monitor.cli import build_parser, main


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

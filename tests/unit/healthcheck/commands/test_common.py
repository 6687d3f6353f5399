"""Every way a command can end maps to a documented exit code; a crash never reaches the terminal as a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from healthcheck.commands.common import EXIT_INTERNAL, EXIT_USAGE, guarded, parse_gate_overrides
from healthcheck.errors import ConfigError, UsageError


def test_a_bug_becomes_exit_3_with_the_traceback_in_a_log(capsys: pytest.CaptureFixture[str]) -> None:
    def body() -> int:
        raise RuntimeError("the graph exploded")

    assert guarded(body) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "Traceback" not in err
    match = re.fullmatch(r"healthcheck: internal error \(RuntimeError\); details in (\S+)\n", err)
    assert match is not None, err
    log = Path(match.group(1)).read_text()
    assert "Traceback" in log and "the graph exploded" in log


@pytest.mark.parametrize("error", [UsageError("no such path"), ConfigError("bad threshold")])
def test_usage_and_configuration_errors_are_one_line_and_exit_2(
    error: UsageError, capsys: pytest.CaptureFixture[str]
) -> None:
    def body() -> int:
        raise error

    assert guarded(body) == EXIT_USAGE
    assert capsys.readouterr().err == f"healthcheck: error: {error}\n"


def test_interrupt_is_130(capsys: pytest.CaptureFixture[str]) -> None:
    def body() -> int:
        raise KeyboardInterrupt

    assert guarded(body) == 130
    assert capsys.readouterr().err == "healthcheck: interrupted\n"


def test_gate_overrides_are_numbers() -> None:
    assert parse_gate_overrides(["max_import_cycles=2", "min_coverage=85.5"]) == {
        "max_import_cycles": 2,
        "min_coverage": 85.5,
    }

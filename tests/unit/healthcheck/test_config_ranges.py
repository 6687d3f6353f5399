"""Every number in the configuration has a range, checked when it loads; hostile files are refused in one line.

The options are the real checks' own declarations, so a check that adds a
number without a range, or a range that lets a hang through, fails here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from healthcheck.checks import all_checks
from healthcheck.config import load_config
from healthcheck.errors import ConfigError

CHECKS = all_checks()
GATES = {g.name: (g.low, g.high) for c in CHECKS for g in c.gates}
OPTIONS = {c.name: c.options for c in CHECKS if c.options}


def _load(root: Path, toml: str) -> None:
    (root / "pyproject.toml").write_text(toml)
    load_config(root, GATES, OPTIONS)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[tool.healthcheck]\ntimeout = -1\n", "timeout = -1 is out of range (0.001 to 604800)"),
        ("[tool.healthcheck]\ntimeout = 0\n", "timeout = 0 is out of range"),
        ("[tool.healthcheck]\ntimeout = nan\n", "timeout must be a finite number, got nan"),
        ("[tool.healthcheck]\ntimeout = inf\n", "timeout must be a finite number, got inf"),
        ("[tool.healthcheck]\nmax_import_cycles = nan\n", "max_import_cycles must be a finite number"),
        ("[tool.healthcheck]\nmin_coverage = -inf\n", "min_coverage must be a finite number"),
        ("[tool.healthcheck.import-failure]\nworkers = 0\n", "workers = 0 is out of range (1 to 64)"),
        ("[tool.healthcheck.import-failure]\nworkers = 100000\n", "workers = 100000 is out of range"),
        ("[tool.healthcheck.import-failure]\nmodule_timeout = 0\n", "module_timeout = 0 is out of range"),
        ("[tool.healthcheck.import-failure]\ntimeout = -5\n", "timeout = -5 is out of range"),
        ("[tool.healthcheck.test-suite]\nreruns = 1000000\n", "reruns = 1000000 is out of range (0 to 10)"),
        ("[tool.healthcheck.test-suite]\nreruns = -1\n", "reruns = -1 is out of range"),
        ("[tool.healthcheck.test-suite]\ntimeout = nan\n", "timeout must be a finite number"),
        ("[tool.healthcheck.test-suite]\nfile_threshold = 101\n", "file_threshold = 101 is out of range"),
        ("[tool.healthcheck.type-error]\ntimeout = -0.5\n", "timeout = -0.5 is out of range"),
        ("[tool.healthcheck.import-cycle]\nmax_cycles_per_component = 0\n", "is out of range (1 to"),
        ("[tool.healthcheck.duplicates]\nmin_lines = -1\n", "min_lines = -1 is out of range (0 to"),
        ("[tool.healthcheck.duplicates]\nimplementation_similarity = nan\n", "must be a finite number"),
        ("a = " + "9" * 5000 + "\n", "not valid TOML"),
        ("a = " + "[" * 100_000 + "\n", "not valid TOML"),
    ],
)
def test_a_number_out_of_its_range_is_one_line(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, toml)
    assert message in str(info.value)
    assert "\n" not in str(info.value) and len(str(info.value)) < 400


def test_every_number_a_check_takes_has_a_range_that_holds_its_default() -> None:
    for check, options in OPTIONS.items():
        for name, spec in options.items():
            numeric = spec.type in (int, float) or spec.type == (int, float)
            if numeric:
                assert spec.high < 1e10, (check, name)
                assert spec.default is None or spec.low <= spec.default <= spec.high, (check, name)


def test_values_in_range_load(tmp_path: Path) -> None:
    _load(
        tmp_path,
        "[tool.healthcheck]\ntimeout = 0.5\n[tool.healthcheck.import-failure]\nworkers = 1\nmodule_timeout = 0.5\n"
        "[tool.healthcheck.test-suite]\nreruns = 10\n",
    )


def test_a_pyproject_that_is_a_fifo_a_device_or_huge_is_refused_in_one_line(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    os.mkfifo(pyproject)
    with pytest.raises(ConfigError, match=r"cannot read .*pyproject.toml: not a regular file \(a FIFO\)$"):
        load_config(tmp_path, GATES, OPTIONS)
    pyproject.unlink()
    pyproject.symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match=r"not a regular file \(a character device\)$"):
        load_config(tmp_path, GATES, OPTIONS)
    pyproject.unlink()
    with pyproject.open("wb") as fh:  # sparse: 5 MiB on paper, nothing on disk
        fh.truncate(5 * 1024 * 1024)
    with pytest.raises(ConfigError, match=r"larger than 4096 KiB"):
        load_config(tmp_path, GATES, OPTIONS)
    pyproject.write_bytes(b"[tool.healthcheck]\nexclude = ['\xff']\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path, GATES, OPTIONS)

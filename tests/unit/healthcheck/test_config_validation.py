"""``[tool.healthcheck]``: defaults without it, strict validation with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthcheck.config import OptionSpec, load_config
from healthcheck.errors import ConfigError

GATES = {"max_import_cycles": (0.0, 1e12), "min_coverage": (0.0, 100.0)}
OPTIONS = {"import-cycle": {"max_cycles_per_component": OptionSpec(int, 50)}}


def _load(tmp_path: Path, toml: str, overrides: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    (tmp_path / "pyproject.toml").write_text(toml)
    return load_config(tmp_path, GATES, OPTIONS, overrides)


def test_no_pyproject_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path, GATES, OPTIONS)
    assert config.thresholds == {} and config.exclude == () and config.tests is False


def test_values_are_read_and_overrides_win(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        '[tool.healthcheck]\nexclude = ["gen"]\nmax_import_cycles = 3\ntests = true\n'
        "[tool.healthcheck.import-cycle]\nmax_cycles_per_component = 5\n",
        {"max_import_cycles": 1},
    )
    assert config.exclude == ("gen",)
    assert config.thresholds == {"max_import_cycles": 1.0}
    assert config.tests is True
    assert config.option("import-cycle", "max_cycles_per_component", 50) == 5


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[tool.healthcheck\n", "not valid TOML"),
        ('[tool.healthcheck]\nmax_import_cycles = "zero"\n', "max_import_cycles must be int or float, got str"),
        ("[tool.healthcheck]\nmax_import_cycles = true\n", "must be int or float, not a boolean"),
        ("[tool.healthcheck]\nmin_coverage = 140\n", "min_coverage = 140 is out of range (0 to 100)"),
        ("[tool.healthcheck]\nmax_imprt_cycles = 0\n", "max_imprt_cycles is not a known setting"),
        ("[tool.healthcheck]\nexclude = [1]\n", "exclude must be a list of strings"),
        ("[tool.healthcheck.import-cycle]\nlimit = 3\n", "limit is not an option of import-cycle"),
        ('[tool.healthcheck.import-cycle]\nmax_cycles_per_component = "9"\n', "must be int"),
        ("[tool]\nhealthcheck = 3\n", "[tool.healthcheck] must be a table"),
    ],
)
def test_bad_configuration_is_one_clear_error(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, toml)
    assert message in str(info.value)
    assert "\n" not in str(info.value).strip()

"""``[tool.healthcheck]`` of the scanned repository's pyproject.toml -> :class:`Config`.

No configuration is needed: every value has a default that suits a plain
repository. What *is* written is validated strictly, because a typo in a gate
threshold that silently falls back to the default is a gate nobody enforces.

Gate thresholds are top-level keys named after the gate (``max_import_cycles =
0``). Options of one check live in a sub-table named after the check
(``[tool.healthcheck.duplicates] min_lines = 8``); each check declares which
options it takes, of which type and, for numbers, in which range, and
:func:`load_config` checks them all when the configuration loads: a negative
timeout, a NaN similarity or a million reruns is one line and exit 2, never a
hang or a ``ValueError`` halfway through a scan.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from healthcheck.cache_store import user_cache_home
from healthcheck.errors import ConfigError
from healthcheck.regular_file import CONFIG_LIMIT, read_regular_text
from healthcheck.supervision import Limits

# Keys of [tool.healthcheck] that are not gate thresholds or check tables.
GENERAL_KEYS: Mapping[str, type | tuple[type, ...]] = {
    "include": list,
    "exclude": list,
    "source_roots": list,
    "test_dirs": list,
    "cache_dir": str,
    "tests": bool,
    "python": str,
    "import_check": bool,
    "timeout": (int, float),
    "memory_limit_mib": int,
    "cpu_limit": int,
    "process_limit": int,
}
# The range of each number among them: the scan's time limit is more than nothing and at most a week; the
# limits of every process that runs the repository's code (healthcheck.supervision) from a tight sandbox to a
# big machine.
GENERAL_RANGES: Mapping[str, tuple[float, float]] = {
    "timeout": (0.001, 604800.0),
    "memory_limit_mib": (64, 1 << 22),
    "cpu_limit": (1, 604800),
    "process_limit": (8, 100000),
}


@dataclass(frozen=True)
class OptionSpec:
    """One option a check accepts in its ``[tool.healthcheck.<check>]`` table."""

    type: type | tuple[type, ...]
    default: Any
    help: str = ""
    low: float = 0.0  # a number's range, both ends included; every number has one
    high: float = 1e9


@dataclass(frozen=True)
class Config:
    """What the scanned repository asked for, validated."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    source_roots: tuple[str, ...] = ()
    test_dirs: tuple[str, ...] = ()
    cache_dir: str | None = None
    tests: bool = False
    python: str | None = None
    import_check: bool = True
    timeout: float = 600.0
    limits: Limits = Limits()
    thresholds: Mapping[str, float] = field(default_factory=dict)
    check_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: str | None = None

    def option(self, check: str, name: str, default: Any) -> Any:
        """The value of a check option, or ``default`` when the repository did not set it."""
        return self.check_options.get(check, {}).get(name, default)


def _type_name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return " or ".join(t.__name__ for t in expected)
    return expected.__name__


def _check_type(where: str, value: Any, expected: type | tuple[type, ...]) -> None:
    # bool is an int in Python; a threshold of `true` is a mistake, not 1.
    if isinstance(value, bool) and expected not in (bool,) and not (
        isinstance(expected, tuple) and bool in expected
    ):
        raise ConfigError(f"{where} must be {_type_name(expected)}, not a boolean")
    if not isinstance(value, expected):
        raise ConfigError(f"{where} must be {_type_name(expected)}, got {type(value).__name__} {value!r}")


def check_number(where: str, value: Any, low: float, high: float) -> None:
    """A finite number within ``low``..``high``, else a :class:`ConfigError` that says so."""
    try:
        number = float(value)
    except OverflowError:  # an integer beyond a float's range
        number = math.inf
    if not math.isfinite(number):
        raise ConfigError(f"{where} must be a finite number, got {number}")
    if not low <= number <= high:
        raise ConfigError(f"{where} = {value} is out of range ({low:g} to {high:g})")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_table(root: Path) -> tuple[dict[str, Any], str | None]:
    """The raw ``[tool.healthcheck]`` table of ``root/pyproject.toml`` and the file it came from."""
    path = root / "pyproject.toml"
    if not path.exists() and not path.is_symlink():
        return {}, None
    try:
        data = tomllib.loads(read_regular_text(path, CONFIG_LIMIT))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except (tomllib.TOMLDecodeError, ValueError) as exc:  # ValueError: an integer of thousands of digits
        raise ConfigError(f"{path}: not valid TOML: {str(exc)[:200]}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
    tool = data.get("tool", {})
    table = tool.get("healthcheck", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.healthcheck] must be a table")
    return table, str(path)


def check_cache_dir(where: str, root: Path, value: str) -> None:
    """A ``cache_dir`` the scanned repository sets itself may point healthcheck's writes only at a folder inside
    the tree (or inside the user's healthcheck cache), with no ``..`` and no symbolic link on the way; anything
    else is a :class:`ConfigError`. ``--cache-dir`` and ``HEALTHCHECK_CACHE_DIR`` are the user's, unchecked."""
    if value.lower() == "none":
        return
    path = Path(value)
    home = user_cache_home()
    base = root if not path.is_absolute() else next((b for b in (root, home) if path.is_relative_to(b)), None)
    why = None
    if base is None:
        why = "is outside the scanned tree and the user's healthcheck cache"
    elif ".." in path.parts:
        why = "leaves its folder through '..'"
    else:
        step = base
        for part in (path.relative_to(base) if path.is_absolute() else path).parts:
            step = step / part
            if step.is_symlink():
                why = f"goes through the symbolic link {step}"
                break
    if why is not None:
        raise ConfigError(f"{where} = {value!r} {why}: a cache folder set by the scanned repository must be a "
                          "folder inside it (--cache-dir or HEALTHCHECK_CACHE_DIR may put it anywhere)")


def load_config(
    root: Path,
    gate_names: Mapping[str, tuple[float, float]],
    check_options: Mapping[str, Mapping[str, OptionSpec]],
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Validate ``[tool.healthcheck]`` against the gates and check options that exist.

    ``gate_names`` maps each gate to the (low, high) range its threshold may take;
    ``overrides`` are values from the command line, validated the same way and
    taking precedence.
    """
    table, source = read_table(root)
    merged: dict[str, Any] = dict(table)
    for key, value in (overrides or {}).items():
        if key in check_options and isinstance(value, dict):
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
    where_prefix = f"{source}: [tool.healthcheck]" if source else "[tool.healthcheck]"

    general: dict[str, Any] = {}
    thresholds: dict[str, float] = {}
    options: dict[str, dict[str, Any]] = {}
    for key, value in merged.items():
        where = f"{where_prefix} {key}"
        if key in GENERAL_KEYS:
            _check_type(where, value, GENERAL_KEYS[key])
            if isinstance(value, list) and not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where} must be a list of strings")
            if key in GENERAL_RANGES:
                check_number(where, value, *GENERAL_RANGES[key])
            if key == "cache_dir" and key in table and table[key] == value:
                check_cache_dir(where, root, value)
            general[key] = value
        elif key in gate_names:
            _check_type(where, value, (int, float))
            check_number(where, value, *gate_names[key])
            thresholds[key] = float(value)
        elif key in check_options:
            if not isinstance(value, dict):
                raise ConfigError(f"{where} must be a table of options for the {key} check")
            specs = check_options[key]
            checked: dict[str, Any] = {}
            for opt, opt_value in value.items():
                if opt not in specs:
                    known = ", ".join(sorted(specs)) or "none"
                    raise ConfigError(f"{where}.{opt} is not an option of {key} (known: {known})")
                spec = specs[opt]
                _check_type(f"{where}.{opt}", opt_value, spec.type)
                if _is_number(opt_value):
                    check_number(f"{where}.{opt}", opt_value, spec.low, spec.high)
                checked[opt] = opt_value
            options[key] = checked
        else:
            raise ConfigError(f"{where} is not a known setting, gate or check")

    return Config(
        include=tuple(general.get("include", ())),
        exclude=tuple(general.get("exclude", ())),
        source_roots=tuple(general.get("source_roots", ())),
        test_dirs=tuple(general.get("test_dirs", ())),
        cache_dir=general.get("cache_dir"),
        tests=bool(general.get("tests", False)),
        python=general.get("python"),
        import_check=bool(general.get("import_check", True)),
        timeout=float(general.get("timeout", 600.0)),
        limits=Limits(
            memory_mib=int(general.get("memory_limit_mib", Limits.memory_mib)),
            cpu_s=int(general.get("cpu_limit", Limits.cpu_s)),
            processes=int(general.get("process_limit", Limits.processes)),
        ),
        thresholds=thresholds,
        check_options=options,
        source=source,
    )

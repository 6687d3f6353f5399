"""The scanned repository's own mypy configuration, read the way mypy reads it, plus one overlay.

mypy takes the first of ``mypy.ini``, ``.mypy.ini``, ``pyproject.toml`` (with
``[tool.mypy]``) and ``setup.cfg`` (with ``[mypy]``) in the working directory.
Two things in it matter to healthcheck before mypy runs:

- ``files`` and ``exclude`` say what the repository wants checked. healthcheck
  passes mypy an explicit list of files (so that it can leave out the ones that
  do not parse), which would bypass both, so the list is filtered here instead.
- A file that does not parse stops mypy entirely ("errors prevented further
  checking") as soon as any other file imports it. The only way to keep mypy
  away from it is ``follow_imports = skip`` for that module, which needs a
  configuration file. So when the project has broken files, healthcheck writes
  an *overlay*: the repository's configuration converted to the INI form, plus
  one ``[mypy-<module>]`` section per broken module, and points mypy at it.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from healthcheck.regular_file import CONFIG_LIMIT, read_regular, read_regular_text

INI_NAMES = ("mypy.ini", ".mypy.ini")


@dataclass
class MypyConfig:
    """What the repository's mypy configuration says, as INI sections."""

    source: Path | None = None
    sections: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def global_options(self) -> dict[str, str]:
        return self.sections.get("mypy", {})

    @property
    def files(self) -> list[str]:
        raw = self.global_options.get("files", "")
        return [p.strip().strip("/") for p in raw.split(",") if p.strip()]

    @property
    def exclude(self) -> re.Pattern[str] | None:
        raw = self.global_options.get("exclude", "").strip()
        if not raw:
            return None
        try:
            return re.compile(raw, re.VERBOSE)
        except re.error:
            return None

    def wants(self, rel: str) -> bool:
        """Whether a file (relative to the root, ``/``-separated) is one the repository has mypy check."""
        files = self.files
        if files and not any(rel == f or rel.startswith(f + "/") or f in ("", ".") for f in files):
            return False
        pattern = self.exclude
        return not (pattern is not None and pattern.search(rel))

    def overlay(self, skip_modules: list[str]) -> str:
        """The configuration as INI text, with ``follow_imports = skip`` for ``skip_modules``."""
        parser = configparser.RawConfigParser()
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        for name, options in self.sections.items():
            parser[name] = options
        if "mypy" not in parser:
            parser["mypy"] = {}
        for module in skip_modules:
            section = f"mypy-{module}"
            if section not in parser:
                parser[section] = {}
            parser[section]["follow_imports"] = "skip"
            parser[section]["ignore_errors"] = "True"
        here = str(self.source.parent) if self.source else "."
        lines: list[str] = []
        for name in parser.sections():
            lines.append(f"[{name}]")
            lines.extend(
                f"{key} = {value.replace('$MYPY_CONFIG_FILE_DIR', here)}" for key, value in parser[name].items()
            )
            lines.append("")
        return "\n".join(lines)


def _ini_value(value: Any) -> str:
    """A TOML value in mypy's INI spelling (lists comma-separated, ``exclude`` lists or-ed)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _from_toml(table: dict[str, Any]) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {"mypy": {}}
    for key, value in table.items():
        if key == "overrides" and isinstance(value, list):
            for override in value:
                if not isinstance(override, dict):
                    continue
                modules = override.get("module", [])
                names = [modules] if isinstance(modules, str) else [str(m) for m in modules]
                options = {k: _ini_value(v) for k, v in override.items() if k != "module"}
                for module in names:
                    sections.setdefault(f"mypy-{module}", {}).update(options)
        elif key == "exclude" and isinstance(value, list):
            sections["mypy"][key] = "|".join(f"(?:{v})" for v in value)
        else:
            sections["mypy"][key] = _ini_value(value)
    return sections


def _from_ini(path: Path, required: bool) -> dict[str, dict[str, str]] | None:
    parser = configparser.RawConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(read_regular_text(path, CONFIG_LIMIT), source=str(path))
    except (configparser.Error, OSError, UnicodeDecodeError):
        return {"mypy": {}} if required else None
    if "mypy" not in parser and not required:
        return None
    return {
        name: dict(parser[name])
        for name in parser.sections()
        if name == "mypy" or name.startswith("mypy-")
    }


def _config_in(folder: Path) -> MypyConfig | None:
    """The mypy configuration held by one folder, in mypy's order of preference."""
    for name in INI_NAMES:
        path = folder / name
        if path.is_file():
            return MypyConfig(path, _from_ini(path, required=True) or {})
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(read_regular_text(pyproject, CONFIG_LIMIT))
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
            data = {}
        tool = data.get("tool", {})
        table = tool.get("mypy") if isinstance(tool, dict) else None
        if isinstance(table, dict):
            return MypyConfig(pyproject, _from_toml(table))
    setup_cfg = folder / "setup.cfg"
    if setup_cfg.is_file():
        sections = _from_ini(setup_cfg, required=False)
        if sections is not None:
            return MypyConfig(setup_cfg, sections)
    return None


def refused_config(root: Path) -> str | None:
    """Why mypy must not be started in ``root``: a configuration file it would open there is no regular file of
    bounded size (a FIFO would hang it, a link to ``/dev/zero`` fill its memory); None when all are fine."""
    for name in (*INI_NAMES, "pyproject.toml", "setup.cfg"):
        path = root / name
        if path.exists() or path.is_symlink():
            try:
                read_regular(path, CONFIG_LIMIT)
            except OSError as exc:
                return f"{name}: {exc.strerror or exc}"
    return None


def read_mypy_config(root: Path) -> MypyConfig:
    """The configuration mypy would use when run in ``root`` (an empty one when there is none).

    Like mypy, look in ``root`` and then in its parents up to the repository's
    top (the folder holding ``.git`` or ``.hg``).
    """
    folder = root.resolve()
    while True:
        found = _config_in(folder)
        if found is not None:
            return found
        if any((folder / vcs).exists() for vcs in (".git", ".hg")) or folder.parent == folder:
            return MypyConfig()
        folder = folder.parent

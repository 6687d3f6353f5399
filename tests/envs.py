"""Project virtualenvs for the tests of "a check that could not look never passes".

A real user's project venv has its own interpreter prefix and only what the project installed: pytest without
coverage.py, no mypy. These venvs are real (``python -m venv``, so ``sys.prefix`` differs from healthcheck's while
``bin/python`` resolves to the same base binary, the case that once fooled healthcheck). What they hold is chosen
by linking distributions from healthcheck's own environment into the venv's site-packages, so that building one
needs no network and takes a second.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

# The distributions pytest needs to run, on Python 3.11 and newer.
PYTEST = ("pytest", "pluggy", "iniconfig", "packaging", "pygments")


def _site_packages(venv: Path) -> Path:
    return venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def _link_distribution(name: str, site: Path) -> None:
    """Link ``name``'s top-level packages or modules and its metadata folder into ``site``."""
    dist = importlib.metadata.distribution(name)
    base = Path(str(dist.locate_file("")))
    tops: set[str] = set()
    for entry in dist.files or ():
        first = entry.parts[0]
        if first.endswith((".dist-info", ".egg-info")) or first in ("..", "__pycache__") or first.endswith(".pth"):
            if first.endswith(".dist-info"):
                tops.add(first)
            continue
        tops.add(first)
    for top in sorted(tops):
        source = base / top
        target = site / top
        if source.exists() and not target.exists():
            target.symlink_to(source, target_is_directory=source.is_dir())


def make_venv(where: Path, distributions: tuple[str, ...] = ()) -> str:
    """A venv at ``where`` holding exactly ``distributions`` (linked from ours); returns its ``bin/python``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    site = _site_packages(where)
    for name in distributions:
        _link_distribution(name, site)
    return str(where / "bin" / "python")

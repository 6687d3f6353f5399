"""What every benchmark does the same way: run a snippet in a fresh process, keep the fastest of several runs.

Each measurement runs in its own interpreter so that "cold" really is cold and peak memory is that run's
alone; the snippet prints one JSON object as its last line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any, Callable


def run_snippet(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -c code args`` and return the JSON object on its last line of output."""
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
        env={**os.environ, **(env or {})},
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def fastest(once: Callable[[], dict[str, Any]], repeat: int, reset: Path | None = None) -> dict[str, Any]:
    """The fastest of ``repeat`` runs by their ``seconds``; ``reset`` (a cache folder) is emptied before each."""

    def fresh() -> dict[str, Any]:
        if reset is not None:
            shutil.rmtree(reset, ignore_errors=True)
        return once()

    return min((fresh() for _ in range(repeat)), key=lambda r: float(r["seconds"]))


DATA = Path(__file__).resolve().parent / ".data"


def repository_top(folder: Path) -> Path:
    """``folder``, made the top of a repository of its own (``git init``), as the project's checkout is.

    Tools that look for their configuration in the parents of the folder they run in stop at the top of a
    repository (mypy: the folder holding ``.git``). An sdist unpacked in ``bench/.data`` sits inside this
    repository, so without its own top mypy, and healthcheck with it, read this repository's strict
    ``[tool.mypy]`` (``files = ["healthcheck", "service"]``) for a project that has no configuration: its type
    errors were measured under a configuration that is not its own, or not at all ("no files to check")."""
    if not (folder / ".git").exists():
        subprocess.run(["git", "init", "-q", str(folder)], check=True)
    return folder


def unpacked_sdist(spec: str, folder_glob: str) -> Path:
    """The folder of ``spec``'s source distribution, fetched from the package index into ``bench/.data``
    (git-ignored) and unpacked the first time; ``folder_glob`` names the unpacked folder (``django-5.2*``)."""
    found = sorted(path for path in DATA.glob(folder_glob) if path.is_dir())
    if found:
        return repository_top(found[-1])
    DATA.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
                    "-d", str(DATA), spec], check=True)
    archive = sorted(DATA.glob(folder_glob + ".tar.gz"))[-1]
    with tarfile.open(archive) as tar:
        tar.extractall(DATA, filter="data")
    return unpacked_sdist(spec, folder_glob)

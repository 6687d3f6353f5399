"""Fetch Django 5.2's sdist from the package index into bench/.data (git-ignored) once, and say where.

Benchmarks import :func:`django_root`; nothing downloaded is ever committed.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

DATA = Path(__file__).resolve().parent / ".data"
SPEC = "django==5.2.*"


def django_root() -> Path:
    """The unpacked sdist folder (it holds the ``django`` package and its tests)."""
    found = sorted(DATA.glob("django-5.2*/django/__init__.py"))
    if found:
        return found[-1].parent.parent
    DATA.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", "-d", str(DATA), SPEC],
        check=True,
    )
    archive = sorted(DATA.glob("[Dd]jango-5.2*.tar.gz"))[-1]
    with tarfile.open(archive) as tar:
        tar.extractall(DATA, filter="data")
    return django_root()


def django_package() -> Path:
    """A folder holding only a copy of the ``django`` package (885 modules), as the issues measure it."""
    root = django_root()
    only = DATA / "django-package"
    if not (only / "django").exists():
        import shutil

        shutil.copytree(root / "django", only / "django")
    return only


if __name__ == "__main__":
    print(django_root())

"""Fetch Django 5.2's sdist from the package index into bench/.data (git-ignored) once, and say where.

Benchmarks import :func:`django_root`; nothing downloaded is ever committed.
"""

from __future__ import annotations

from pathlib import Path

from bench.harness import DATA, unpacked_sdist

SPEC = "django==5.2.*"


def django_root() -> Path:
    """The unpacked sdist folder (it holds the ``django`` package and its tests)."""
    return unpacked_sdist(SPEC, "[Dd]jango-5.2*")


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

"""Where a workspace's ``project_path`` may point: only at a directory below the operator's root.

The path is taken relative to the root, must not contain ``..``, and is resolved with symlinks followed
before the check, so a symlink inside the root that points outside it is refused too.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from service.domain.errors import Invalid


def resolve_project(root: str, requested: str) -> str:
    """The real directory ``requested`` names below ``root``, or ``Invalid`` with the reason."""
    if not root:
        raise Invalid("project_path is not accepted: the operator has configured no projects root")
    if "\x00" in requested:
        raise Invalid("project_path must not contain NUL bytes")
    pure = PurePosixPath(requested)
    if ".." in pure.parts:
        raise Invalid("project_path must not contain '..'")
    real_root = Path(os.path.realpath(root))
    candidate = Path(requested) if pure.is_absolute() else real_root / requested
    try:
        real = Path(os.path.realpath(candidate))
        inside = real == real_root or real_root in real.parents
        is_dir = inside and real.is_dir()
    except OSError as exc:  # e.g. a component longer than the filesystem allows
        raise Invalid(f"project_path cannot be resolved: {exc.strerror or exc}") from exc
    if not inside:
        raise Invalid(f"project_path resolves outside the projects root: {requested}")
    if not is_dir:
        raise Invalid(f"project_path is not a directory below the projects root: {requested}")
    return str(real)

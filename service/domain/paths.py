"""Where a workspace's ``project_path`` may point: only at a directory of its owner's, never anyone else's.

The projects root is partitioned per owner: ``<root>/<owner>/`` is the owner's, and ``project_path`` is
relative to it (no absolute paths, no ``..``, not the owner's directory itself). Docker resolves a bind
mount's source path again at every container start, so a check made once at create time proves nothing
about later starts; two rules close that gap instead:

- No symbolic link anywhere below the root: the chain is walked one component at a time with
  ``O_NOFOLLOW``, at create time and again before every container create and start (``verify_mount``).
- No workspace's mount lies inside another's (``overlapping``): a tenant writes only inside its own mount,
  so when no mount source sits below another, no tenant can write to any directory on the path of any
  mount source, and nothing can swap a link in between the check and Docker's own resolution.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from service.domain.errors import Invalid

_WALK_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def owner_root(root: str, owner: str) -> Path:
    """The owner's part of the projects root (the operator's root itself may be reached through a link)."""
    if not root:
        raise Invalid("project_path is not accepted: the operator has configured no projects root")
    if not owner or owner in {".", ".."} or "/" in owner or "\x00" in owner:
        raise Invalid(f"owner {owner[:64]!r} cannot own a projects directory")
    return Path(os.path.realpath(root)) / owner


def resolve_project(root: str, owner: str, requested: str) -> str:
    """The directory ``requested`` names in the owner's part of ``root``, or ``Invalid`` with the reason."""
    if "\x00" in requested:
        raise Invalid("project_path must not contain NUL bytes")
    pure = PurePosixPath(requested)
    if pure.is_absolute():
        raise Invalid("project_path must be relative to the owner's projects directory")
    if ".." in pure.parts:
        raise Invalid("project_path must not contain '..'")
    if not pure.parts:
        raise Invalid("project_path must name a directory below the owner's projects directory")
    base = owner_root(root, owner)
    _walk(base.parent, (owner, *pure.parts), requested)
    return str(base.joinpath(*pure.parts))


def verify_mount(root: str, owner: str, project_dir: str) -> None:
    """Check again, just before Docker resolves it, that a stored mount source is still the owner's real
    directory with no link on its path; ``Invalid`` with the reason otherwise."""
    base = owner_root(root, owner)
    path = PurePosixPath(project_dir)
    base_pure = PurePosixPath(base)
    if path == base_pure or base_pure not in path.parents:
        raise Invalid(f"project directory {project_dir[:200]} is not below the owner's projects directory")
    _walk(base.parent, (owner, *path.relative_to(base_pure).parts), project_dir)


def overlapping(project_dir: str, others: Iterable[str]) -> str | None:
    """One of ``others`` that contains ``project_dir`` or lies inside it (the same directory is allowed:
    neither can replace the other's mount point from inside), or None."""
    mine = PurePosixPath(project_dir)
    for other in others:
        theirs = PurePosixPath(other)
        if theirs != mine and (theirs in mine.parents or mine in theirs.parents):
            return other
    return None


def _walk(start: Path, parts: tuple[str, ...], shown: str) -> None:
    """Open every component below ``start`` without following links; each must be a real directory."""
    try:
        fd = os.open(start, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise Invalid(f"the projects root cannot be opened: {exc.strerror or exc}") from exc
    try:
        for part in parts:
            try:
                child = os.open(part, _WALK_FLAGS, dir_fd=fd)
            except OSError as exc:
                raise Invalid(_refusal(exc, shown)) from exc
            os.close(fd)
            fd = child
    finally:
        os.close(fd)


def _refusal(exc: OSError, shown: str) -> str:
    shown = shown[:200]
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
        return f"project_path {shown} is not a directory of its own: a link or a file is on its path"
    if exc.errno == errno.ENOENT:
        return f"project_path {shown} is not a directory in the owner's projects directory"
    return f"project_path {shown} cannot be opened: {exc.strerror or exc}"

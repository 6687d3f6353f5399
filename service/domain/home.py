"""Paths a caller names inside a workspace's home (``/workspace``): relative, and never leaving it.

A path is split into its components here, once, so that every operation on the home (an exec's working
folder, a file written or read) sees the same rules: no absolute path (an exec's ``cwd`` may also be spelled
``/workspace/...``), no ``..`` anywhere (even one that would stay inside: it is never needed and only ever
hides where a path goes), no NUL, at most ``MAX_PATH`` characters and ``MAX_NAME`` bytes a component.
Empty components and ``.`` are dropped, so ``a//b/./c`` is ``a/b/c`` and ``.`` is the home itself.
"""

from __future__ import annotations

from service.domain.errors import Invalid
from service.runtime.hardening import WORKDIR

MAX_PATH = 4096
MAX_NAME = 255


def components(raw: str, what: str = "path") -> tuple[str, ...]:
    """The components of the relative path ``raw`` below the home (empty: the home itself), or ``Invalid``."""
    if "\x00" in raw:
        raise Invalid(f"{what} must not contain NUL characters")
    if len(raw) > MAX_PATH:
        raise Invalid(f"{what} is longer than {MAX_PATH} characters")
    if raw.startswith("/"):
        raise Invalid(f"{what} must be relative to {WORKDIR}, not absolute")
    parts = tuple(part for part in raw.split("/") if part not in ("", "."))
    if ".." in parts:
        raise Invalid(f"{what} must not contain '..'")
    if any(len(part.encode("utf-8", "surrogatepass")) > MAX_NAME for part in parts):
        raise Invalid(f"{what} has a component longer than {MAX_NAME} bytes")
    return parts


def absolute(parts: tuple[str, ...]) -> str:
    """The path in the container of the home-relative ``parts``."""
    return "/".join((WORKDIR, *parts))


def working_folder(raw: str | None) -> str:
    """An exec's ``cwd`` as an absolute path in the container: relative to the home, or spelled from it."""
    if raw is None:
        return WORKDIR
    if raw == WORKDIR or raw.startswith(WORKDIR + "/"):
        raw = raw[len(WORKDIR):].lstrip("/")
    return absolute(components(raw, "cwd"))

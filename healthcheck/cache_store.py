"""Cache files that cannot run code: where they live by default, and how they are written and read back.

A plain ``pickle.load`` runs whatever callable the file names, so a cache that
a repository ships (or anyone who can write the cache folder plants) would run
its code inside healthcheck. Caches are therefore:

- kept by default outside the scanned tree, in the user's cache folder
  (``$XDG_CACHE_HOME/healthcheck``, else ``~/.cache/healthcheck``), one folder
  per scanned tree named after its resolved path;
- read only when they are regular files of bounded size (a FIFO or a link to
  ``/dev/zero`` is a cold cache, not a hang);
- unpickled with an allow-list: the file may build the plain containers pickle
  knows natively and the record classes its reader names (healthcheck's own
  dataclasses and NamedTuples), nothing else, so no function is ever looked up
  and called;
- then checked against the type hints of those classes (:mod:`healthcheck.shape`).

Anything that fails on the way is ``None``: the reader computes again, with the
same result as a cold run. Writing is atomic (a fresh temporary file renamed
over the old one), and a folder that cannot be written only costs speed.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

from healthcheck.regular_file import MIB, read_regular

CACHE_LIMIT = 512 * MIB


def user_cache_home() -> Path:
    """``$XDG_CACHE_HOME/healthcheck``, else ``~/.cache/healthcheck``, else a per-user folder under the temp dir."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "healthcheck"
    try:
        return Path.home() / ".cache" / "healthcheck"
    except RuntimeError:  # no home directory at all
        uid = os.getuid() if hasattr(os, "getuid") else 0
        return Path(tempfile.gettempdir()) / f"healthcheck-{uid}"


def default_cache_dir(root: Path) -> Path:
    """The cache folder of the tree at ``root``: outside it, one per resolved path, readable at a glance."""
    resolved = root.resolve()
    tag = hashlib.sha1(os.fsencode(resolved)).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", resolved.name)[:40] or "root"
    return user_cache_home() / f"{name}-{tag}"


class _AllowListUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the classes it was given, by module and qualified name."""

    def __init__(self, data: bytes, allowed: Mapping[tuple[str, str], type]) -> None:
        super().__init__(io.BytesIO(data))
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        found = self.allowed.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} may not appear in a cache")
        return found


def read_pickle(path: Path, allowed: Iterable[type], limit: int = CACHE_LIMIT) -> Any:
    """The object pickled at ``path``, built only from plain data and ``allowed``; None when it cannot be."""
    table = {(cls.__module__, cls.__qualname__): cls for cls in allowed}
    try:
        data = read_regular(path, limit)
        return _AllowListUnpickler(data, table).load()
    except Exception:  # a missing, refused, truncated or forged file is a cold cache, whatever it raised
        return None


def write_pickle(path: Path, value: Any) -> bool:
    """Replace ``path`` atomically with ``value`` pickled; False when the folder cannot take it."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False

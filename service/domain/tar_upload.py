"""What a tar uploaded into a workspace may hold, and the tar the engine is given instead of it.

The engine extracts an archive as root and keeps the owners, modes and types its headers say, so the upload
is never handed over as it came: it is read here (uncompressed tar only: a compressed one would let a small
body expand without bound) and written again with only regular files, folders and links, every entry owned
by the workspace user, no set-user-id, set-group-id or sticky bits, and folders the user can always enter.
Refused, with the entry named: absolute names, ``..``, devices and FIFOs, a symbolic link whose target
leaves the home, a hard link to anything but an earlier file of the same archive, an entry whose path runs
through a link (one of the archive's own, or one already in the folder: ``links``), and more than
``max_members`` entries.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass

from service.domain.errors import Invalid
from service.runtime.hardening import WORKDIR


@dataclass(frozen=True)
class CleanTar:
    """The rewritten archive, how many entries it holds and how many bytes of file content."""

    data: bytes
    entries: int
    size: int


def member_parts(name: str) -> tuple[str, ...]:
    """An entry's path as components (``./`` and empty parts dropped), or ``Invalid``."""
    if name.startswith("/") or "\x00" in name:
        raise Invalid(f"tar entry {name[:200]!r} has an absolute name")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise Invalid(f"tar entry {name[:200]!r} contains '..'")
    return parts


def clean(body: bytes, folder: str, uid: int, gid: int, max_members: int, links: Iterable[str] = ()) -> CleanTar:
    """``body`` rewritten for extraction into ``folder`` (absolute, inside the home), or ``Invalid``.

    ``links`` are the paths, relative to ``folder``, of the symbolic links already below it."""
    through = {tuple(link.split("/")) for link in links}
    files: set[tuple[str, ...]] = set()
    out = io.BytesIO()
    entries = size = 0
    try:
        source = tarfile.open(fileobj=io.BytesIO(body), mode="r:")
    except tarfile.TarError as exc:
        raise Invalid(f"the body is not an uncompressed tar archive: {exc}") from exc
    with source, tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as target:
        try:
            for member in source:
                entries += 1
                if entries > max_members:
                    raise Invalid(f"the archive holds more than {max_members} entries")
                parts = member_parts(member.name)
                if not parts:
                    continue  # the folder itself ("./"): it exists, and keeps its owner and mode
                shown = "/".join(parts)[:200]
                if any(parts[:n] in through for n in range(1, len(parts))):
                    raise Invalid(f"tar entry {shown!r} runs through a symbolic link")
                copy = _entry(member, parts, folder, files, shown)
                copy.uid, copy.gid, copy.uname, copy.gname = uid, gid, "", ""
                if member.issym():
                    through.add(parts)
                if member.isreg():
                    files.add(parts)
                    size += member.size
                    target.addfile(copy, source.extractfile(member))
                else:
                    target.addfile(copy)
        except tarfile.TarError as exc:
            raise Invalid(f"the tar archive is damaged: {exc}") from exc
    return CleanTar(out.getvalue(), entries, size)


def _entry(member: tarfile.TarInfo, parts: tuple[str, ...], folder: str, files: set[tuple[str, ...]],
           shown: str) -> tarfile.TarInfo:
    """The header to write for ``member``, or ``Invalid`` when its type or link is refused."""
    copy = tarfile.TarInfo("/".join(parts))
    copy.mtime = member.mtime
    copy.mode = member.mode & 0o777
    if member.isreg():
        copy.type, copy.size = tarfile.REGTYPE, member.size
    elif member.isdir():
        copy.type, copy.mode = tarfile.DIRTYPE, copy.mode | 0o700
    elif member.issym():
        base = posixpath.join(folder, *parts[:-1])
        target = posixpath.normpath(posixpath.join(base, member.linkname))
        if "\x00" in member.linkname or not (target == WORKDIR or target.startswith(WORKDIR + "/")):
            raise Invalid(f"tar entry {shown!r} is a link that leaves {WORKDIR}")
        copy.type, copy.linkname = tarfile.SYMTYPE, member.linkname
    elif member.islnk():
        if member_parts(member.linkname) not in files:
            raise Invalid(f"tar entry {shown!r} is a hard link to something other than an earlier file of the archive")
        copy.type, copy.linkname = tarfile.LNKTYPE, "/".join(member_parts(member.linkname))
    else:
        raise Invalid(f"tar entry {shown!r} is a device, FIFO or other special file; only files, folders and"
                      " links are accepted")
    return copy

"""``ws cp``: files and folders between this machine and a workspace, in the manner of ``docker cp``.

A local file goes up as one file; a local folder goes up as a tar of its contents, which the service unpacks
into the folder named (made when missing). Down, the service answers a file's bytes or a tar of a folder:
a file lands at the local path (inside it, under its own name, when that is a folder), a folder's contents are
unpacked into the local path (made when missing; unlike ``docker cp``, never into a subfolder of the folder's
name, so up and down follow one rule) with tarfile's ``data`` filter, so no member can land outside it, be a
device or keep set-uid bits. A file is written beside its target first and renamed into place.
"""

from __future__ import annotations

import io
import os
import posixpath
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from service.client import Client


@dataclass(frozen=True)
class Copied:
    """What one copy moved, for the line the command prints."""

    kind: str  # "file" or "folder"
    size: int  # bytes of the file, or of the tar that carried the folder


def split_remote(arg: str) -> tuple[str, str] | None:
    """``ID:PATH`` as (workspace, path); None for a local path (``./a:b`` and ``/x:y`` stay local)."""
    head, sep, tail = arg.partition(":")
    if not sep or not head or "/" in head or head.startswith("."):
        return None
    return head, tail


def upload(client: Client, workspace_id: str, local: Path, remote: str) -> Copied:
    """Copy a local file or folder to ``remote`` in the workspace."""
    if local.is_dir():
        data = _tar_of(local)
        client.upload_tar(workspace_id, remote or ".", data)
        return Copied("folder", len(data))
    if remote == "" or remote.endswith("/"):
        remote = remote + local.name
    data = local.read_bytes()
    client.upload(workspace_id, remote, data)
    return Copied("file", len(data))


def download(client: Client, workspace_id: str, remote: str, local: Path) -> Copied:
    """Copy the workspace's file or folder ``remote`` to ``local``."""
    found = client.download(workspace_id, remote or ".")
    if found.is_folder:
        with tempfile.TemporaryFile() as spool:
            size = _spool(found.chunks, spool)
            spool.seek(0)
            local.mkdir(parents=True, exist_ok=True)
            with tarfile.open(fileobj=spool, mode="r:") as archive:
                archive.extractall(local, members=_below_top(archive), filter="data")
        return Copied("folder", size)
    target = local / posixpath.basename(remote.rstrip("/")) if local.is_dir() else local
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            size = _spool(found.chunks, out)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    return Copied("file", size)


def _below_top(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The service's tar of a folder holds it under its own name: its members with that first name taken off,
    so the folder's contents land in the local folder (the folder's own entry is skipped)."""
    for member in archive:
        rest = member.name.partition("/")[2]
        if not rest:
            continue
        member.name = rest
        if member.islnk():  # a hard link names another member, by its name in the archive
            member.linkname = member.linkname.partition("/")[2]
        yield member


def _spool(chunks: Iterator[bytes], out: IO[bytes]) -> int:
    size = 0
    for piece in chunks:
        out.write(piece)
        size += len(piece)
    return size


def _tar_of(folder: Path) -> bytes:
    """A tar of the folder's contents, names relative to it; links are stored as links, never followed."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for entry in sorted(folder.iterdir()):
            archive.add(entry, arcname=entry.name)
    return buffer.getvalue()

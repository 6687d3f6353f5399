"""Files in and out of a workspace's home: one file, or a folder as a tar, and nothing outside the home.

The engine's archive API (``docker cp``) resolves a path inside the container and follows symbolic links on
the way (staying inside the container's own file system), so a link a tenant planted in its home could
point an upload or a download at the container's root file system. Before any archive call, the path is
therefore walked one component at a time, and a link anywhere on it is refused. For one file (written or
read) the walk is the engine's stat of each prefix (``stat_path``), which reports a link at the end of a
path instead of following it; an upload's missing folders travel in its tar, owned by the user. A folder
receiving a tar is walked by a small script run as the workspace user (``CHECK``), which also makes the
missing folders and lists the links already below it, so that no entry of the archive is extracted through
one (``tar_upload``). What remains is a race: a tenant who
replaces a checked folder by a link between the check and the engine's extraction can still redirect that
one request into its own container's file system (never the host's, and only as far as that container).

Only a running workspace has its files served: the check runs inside the container.
"""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from service.domain import home
from service.domain.errors import Conflict, Invalid, NotFound, Unavailable
from service.domain.execs import running_workspace
from service.domain.tar_upload import CleanTar, clean
from service.runtime import ByteStream, ContainerNotFound, ContainerRuntime, ExecSpec, RuntimeFailure
from service.runtime.engines import EngineSet
from service.runtime.errors import PermanentRuntimeError
from service.settings import Settings
from service.store import Store

CHUNK = 256 * 1024
MAX_LINKS = 10000  # links below a folder a tar is extracted into; beyond, the upload is refused
CHECK = r"""p=/workspace
i=0
for c in "$@"; do
  i=$((i+1))
  p="$p/$c"
  if [ -L "$p" ]; then echo "link $i"; exit 0; fi
  if [ ! -e "$p" ]; then
    mkdir "$p" 2>/dev/null || { echo "unwritable $i"; exit 0; }
  elif [ ! -d "$p" ]; then
    echo "notdir $i"; exit 0
  fi
done
echo dir
cd "$p" && find . -type l -print0 2>/dev/null | head -c 4194304"""


@dataclass(frozen=True)
class Written:
    """What an upload stored: its path below the home, bytes of file content, entries (1 for one file)."""

    path: str
    size: int
    entries: int


@dataclass
class Download:
    """A file's bytes, or a folder's tar (``is_folder``), read as they are sent; ``close`` stops reading."""

    is_folder: bool
    chunks: Iterator[bytes]
    source: ByteStream

    def close(self) -> None:
        self.source.close()


@dataclass(frozen=True)
class Container:
    """A workspace's container and the runtime of the engine it is on."""

    runtime: ContainerRuntime
    id: str


class Files:
    """Uploads and downloads in the owner's running workspaces."""

    def __init__(self, store: Store, engines: EngineSet, settings: Settings) -> None:
        self.store = store
        self.engines = engines
        self.settings = settings
        uid, _, gid = settings.container_user.partition(":")
        self.uid, self.gid = int(uid), int(gid or uid)

    def write_file(self, owner: str, workspace_id: str, path: str, data: bytes) -> Written:
        """Write ``data`` as the file ``path`` (its missing folders are made), replacing a file there."""
        parts = home.components(path)
        if not parts:
            raise Invalid("path must name a file below /workspace")
        container = self._container(owner, workspace_id)
        found, existing = self._walk(container, parts, write=True)
        if found == "dir":
            raise Conflict(f"{'/'.join(parts)[:200]} is a folder; send a tar (application/x-tar) to fill it")
        if found == "other":
            raise Conflict(f"{'/'.join(parts)[:200]} is a device, FIFO or socket, not a file to replace")
        existing = min(existing, len(parts) - 1)  # the folders that exist: the extraction point is the deepest
        now = int(time.time())
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for depth in range(existing + 1, len(parts)):  # the missing folders, made by the extraction
                folder = tarfile.TarInfo("/".join(parts[existing:depth]))
                folder.type, folder.mode, folder.mtime, folder.uid, folder.gid = tarfile.DIRTYPE, 0o755, now, \
                    self.uid, self.gid
                tar.addfile(folder)
            header = tarfile.TarInfo("/".join(parts[existing:]))
            header.size, header.mode, header.mtime, header.uid, header.gid = len(data), 0o644, now, self.uid, self.gid
            tar.addfile(header, io.BytesIO(data))
        self._put(container, home.absolute(parts[:existing]), archive.getvalue())
        return Written("/".join(parts), len(data), 1)

    def write_tar(self, owner: str, workspace_id: str, path: str, body: bytes) -> Written:
        """Extract the tar ``body`` into the folder ``path`` (made if missing), after ``tar_upload.clean``."""
        parts = home.components(path)
        container = self._container(owner, workspace_id)
        links = self._check(container, parts)
        if len(links) > MAX_LINKS:
            raise Invalid(f"the folder holds more than {MAX_LINKS} symbolic links; extract into another one")
        tidy: CleanTar = clean(body, home.absolute(parts), self.uid, self.gid, self.settings.upload_max_members,
                               links)
        self._put(container, home.absolute(parts), tidy.data)
        return Written("/".join(parts) or ".", tidy.size, tidy.entries)

    def read(self, owner: str, workspace_id: str, path: str) -> Download:
        """The file ``path`` (its bytes) or the folder ``path`` (a tar of it, entries under its name)."""
        parts = home.components(path)
        container = self._container(owner, workspace_id)
        found, _existing = self._walk(container, parts, write=False)
        if found == "other":
            raise Invalid(f"{'/'.join(parts)[:200]} is neither a regular file nor a folder")
        source = self._get(container, home.absolute(parts))
        if found == "dir":
            return Download(True, iter(source), source)
        try:
            return Download(False, _file_bytes(source), source)
        except BaseException:
            source.close()
            raise

    def _container(self, owner: str, workspace_id: str) -> Container:
        ws = running_workspace(self.store, owner, workspace_id, "files are served")
        assert ws.container_id is not None
        try:
            return Container(self.engines.runtime(ws.engine), ws.container_id)
        except RuntimeFailure as exc:
            raise Unavailable(str(exc)) from exc

    def _walk(self, container: Container, parts: tuple[str, ...], write: bool) -> tuple[str, int]:
        """Stat ``parts`` one prefix at a time (``stat_path``: no link is followed, nothing is read or run): what
        the path is (dir, file, other, or missing when writing) and how many of its components exist. A link
        anywhere is ``Invalid``; a missing component is ``NotFound`` unless writing, and a file on the way is
        ``Conflict``."""
        kind = "dir"
        for depth in range(len(parts) + 1):
            shown = "/".join(parts[:depth])[:200]
            try:
                found = container.runtime.stat_path(container.id, home.absolute(parts[:depth]))
            except RuntimeFailure as exc:
                raise Unavailable(f"the container engine failed checking the path: {exc}") from exc
            if found is None:
                if not write:
                    raise NotFound(f"no file or folder {shown} in /workspace")
                return "missing", depth - 1
            if found.kind == "link":
                raise Invalid(f"{shown} is a symbolic link; paths through links are not followed")
            if depth < len(parts) and found.kind != "dir":
                raise Conflict(f"{shown} is not a folder")
            kind = found.kind
        return kind, len(parts)

    def _check(self, container: Container, parts: tuple[str, ...]) -> list[str]:
        """Walk the folder ``parts`` in the container as the workspace user, making what is missing (see
        ``CHECK``), and list the links below it (relative to it)."""
        spec = ExecSpec(("/bin/sh", "-c", CHECK, "check", *parts), home.absolute(()), {}, None,
                        f"files-{time.monotonic_ns()}")
        try:
            session = container.runtime.exec(container.id, spec)
            out = b"".join(piece.data for piece in session if piece.stream == "stdout")
        except ContainerNotFound as exc:
            raise Conflict(f"the workspace's container is not running ({exc})") from exc
        except RuntimeFailure as exc:
            raise Unavailable(f"the container engine failed checking the path: {exc}") from exc
        head, _, rest = out.partition(b"\n")
        word, _, index = head.decode("utf-8", "replace").partition(" ")
        shown = "/".join(parts[: int(index)])[:200] if index.isdigit() else ""
        if word == "link":
            raise Invalid(f"{shown} is a symbolic link; paths through links are not followed")
        if word == "notdir":
            raise Conflict(f"{shown} is not a folder")
        if word == "unwritable":
            raise Conflict(f"the folder {shown} cannot be made (no permission, or no space)")
        if word != "dir":
            raise Unavailable(f"the path check in the workspace gave no answer ({head[:80]!r})")
        return [name.decode("utf-8", "surrogateescape")[2:] for name in rest.split(b"\x00") if name.startswith(b"./")]

    def _put(self, container: Container, folder: str, data: bytes) -> None:
        try:
            container.runtime.put_archive(container.id, folder, data)
        except ContainerNotFound as exc:
            raise NotFound(f"{folder} is gone from the workspace") from exc
        except PermanentRuntimeError as exc:
            raise Invalid(f"the container engine refused the upload: {exc}") from exc
        except RuntimeFailure as exc:
            raise Unavailable(f"the container engine failed the upload: {exc}") from exc

    def _get(self, container: Container, path: str) -> ByteStream:
        try:
            return container.runtime.get_archive(container.id, path)
        except ContainerNotFound as exc:
            raise NotFound(f"{path} is gone from the workspace") from exc
        except RuntimeFailure as exc:
            raise Unavailable(f"the container engine failed the download: {exc}") from exc


def _file_bytes(source: ByteStream) -> Iterator[bytes]:
    """The content of the one regular file in the tar ``source`` (the first header is read now, so a path that
    became something else since the check fails here, before any answer is sent)."""
    tar = tarfile.open(fileobj=_Reader(iter(source)), mode="r|")
    member = tar.next()
    if member is None or not member.isreg():
        raise Conflict("the path changed while it was read (no longer a regular file)")
    content = tar.extractfile(member)
    assert content is not None

    def chunks() -> Iterator[bytes]:
        try:
            while piece := content.read(CHUNK):
                yield piece
        except (tarfile.TarError, RuntimeFailure, OSError) as exc:
            raise Unavailable(f"reading the file failed midway: {exc}") from exc
        finally:
            tar.close()

    return chunks()


class _Reader(io.RawIOBase):
    """A readable file over an iterator of byte chunks, for ``tarfile``'s stream mode."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            piece = next(self._chunks, None)
            if piece is None:
                return 0
            self._left = piece
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size

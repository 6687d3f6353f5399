"""The default workspace image, ``workspace-base:latest``, built on this machine when it is missing.

No registry is needed (none may be reachable): the image is ``FROM scratch`` plus the host's static busybox,
from the Dockerfile beside this module, which ``ci/docker-up.sh`` builds too. ``workspace-service serve``
calls ``ensure_base_image`` before it serves, so a create on a new machine does not fail on a pull. A busybox
linked against shared libraries would not run in an empty image, so a dynamic one is refused by name.
"""

from __future__ import annotations

import io
import shutil
import struct
import tarfile
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions

from service.runtime.tls import tls_config
from service.settings import EngineTls

BASE_IMAGE = "workspace-base:latest"
DOCKERFILE = Path(__file__).with_name("workspace-base") / "Dockerfile"
PT_INTERP = 3  # ELF program header type naming the dynamic loader: only dynamically linked programs have one


class BaseImageError(Exception):
    """The image cannot be checked or built; the message says why, in one line."""


def ensure_base_image(docker_url: str = "", tag: str = BASE_IMAGE, busybox: str | None = None,
                      tls: EngineTls | None = None) -> bool:
    """Build ``tag`` unless the engine has it; True when it was built now. ``tls``: a remote engine's client
    files (see ``runtime.tls``)."""
    client = _client(docker_url, tls)
    try:
        try:
            client.images.get(tag)
            return False
        except docker.errors.ImageNotFound:
            pass
        context = _context(_static_busybox(busybox))
        client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True, forcerm=True,
                            network_mode="none")
        return True
    except docker.errors.BuildError as exc:
        raise BaseImageError(f"building {tag} failed: {exc.msg}") from exc
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise BaseImageError(f"Docker engine unreachable: {exc}") from exc
    finally:
        client.close()


def _client(docker_url: str, tls: EngineTls | None) -> Any:
    try:
        if tls is not None:
            return docker.DockerClient(base_url=docker_url, tls=tls_config(tls))
        return docker.DockerClient(base_url=docker_url) if docker_url else docker.from_env()
    except ValueError as exc:  # an unreadable TLS file, in one line
        raise BaseImageError(str(exc)) from exc
    except docker.errors.DockerException as exc:
        raise BaseImageError(f"Docker engine unreachable: {exc}") from exc


def _static_busybox(named: str | None) -> Path:
    """The host's busybox, if it is statically linked (Debian and Ubuntu: the busybox-static package)."""
    found = named or shutil.which("busybox") or "/bin/busybox"
    path = Path(found)
    if not path.is_file():
        raise BaseImageError(f"no busybox at {found}: install a static one (apt-get install busybox-static)")
    if _is_dynamic(path.read_bytes()[:65536]):
        raise BaseImageError(f"{found} is linked dynamically and cannot run in an empty image: "
                             "install a static one (apt-get install busybox-static)")
    return path


def _is_dynamic(head: bytes) -> bool:
    """Whether an ELF executable (its first bytes) names a dynamic loader (a PT_INTERP program header)."""
    if head[:4] != b"\x7fELF" or len(head) < 64:
        raise BaseImageError("busybox is not an ELF executable")
    wide, order = head[4] == 2, "<" if head[5] == 1 else ">"
    if wide:
        phoff, phentsize, phnum = struct.unpack_from(order + "Q", head, 32)[0], *struct.unpack_from(order + "HH", head, 54)
    else:
        phoff, phentsize, phnum = struct.unpack_from(order + "I", head, 28)[0], *struct.unpack_from(order + "HH", head, 42)
    for index in range(phnum):
        start = phoff + index * phentsize
        if start + 4 > len(head):
            break
        if struct.unpack_from(order + "I", head, start)[0] == PT_INTERP:
            return True
    return False


def _context(busybox: Path) -> io.BytesIO:
    """The build context: the Dockerfile and the busybox binary, as a tar."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(DOCKERFILE, arcname="Dockerfile")
        archive.add(busybox, arcname="busybox")
    buffer.seek(0)
    return buffer

"""Read a file of the scanned tree only when it is a regular file of bounded size.

The scanned tree is hostile input: a ``pyproject.toml``, a baseline or a cache
file may be a FIFO (``open`` waits for a writer forever), a link to
``/dev/zero`` (``read`` never ends and fills memory) or a regular file of many
gigabytes. Every reader of such a file goes through :func:`read_regular`: it
opens without blocking, looks at what it opened (not at the name, which can be
swapped between a check and the open), refuses anything but a regular file, and
never reads more than its limit. A refusal is an :class:`OSError`, so callers
that already treat an unreadable file as unreadable need no new branch.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

KIB = 1024
MIB = 1024 * KIB
CONFIG_LIMIT = 4 * MIB  # pyproject.toml, setup.cfg, mypy.ini, .importlinter
BASELINE_LIMIT = 64 * MIB
TEXT_LIMIT = 32 * MIB  # a source or untracked file whose lines are counted

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class RefusedFile(OSError):
    """A name that is not a regular file, or one larger than its reader accepts."""


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path``; :class:`RefusedFile` when it is no regular file or holds more than ``limit`` bytes.

    Other failures (missing, no permission) raise the usual :class:`OSError`.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RefusedFile(f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise RefusedFile(f"larger than {limit // KIB} KiB ({info.st_size // KIB} KiB)")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(MIB, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while being read
            raise RefusedFile(f"larger than {limit // KIB} KiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_regular_text(path: Path, limit: int, errors: str = "strict") -> str:
    """:func:`read_regular` decoded as UTF-8 (``UnicodeDecodeError`` with ``errors="strict"``)."""
    return read_regular(path, limit).decode("utf-8", errors)

"""Undefined names, whichever engine finds them: ruff by default, pyflakes where ruff cannot answer.

Both engines report the same two rules (a name used but never defined, a name in
``__all__`` that is never defined) as one record, :class:`NameProblem`, so the
check and the cache never ask which engine answered.

pyflakes on an already-parsed tree was the first engine, and it is still used
where ruff is absent or cannot read a file (ruff reads UTF-8 only). But on a
large repository pyflakes costs as much as the parse itself, while ruff checks
the same rules (F821 undefined name, F822 undefined name in ``__all__``) over
Django in a fraction of a second. It runs as one subprocess beside the parse
workers, only over files whose facts are not cached, and its answers are
stored in the same cache as the rest of the facts.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence


@dataclass(frozen=True)
class NameProblem:
    """A name used but never defined (``export``: listed in ``__all__`` but never defined)."""

    name: str
    line: int
    column: int
    export: bool = False


CHUNK = 2000
_NAME = re.compile(r"`([^`]+)`")


def ruff_binary() -> str | None:
    """The ruff executable that ships with the ``ruff`` package, or one on PATH."""
    if os.environ.get("HEALTHCHECK_NAMES_ENGINE") == "pyflakes":
        return None
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff")


@dataclass
class RuffRun:
    """A ruff process started over a list of files; :meth:`results` waits for it."""

    binary: str
    paths: Sequence[Path]
    timeout: float = 300.0
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> RuffRun:
        for i in range(0, len(self.paths), CHUNK):
            chunk = [str(p) for p in self.paths[i : i + CHUNK]]
            cmd = [
                self.binary, "check", "--isolated", "--no-cache", "--exit-zero", "--quiet",
                "--select", "F821,F822", "--output-format", "json", *chunk,
            ]
            self.procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        return self

    def results(self) -> dict[str, tuple[NameProblem, ...]]:
        """Problems by absolute path. Raises RuntimeError when ruff did not do its job."""
        found: dict[str, list[NameProblem]] = {str(p): [] for p in self.paths}
        for proc in self.procs:
            try:
                out, err = proc.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                raise RuntimeError(f"ruff did not finish within {self.timeout:g} s") from None
            if proc.returncode != 0:
                reason = err.decode(errors="replace").strip().splitlines()
                raise RuntimeError(f"ruff exited with {proc.returncode}: {reason[-1] if reason else 'no output'}")
            for item in json.loads(out or b"[]"):
                code = item.get("code")
                if code not in ("F821", "F822"):
                    continue
                match = _NAME.search(item.get("message", ""))
                location = item.get("location") or {}
                problem = NameProblem(
                    match.group(1) if match else "?",
                    int(location.get("row", 0)),
                    int(location.get("column", 1)) - 1,
                    export=code == "F822",
                )
                found.setdefault(item["filename"], []).append(problem)
        return {path: tuple(sorted(ps, key=lambda p: (p.line, p.column))) for path, ps in found.items()}


def by_pyflakes(tree: ast.Module, rel: str) -> tuple[NameProblem, ...]:
    """The undefined names pyflakes' own checker finds in a tree already parsed."""
    # Imported here: with ruff answering, a warm scan never needs pyflakes at all.
    from pyflakes import checker as pyflakes_checker
    from pyflakes import messages as pyflakes_messages

    found: list[NameProblem] = []
    flakes = pyflakes_checker.Checker(tree, filename=rel)
    for msg in flakes.messages:
        if isinstance(msg, pyflakes_messages.UndefinedName):
            found.append(NameProblem(str(msg.message_args[0]), msg.lineno, msg.col))
        elif isinstance(msg, pyflakes_messages.UndefinedExport):
            found.append(NameProblem(str(msg.message_args[0]), msg.lineno, msg.col, export=True))
    return tuple(found)


def by_pyflakes_from_text(text: str, rel: str) -> tuple[NameProblem, ...] | None:
    """pyflakes' answer for a source not parsed here; None when it does not parse after all."""
    try:
        return by_pyflakes(ast.parse(text, filename=rel), rel)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None

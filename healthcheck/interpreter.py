"""The scanned repository's interpreter: what it is, and which engines it can run itself.

Three checks run code in the repository's interpreter (``--python``): mypy
needs its installed packages, the import check imports its modules, the test
check runs its pytest. Each used to look at the interpreter its own way, and
one of those ways was wrong: a virtualenv's ``bin/python`` resolves to the same
base binary as healthcheck's own, so "same interpreter" was concluded for an
environment that had none of healthcheck's packages. Here the interpreter is
asked once, in a subprocess with a time limit, for its version, its
``sys.prefix`` (what makes an environment an environment) and the versions of
the engines it can import; every check and ``healthcheck doctor`` read that one
answer.

An interpreter that cannot answer (no such file, not Python, Python 2 or older
than :data:`OLDEST`, a venv whose base interpreter is gone) is a usage error:
one line, exit 2, before anything runs or is written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from healthcheck.errors import UsageError
from healthcheck.supervision import Limits, run

OLDEST = (3, 9)  # the oldest Python whose code healthcheck's probes and mypy's --python-executable support
PROBE_TIMEOUT_S = 30.0
ENGINES = ("pytest", "coverage", "mypy", "xdist")

# Runs in the repository's interpreter: the standard library only, and valid Python 2 syntax up to the
# version check, so that an old interpreter answers with its version instead of a SyntaxError.
PROBE = r"""
import sys
if sys.version_info < (3, 0):
    sys.stdout.write('{"version": [%d, %d, %d]}\n' % tuple(sys.version_info[:3]))
    sys.exit(0)
import json
from importlib import metadata
from importlib.util import find_spec
DISTS = {"pytest": "pytest", "coverage": "coverage", "mypy": "mypy", "xdist": "pytest-xdist"}
engines = {}
for name, dist in DISTS.items():
    try:
        found = find_spec(name) is not None
    except Exception:
        found = False
    if found:
        try:
            engines[name] = metadata.version(dist)
        except Exception:
            engines[name] = "unknown"
print(json.dumps({"version": list(sys.version_info[:3]), "prefix": sys.prefix, "base_prefix": sys.base_prefix,
                  "executable": sys.executable, "engines": engines}))
"""


@dataclass(frozen=True)
class Interpreter:
    """What the repository's interpreter said about itself."""

    path: str
    version: tuple[int, ...]
    prefix: str
    executable: str
    engines: dict[str, str] = field(default_factory=dict)  # importable engine -> its distribution version

    @property
    def ours(self) -> bool:
        """Whether this is healthcheck's own environment (same ``sys.prefix``, not merely the same binary)."""
        return os.path.realpath(self.prefix) == os.path.realpath(sys.prefix)

    @property
    def version_text(self) -> str:
        return ".".join(str(p) for p in self.version)

    def has(self, engine: str) -> bool:
        return engine in self.engines

    def describe(self) -> str:
        where = "healthcheck's own environment" if self.ours else f"environment {self.prefix}"
        return f"{self.path} (Python {self.version_text}, {where})"


def installed_version(distribution: str) -> str:
    """The version of ``distribution`` in healthcheck's own environment (its engines), for reports and doctor."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _fail(python: str, why: str) -> UsageError:
    return UsageError(f"--python {python}: {why}")


@lru_cache(maxsize=16)
def inspect(python: str) -> Interpreter:
    """Ask ``python`` about itself. Raises :class:`UsageError` when it is not a usable interpreter."""
    path = Path(python)
    if os.sep in python or path.exists():
        if not path.exists():
            raise _fail(python, "no such file")
        if path.is_dir():
            raise _fail(python, "is a directory, not an interpreter (name its bin/python)")
        if not os.access(path, os.X_OK):
            raise _fail(python, "is not executable")
    try:
        # Under the supervisor: starting an interpreter runs its site-packages' .pth files and sitecustomize.
        done = run([python, "-c", PROBE], Limits(), PROBE_TIMEOUT_S, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    except FileNotFoundError:
        raise _fail(python, "cannot be started (not found, or its base interpreter was removed)") from None
    except OSError as exc:
        raise _fail(python, f"cannot be started: {exc.strerror or exc}") from None
    except subprocess.TimeoutExpired:
        raise _fail(python, f"did not answer within {PROBE_TIMEOUT_S:g} s") from None
    lines = done.stdout.strip().splitlines()
    try:
        facts = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        facts = None
    if done.returncode != 0 or not isinstance(facts, dict):
        said = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ["no output"])[-1]
        raise _fail(python, f"is not a working Python interpreter (exit {done.returncode}: {said[:200]})")
    version = tuple(int(v) for v in facts.get("version", ()))
    if version[:2] < OLDEST:
        shown = ".".join(str(v) for v in version)
        raise _fail(python, f"is Python {shown}; healthcheck needs the repository's interpreter to be Python "
                            f"{OLDEST[0]}.{OLDEST[1]} or newer")
    return Interpreter(
        path=python, version=version, prefix=str(facts["prefix"]), executable=str(facts["executable"]),
        engines={str(k): str(v) for k, v in dict(facts.get("engines", {})).items()},
    )

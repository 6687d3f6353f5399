"""The mypy version a project pins for itself, read statically, so that a verdict by another one says so.

mypy's rules change between releases (a cast is redundant under 1.11 and needed under 1.4, typeshed's
``functools.update_wrapper`` changed its type), so a project that passes its pinned mypy can fail a newer one
without a line of it being wrong: jinja2 3.1.4 pins mypy 1.4.1 and is clean under it, and has five errors under
mypy 2. healthcheck judges with the repository's own mypy when its interpreter has one; when it falls back to
its own and the project pins another release, the check's detail names the pin and where it is, so that a
reader knows whose verdict the errors are and how to get the project's own (install the pin into the
interpreter given to ``--python``).

Read from the files a project pins its tools in: ``requirements*.txt`` and ``requirements/*.txt`` at the root,
``pyproject.toml`` (any ``"mypy==X"`` string: extras, dependency groups), ``tox.ini``, ``setup.cfg`` and the
``mirrors-mypy`` hook of ``.pre-commit-config.yaml``. Nothing is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from healthcheck.project import requirement_files
from healthcheck.regular_file import CONFIG_LIMIT, read_regular_text

REQUIREMENT = re.compile(r"(?<![\w.-])mypy\s*==\s*(\d+(?:\.\d+)+)")
PRE_COMMIT = re.compile(r"mirrors-mypy[^\n]*\n\s*rev:\s*['\"]?v?(\d+(?:\.\d+)+)")


@dataclass(frozen=True)
class MypyPin:
    """A pinned mypy release and the file that pins it (relative to the root)."""

    version: str
    source: str

    def differs_from(self, version: str) -> bool:
        """Whether ``version`` is another release line (major.minor) than the pin."""
        return version.split(".")[:2] != self.version.split(".")[:2]


def find_pin(root: Path) -> MypyPin | None:
    """The first pin of mypy the project's files give, or None."""
    sources = [(path, REQUIREMENT) for path in requirement_files(root)]
    sources += [(root / name, REQUIREMENT) for name in ("pyproject.toml", "tox.ini", "setup.cfg")]
    for path, pattern in [*sources, (root / ".pre-commit-config.yaml", PRE_COMMIT)]:
        try:
            text = read_regular_text(path, CONFIG_LIMIT, errors="replace")
        except OSError:
            continue
        match = pattern.search(text)
        if match:
            return MypyPin(match.group(1), path.relative_to(root).as_posix())
    return None

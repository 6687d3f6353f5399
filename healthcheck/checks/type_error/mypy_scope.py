"""Which files mypy checks and how much its findings weigh: the way the project itself uses mypy.

Handing mypy every ``.py`` file of a repository checks what the project never checks (its tests, benchmarks,
documentation) and, because a file named explicitly is checked even when a ``.pyi`` stub sits beside it, reports
errors plain ``mypy`` on the project does not. So the scope follows the project:

- ``configured``: its mypy configuration names ``files``, ``packages`` or ``modules``: exactly those (its
  ``exclude`` applied), as ``mypy`` with no arguments would check;
- ``command``: no targets in the configuration, but the project runs ``mypy PATH ...`` in ``tox.ini``,
  ``noxfile.py``, a ``Makefile``/``justfile`` or a CI workflow: the paths of those commands (attrs checks its
  ``.pyi`` stubs and typing examples, never the implementation behind them);
- ``packages``: a configuration without targets, or none at all: the project's own code (its packages and
  top-level modules), never its tests, entry points (``setup.py`` ...), docs, examples or benchmark folders;
- a stub beside a source file stands for it, as it does when mypy finds the module itself.

With no mypy configuration at all (``unconfigured``), the project has not chosen to type-check: the codes that
only ask for annotations (``var-annotated``, ``no-untyped-def`` ...) and imports the environment lacks
(``import-not-found``, ``import-untyped``) are ``info``, and the rest are ``warning``s, except the two claims
mypy makes without inferring anything, a name that is not defined (``name-defined``) and an annotation that is
no type (``valid-type``), which stay ``error``s. On code never written for mypy its other errors are almost
never true: in a labelled sample of 86 of them on eight unconfigured projects of the corpus (Django, requests,
docutils, six, simplejson, urllib3 1.26, markdown, sqlparse; ``bench/labels/type-error.jsonl``), 3 were true,
2 of them among the 3 of those two codes; a base class's ``None`` default, a conditional redefinition and an
attribute set with ``setattr`` make the rest. Configuring mypy at all (an empty ``[tool.mypy]``) gates them
all. The mode and the reason for it are in the check's detail.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from healthcheck.checks.type_error.mypy_config import MypyConfig
from healthcheck.model import Severity
from healthcheck.project import SourceFile, entry_point_or_tree
from healthcheck.regular_file import CONFIG_LIMIT, read_regular_text

ANNOTATION_CODES = frozenset({
    "var-annotated", "no-untyped-def", "no-untyped-call", "annotation-unchecked", "type-arg", "no-any-return",
    "no-any-unimported", "has-type",
})
IMPORT_CODES = frozenset({"import-not-found", "import-untyped", "import"})
# What mypy claims of code never written for it without inferring a type: kept as errors when unconfigured.
DEFINITE_CODES = frozenset({"name-defined", "valid-type"})
COMMAND_FILES = ("tox.ini", "noxfile.py", "Makefile", "justfile", ".pre-commit-config.yaml")
MYPY_COMMAND = re.compile(r"(?:^|[\s'\"(])(?:python3? -m )?mypy\s+([^\n;&|#'\"]+)")
NOT_LIBRARY = frozenset({"bench", "benchmarks", "benchmark", "scripts", "tools", "tasks", "ci", "examples",
                         "example", "docs", "doc", "tests", "test", "testing"})


@dataclass(frozen=True)
class Scope:
    """The files mypy is given, and how its findings count."""

    mode: str  # "configured" | "packages" | "unconfigured"
    why: str
    files: tuple[str, ...]  # relative, "/"-separated: a stub where one stands beside the source

    def severity(self, code: str | None) -> Severity:
        """``info`` for a module the environment lacks (``import-not-found``, in every mode: the import check
        says which distribution to install, and a project module that does not exist is an
        ``unresolved-import``), ``info`` for what an unconfigured project never asked mypy about, ``warning`` for
        its other codes but
        the definite ones (see the module's docstring); ``warning`` for an unused ``type: ignore`` in every mode
        (hygiene, and whether it is used changes with the mypy version and the stubs installed, not with the
        code); ``error`` otherwise, and for an error mypy gives no code (one that stopped it)."""
        unasked = self.mode == "unconfigured" and (code in ANNOTATION_CODES or code in IMPORT_CODES)
        if code == "import-not-found" or unasked:
            return "info"
        if self.mode == "unconfigured" and code and code not in DEFINITE_CODES:
            return "warning"
        return "warning" if code == "unused-ignore" else "error"


def _targets(config: MypyConfig) -> tuple[list[str], list[str]]:
    """The ``packages`` and ``modules`` options as dotted names."""
    options = config.global_options

    def names(key: str) -> list[str]:
        return [n.strip() for n in options.get(key, "").split(",") if n.strip()]

    return names("packages"), names("modules")


def _library(source: SourceFile) -> bool:
    """The project's own code: not a test, entry point, documentation, example or benchmark tree."""
    if source.is_test or entry_point_or_tree(source.rel) is not None:
        return False
    return source.rel.split("/")[0] not in NOT_LIBRARY


def command_paths(root: Path) -> tuple[list[str], str | None]:
    """The paths the project's own ``mypy`` commands check, and the file that says so."""
    sources = [root / name for name in COMMAND_FILES] + sorted((root / ".github" / "workflows").glob("*.y*ml"))
    for source in sources:
        try:
            text = read_regular_text(source, CONFIG_LIMIT, errors="replace")
        except OSError:
            continue
        found: list[str] = []
        for match in MYPY_COMMAND.finditer(text):
            try:
                words = shlex.split(match.group(1))
            except ValueError:
                continue
            found += [w.rstrip("/") for w in words if not w.startswith("-") and (root / w).exists()]
        if found:
            return found, source.relative_to(root).as_posix()
    return [], None


def _under(rel: str, paths: list[str]) -> bool:
    return any(rel == p or rel.startswith(p + "/") or p in (".", "") for p in paths)


def _stub_for(source: SourceFile, root: Path) -> str:
    stub = source.path.with_suffix(".pyi")
    return stub.relative_to(root).as_posix() if stub.is_file() else source.rel


def choose(config: MypyConfig, sources: Iterable[SourceFile], root: Path) -> Scope:
    """The scope of one run over the parsed ``sources``."""
    sources = list(sources)
    packages, modules = _targets(config)
    if config.files or packages or modules:
        def wanted(s: SourceFile) -> bool:
            in_package = any(s.module == p or s.module.startswith(p + ".") for p in packages)
            return (config.files and config.wants(s.rel)) or in_package or s.module in modules

        picked = [s for s in sources if wanted(s) and not (config.exclude and config.exclude.search(s.rel))]
        where = config.source.name if config.source else "the configuration"
        mode, why = "configured", f"the files, packages and modules {where} names"
    elif command_paths(root)[0]:
        paths, said = command_paths(root)
        picked = [s for s in sources if _under(s.rel, paths) or _under(_stub_for(s, root), paths)]
        mode, why = "command", f"the paths of the mypy command in {said}"
        return Scope(mode, why, tuple(sorted({_stub_for(s, root) for s in picked} | {
            p for p in paths if p.endswith(".pyi")})))
    else:
        picked = [s for s in sources if _library(s) and config.wants(s.rel)]
        if config.source is not None:
            mode, why = "packages", f"{config.source.name} configures mypy but names no files: the packages"
        else:
            mode, why = "unconfigured", ("no mypy configuration: the packages, annotation requests and imports "
                                         "missing from the environment as info")
    return Scope(mode, why, tuple(sorted({_stub_for(s, root) for s in picked})))

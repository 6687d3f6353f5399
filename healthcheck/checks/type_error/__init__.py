"""``type-error``: mypy over every module that parses, each error a finding with its notes and a category.

mypy run on a whole tree stops at the first file it cannot parse ("errors
prevented further checking"), which on a broken codebase means it says nothing
at all. Here mypy is given the explicit list of files that parse (the shared
parse already knows which), and the broken modules are marked
``follow_imports = skip`` so that importing them does not stop it either.

mypy runs as a subprocess under the supervisor (:mod:`healthcheck.supervision`:
mypy plugins are the repository's code): the scanned repository's own mypy when its
interpreter has one (the version the repository pins), else healthcheck's,
pointed at the repository's interpreter with ``--python-executable`` so that
its installed packages are found; a ``mypy/`` folder in the scanned tree is
never run in its place (:data:`MYPY_MAIN`). It runs in the repository's root, so it reads
the repository's own configuration (its plugins included); which files it is
given, and how much its findings weigh when the project has no mypy
configuration at all, follow the project's own use of mypy
(:mod:`healthcheck.checks.type_error.mypy_scope`: its configured files, packages and
modules, else its own code without tests, docs or benchmarks; a stub beside a
source file stands for it); the report's ``type_check_scope`` says which. The cache lives under
healthcheck's cache folder, so a second scan re-checks only what changed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping

from healthcheck.check_run import SectionKey
from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, DiffSection, FindingKind, GateSpec
from healthcheck.checks.type_error.mypy_config import MypyConfig, read_mypy_config, refused_config
from healthcheck.checks.type_error.mypy_output import MypyError, parse_json, parse_text
from healthcheck.checks.type_error.mypy_pin import find_pin
from healthcheck.checks.type_error.mypy_scope import Scope
from healthcheck.checks.type_error.mypy_scope import choose as choose_scope
from healthcheck.config import OptionSpec
from healthcheck.interpreter import Interpreter
from healthcheck.model import Finding
from healthcheck.supervision import run

JSON_SINCE = (1, 11)  # first mypy with ``-O json``
# Which files mypy was given and why (mode, why, files).
TYPE_CHECK_SCOPE: SectionKey[dict[str, Any]] = SectionKey("type_check_scope")
# ``python -m mypy`` in the repository's root would put the root first on sys.path, so a ``mypy/`` folder of
# the scanned tree would run instead of mypy and say what it likes. This imports the interpreter's own mypy
# (and what it imports at start) with the root left out, then puts the root back (plugins named by module
# are found there, as with ``-m``) and runs mypy's ``__main__``. Valid on every Python mypy runs on.
MYPY_MAIN = (
    "import os, runpy, sys; here = os.path.abspath(os.curdir); "
    "sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]; "
    "import mypy.main; sys.path.insert(0, here); sys.argv[0] = 'mypy'; "
    "runpy.run_module('mypy', run_name='__main__', alter_sys=True)"
)
LINE_NUMBER = re.compile(r"\bline \d+\b")
INTERNAL_ERROR = re.compile(r"^(?P<path>.+?):\d+: error: INTERNAL ERROR", re.MULTILINE)


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", text.split("+")[0])[:3]
    return tuple(int(p) for p in parts)


def own_mypy_version() -> str:
    """The version of the mypy healthcheck itself depends on (always importable here)."""
    import mypy.version

    return str(mypy.version.__version__)


@dataclass(frozen=True)
class MypyChoice:
    """Which mypy judges a repository: the interpreter that runs it, its version, and from which environment."""

    python: str
    version: str
    foreign: bool  # healthcheck's mypy on another interpreter: it needs --python-executable
    environment: str


def choose_mypy(target: Interpreter) -> MypyChoice:
    """The repository's own mypy when its interpreter has one (the version it pins), else healthcheck's.

    "The repository's interpreter is healthcheck's own" is decided by ``sys.prefix`` (:attr:`Interpreter.ours`),
    never by resolving the binary: a virtualenv's ``bin/python`` resolves to the same base binary while having
    none of healthcheck's packages.
    """
    if target.ours:
        return MypyChoice(sys.executable, own_mypy_version(), False, "healthcheck's own, which is also the repository's")
    if target.has("mypy"):
        return MypyChoice(target.path, target.engines["mypy"], False, f"the repository's ({target.prefix})")
    return MypyChoice(sys.executable, own_mypy_version(), True,
                      f"healthcheck's own ({sys.prefix}), with --python-executable {target.path}")


class MypyRun:
    """One invocation of mypy on a file list, and what it printed (mypy chosen by :func:`choose_mypy`)."""

    def __init__(self, ctx: CheckContext, config: MypyConfig) -> None:
        self.ctx = ctx
        self.config = config
        choice = choose_mypy(ctx.interpreter)
        self.python, self.version, self.foreign = choice.python, choice.version, choice.foreign
        self.environment = choice.environment
        self.own = choice.python == sys.executable  # healthcheck's own mypy, not the repository's
        self.json = _version_tuple(self.version) >= JSON_SINCE

    def engine(self) -> dict[str, str]:
        """The report's ``checks.type-error.engine``."""
        return {"name": "mypy", "version": self.version, "python": self.python, "environment": self.environment}

    def argv(self, work: Path, files: list[str], skip: list[str]) -> list[str]:
        ctx = self.ctx
        cache = str(ctx.cache_dir / "mypy") if ctx.cache_dir else os.devnull
        args = [
            self.python, "-c", MYPY_MAIN, "--show-error-codes", "--no-pretty", "--show-column-numbers",
            "--show-absolute-path", "--no-color-output", "--no-error-summary", "--explicit-package-bases",
            "--cache-dir", cache,
        ]
        if self.json:
            args += ["-O", "json"]
        if self.foreign:
            args += ["--python-executable", ctx.python]
        if skip:
            overlay = work / "mypy-overlay.ini"
            overlay.write_text(self.config.overlay(skip), encoding="utf-8")
            args += ["--config-file", str(overlay)]
        # File names are data: mypy reads each line of its @file as an argument, so a name that starts with
        # "-" is given as ./-name, and one the @file cannot carry (a line break, bytes that are not UTF-8)
        # goes after "--" on the command line.
        listed = ["./" + f if f.startswith("-") else f for f in files if _listable(f)]
        listing = work / "mypy-files.txt"
        listing.write_text("\n".join(listed) + "\n", encoding="utf-8")
        rest = [f for f in files if not _listable(f)]
        return [*args, f"@{listing}", *(["--", *rest] if rest else [])]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        extra = [str(r) for r in self.ctx.project.source_roots if r != self.ctx.root]
        if extra:
            env["MYPYPATH"] = os.pathsep.join([*extra, *filter(None, [env.get("MYPYPATH")])])
        return env

    def run(self, files: list[str], skip: list[str], timeout: float) -> tuple[int, list[MypyError], list[str], str]:
        """(exit code, errors, unparsed stdout lines, stderr)."""
        with tempfile.TemporaryDirectory(prefix="healthcheck-mypy-") as tmp:
            argv = self.argv(Path(tmp), files, skip)
            try:
                done = run(argv, self.ctx.config.limits, timeout, cwd=self.ctx.root, env=self.env())
            except subprocess.TimeoutExpired:
                return -1, [], [], f"mypy did not finish within {timeout:g} s"
        errors, other = (parse_json if self.json else parse_text)(done.stdout)
        return done.returncode, errors, other, done.stderr


def _listable(name: str) -> bool:
    """Whether a file name can be one line of mypy's @file: no line break, and encodable as UTF-8."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8, decoded to lone surrogates
        return False
    return "\n" not in name and "\r" not in name


def _blocking(errors: list[MypyError], files: set[str], root: Path) -> dict[str, list[MypyError]]:
    """Files whose errors stopped mypy, with those errors: leave the files out and try again.

    A blocking error is a syntax error by mypy's reading, or one of the errors the
    compiler raises although the file parses (``yield`` outside a function,
    ``yield from`` in an ``async def``); mypy gives the latter no error code.
    """
    out: dict[str, list[MypyError]] = {}
    for e in errors:
        if e.code in ("syntax", None):
            rel = _relative(e.path, root)
            if rel in files:
                out.setdefault(rel, []).append(e)
    return out


def _crashed_on(stderr: str, files: set[str], root: Path) -> str | None:
    """The file mypy crashed on ("path:line: error: INTERNAL ERROR"), when it is one of ``files``."""
    match = INTERNAL_ERROR.search(stderr)
    if match is None:
        return None
    rel = _relative(match["path"], root)
    return rel if rel in files else None


def _dedented(notes: list[str]) -> list[str]:
    """Notes without mypy's common indentation (the nesting of Expected/Got is kept)."""
    return textwrap.dedent("\n".join(notes)).splitlines()


def _relative(path: str, root: Path) -> str | None:
    p = Path(path)
    if not p.is_absolute():
        p = root / p
    try:
        return p.resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def _said(other: list[str], stderr: str) -> list[str]:
    """What mypy printed besides its errors (its stdout's other lines, then its stderr), stripped, blanks out."""
    return [line.strip() for line in [*other, *stderr.splitlines()] if line.strip()]


class TypeErrorCheck(BaseCheck):
    name: ClassVar[str] = "type-error"
    order: ClassVar[int] = 60
    kinds: ClassVar[tuple[FindingKind, ...]] = (
        FindingKind("type-error", "mypy reports a type error.", "types-and-imports", rank=6,
                    diff=DiffSection("type_errors", "type errors")),
    )
    executes_code: ClassVar[bool] = True
    gates: ClassVar[tuple[GateSpec, ...]] = (
        GateSpec("max_type_errors", "type_errors", "<=", 0, help="errors mypy reports"),
    )
    options: ClassVar[Mapping[str, OptionSpec]] = {
        "timeout": OptionSpec((int, float), 0, "seconds mypy may take (0: the scan's timeout)"),
    }

    def enabled(self, ctx: CheckContext) -> str | None:
        if not ctx.options.types:
            return "type checking turned off (--no-types)"
        return None

    def run(self, ctx: CheckContext) -> CheckResult:
        refused = refused_config(ctx.root)
        if refused is not None:
            return CheckResult.error(f"mypy not run: {refused}")
        config = read_mypy_config(ctx.root)
        by_rel = ctx.project.by_rel()
        scope = choose_scope(config, [by_rel[f.rel] for f in ctx.parsed() if f.rel in by_rel], ctx.root)
        files = list(scope.files)
        skip = sorted({f.module for f in ctx.facts if not f.parsed})
        if not files:
            return CheckResult(metrics=self._metrics([], ctx), detail="no files for mypy to check")
        limit = float(ctx.option(self.name, "timeout")) or min(ctx.options.timeout, ctx.config.timeout)
        runner = MypyRun(ctx, config)
        ctx.progress(f"type checking {len(files)} files with mypy {runner.version}")
        dropped: list[str] = []
        crashed: list[str] = []  # files mypy itself crashed on (a mypy bug, not the repository's error)
        blockers: list[MypyError] = []  # the errors that stopped mypy, other than its syntax errors
        # mypy names the files that stop it one or a few at a time: run it again without them while it names
        # new ones (every round leaves out at least one file), all rounds within the one time limit.
        deadline = time.monotonic() + limit
        while True:
            code, errors, other, stderr = runner.run(files, skip, max(deadline - time.monotonic(), 0.001))
            if code == -1:
                stderr = f"mypy did not finish within {limit:g} s"
            blocking = _blocking(errors, set(files), ctx.root) if code == 2 else {}
            crash = _crashed_on(stderr, set(files), ctx.root) if code == 2 else None
            if not blocking and crash is None:
                break
            dropped.extend(sorted(blocking))
            if crash is not None:
                crashed.append(crash)
            blockers += [e for rel in sorted(blocking) for e in blocking[rel] if e.code is None]
            left_out = {*blocking, *crashed}
            files = [f for f in files if f not in left_out]
            skip = sorted(set(skip) | {by_rel[r].module for r in left_out if r in by_rel})
            if not files:  # every file stopped mypy: nothing is left to check
                code, errors, other = 0, [], []
                break
        if code not in (0, 1) or (code == 1 and not errors):
            # mypy exits 1 only when it reports errors: exit 1 with none read is mypy failing to start
            # ("No module named mypy"), never a clean run.
            failed = CheckResult.error(self._failure(code, other, stderr, errors, ctx.root))
            failed.engine = runner.engine()
            return failed
        findings = self._findings(blockers + errors, ctx, scope)
        detail = f"{len(findings)} type errors in {len(files)} files (mypy {runner.version})"
        if dropped:
            detail += f"; mypy could not read {', '.join(sorted(dropped))}"
        if crashed:
            detail += f"; mypy crashed on {', '.join(sorted(crashed))} (left out)"
        said = _said(other, stderr)
        if said:  # mypy's own complaints about the configuration ("python_version 3.8 is not supported")
            detail += f"; mypy said: {said[0][:300]}"
        pin = find_pin(ctx.root)
        if pin is not None and runner.own and pin.differs_from(runner.version):
            detail += (f"; judged by healthcheck's mypy {runner.version}, while the project pins mypy {pin.version} "
                       f"({pin.source}): install that into the interpreter given to --python for its own verdict")
        result = CheckResult(findings=findings, metrics=self._metrics(findings, ctx), detail=detail,
                             engine=runner.engine())
        result.sections.put(TYPE_CHECK_SCOPE, {"mode": scope.mode, "why": scope.why, "files": len(files)})
        return result

    def _failure(self, code: int, other: list[str], stderr: str, errors: list[MypyError], root: Path) -> str:
        if code == -1:
            return stderr
        lines = _said(other, stderr)
        if not lines and errors:  # mypy said nothing but its errors: the last one is why it stopped
            last = errors[-1]
            lines.append(f"{_relative(last.path, root) or last.path}:{last.line or 0}: {last.message}")
        why = lines[-1].strip() if lines else "no output"
        return f"mypy failed (exit {code}): {why}"

    def _findings(self, errors: list[MypyError], ctx: CheckContext, scope: Scope) -> list[Finding]:
        seen: Counter[tuple[str, str]] = Counter()
        findings: list[Finding] = []
        for e in errors:
            rel = _relative(e.path, ctx.root)
            if rel is None:
                continue  # an error in an installed package or stub: not this repository's to fix
            normalised = LINE_NUMBER.sub("line N", e.message)
            seen[(rel, normalised)] += 1
            code = e.code or "misc"
            findings.append(
                Finding.create(
                    "type-error",
                    f"{e.message} [{code}]",
                    key=f"{code}:{normalised}#{seen[(rel, normalised)]}",
                    path=rel,
                    line=e.line,
                    end_line=e.end_line if e.end_line and e.line and e.end_line >= e.line else None,
                    severity=scope.severity(code),
                    data={"code": code, "category": e.category, "notes": _dedented(e.notes), "column": e.column},
                )
            )
        return findings

    def _metrics(self, findings: list[Finding], ctx: CheckContext) -> dict[str, Any]:
        by_rel = ctx.project.by_rel()
        categories: Counter[str] = Counter(f.data["category"] for f in findings)
        packages: Counter[str] = Counter()
        for f in findings:
            source = by_rel.get(f.path or "")
            packages[(source.package or source.module) if source else "(other)"] += 1
        return {
            "type_errors": sum(1 for f in findings if f.severity == "error"),
            "type_errors_by_category": dict(sorted(categories.items())),
            "type_errors_by_package": dict(sorted(packages.items())),
        }

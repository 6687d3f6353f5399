"""Coverage measured in every process of the scanned test suite, whatever its interpreter has installed.

``coverage run -m pytest`` measures one process: the suite's workers under
pytest-xdist (``-n 2`` in ``addopts``) and the subprocesses its tests start
are not measured, so a suite run with xdist read 0 % and failed its gate. And
it needs coverage.py in the repository's interpreter, which a project
virtualenv often lacks, so coverage went unmeasured there.

Instead, every Python process of the run starts coverage.py itself, at
interpreter start-up, through a ``sitecustomize`` module in a scratch folder
put first on ``PYTHONPATH`` (inherited by xdist's workers and by any
subprocess a test starts with the environment it was given). It calls
coverage.py's documented :func:`coverage.process_startup`, which reads the
configuration file named by ``COVERAGE_PROCESS_START``: branch coverage, the
sources under test, ``parallel = True`` so that each process writes its own
data file, combined before it is read. Then it runs the ``sitecustomize`` it
hides, if the interpreter has one.

When the interpreter has no coverage.py, healthcheck's own is made importable
in the same scratch folder (a link to its package, the way the pytest plugin
is copied there); its C tracer loads only into the same Python version, so
another version is told to use coverage.py's pure-Python tracer
(``COVERAGE_CORE=pytrace``). A process where coverage could not start writes
why into a file the check reads, so "not measured" always comes with a reason.

A process that ends with :func:`os._exit` skips the exit handler that writes
coverage.py's data, so it counted for nothing: a forked child, and every run of
healthcheck's own supervisor (``in_target/supervisor.py``, started ``python -I``,
so only the ``.pth`` file coverage.py installs starts coverage in it). Where the
measuring coverage.py has ``[run] patch = _exit`` (7.10 on), the configuration
asks for it, and such a process saves its data on the way out.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from healthcheck.interpreter import Interpreter

ERRORS_ENV = "HEALTHCHECK_COVERAGE_ERRORS"
EXIT_PATCH_SINCE = (7, 10)  # the coverage.py whose ``[run] patch = _exit`` saves the data of a process os._exit ends

SITECUSTOMIZE = '''\
"""Loaded by Python at start-up in each process of a test run healthcheck measures: start coverage.py."""
import os
import sys


def _healthcheck_start_coverage():
    if os.environ.get("COVERAGE_PROCESS_START"):
        try:
            import coverage

            coverage.process_startup()
        except Exception as exc:  # the run goes on unmeasured; the check says why
            errors = os.environ.get("{errors_env}")
            if errors:
                with open(errors, "a") as out:
                    out.write("%s: %s\\n" % (type(exc).__name__, exc))
    here = os.path.dirname(os.path.abspath(__file__))
    import importlib.machinery
    import importlib.util

    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None:  # the interpreter's own sitecustomize, which this one hides
        module = importlib.util.module_from_spec(spec)
        sys.modules["sitecustomize"] = module
        spec.loader.exec_module(module)


_healthcheck_start_coverage()
'''


@dataclass(frozen=True)
class CoverageSetup:
    """The environment that makes a test run measure itself, and where its data and complaints go."""

    env: dict[str, str]
    data_file: Path
    errors_file: Path
    source: str  # "the repository's" or "healthcheck's" coverage.py, with its version

    def problems(self) -> list[str]:
        """What processes of the run said when coverage.py could not start in them (each once)."""
        try:
            lines = self.errors_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return []
        return list(dict.fromkeys(line.strip() for line in lines if line.strip()))


def _config(data_file: Path, targets: Sequence[str], coverage_version: str) -> str:
    lines = ["[run]", "branch = True", "parallel = True", f"data_file = {data_file}"]
    if tuple(int(part) for part in re.findall(r"\d+", coverage_version)[:2]) >= EXIT_PATCH_SINCE:
        lines.append("patch = _exit")
    if targets:
        lines.append("source =")
        lines += [f"    {t}" for t in targets]
    return "\n".join(lines) + "\n"


def own_coverage_version() -> str:
    import coverage

    return str(coverage.__version__)


def prepare(scratch: Path, target: Interpreter, targets: Sequence[str]) -> CoverageSetup:
    """Write the start-up module and configuration into ``scratch`` and return the run's extra environment.

    ``targets`` are coverage.py ``source`` values (folders or module names); empty measures everything.
    """
    boot = scratch / "coverage-boot"
    boot.mkdir(parents=True, exist_ok=True)
    (boot / "sitecustomize.py").write_text(SITECUSTOMIZE.replace("{errors_env}", ERRORS_ENV), encoding="utf-8")
    data_file = scratch / ".coverage"
    rc = scratch / "coverage.ini"
    version = target.engines["coverage"] if target.has("coverage") else own_coverage_version()
    rc.write_text(_config(data_file, targets, version), encoding="utf-8")
    errors = scratch / "coverage-errors.txt"
    errors.unlink(missing_ok=True)
    env = {"COVERAGE_PROCESS_START": str(rc), ERRORS_ENV: str(errors)}
    paths = [str(boot)]
    if not target.has("coverage"):
        import coverage

        lib = scratch / "coverage-lib"
        lib.mkdir(parents=True, exist_ok=True)
        link = lib / "coverage"
        package = Path(coverage.__file__).resolve().parent
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(package, target_is_directory=True)
        paths.append(str(lib))
        if pure_python_tracer(target):
            env["COVERAGE_CORE"] = "pytrace"
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return CoverageSetup(env=env, data_file=data_file, errors_file=errors, source=coverage_source(target))


def pure_python_tracer(target: Interpreter) -> bool:
    """Whether healthcheck's lent coverage.py must trace in pure Python: its C tracer is built for our version."""
    return not target.has("coverage") and tuple(target.version[:2]) != sys.version_info[:2]


def coverage_source(target: Interpreter) -> str:
    """Which coverage.py measures a suite run by ``target``, in words for the report and ``doctor``."""
    if target.has("coverage"):
        return f"the repository's coverage.py {target.engines['coverage']}"
    source = f"healthcheck's coverage.py {own_coverage_version()}, loaded into the repository's interpreter"
    return source + (" with its pure-Python tracer" if pure_python_tracer(target) else "")

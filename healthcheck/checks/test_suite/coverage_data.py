"""What the test run covered, counted over every source file of the project, not only the ones it saw.

coverage.py reports the files it measured and, with ``--source``, the
importable ones no test touched; a file that does not parse it skips with a
warning, which makes a broken codebase look *better* covered than it is. Here
the denominator is the project's own list of non-test source files:

- a measured file counts as coverage.py says (statements plus branches, the
  same formula as its ``--branch`` total);
- a file no test imported counts with all its statements and branches missed;
- a file that does not parse counts every non-blank, non-comment line as a
  missed statement (no parser can tell us more about it).

Only the data file is read, by coverage.py in a short process of healthcheck's
own interpreter (:func:`read_summary` says why not in healthcheck's process):
analysing coverage parses source files but never runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

import healthcheck
from healthcheck.project import Project, SourceFile

# Top-level names that are scripts, docs or tooling, not the code under test.
NOT_SOURCE = frozenset({
    "setup", "noxfile", "fabfile", "manage", "conftest", "docs", "doc", "documentation", "examples",
    "example", "scripts", "script", "bench", "benchmarks", "benchmark", "tools", "ci", "build", "tasks",
})

FileStatus = Literal["measured", "unimported", "unparsed"]


@dataclass(frozen=True)
class FileCoverage:
    """Coverage of one source file."""

    path: str
    package: str
    statements: int
    missing: int
    branches: int
    missing_branches: int
    status: FileStatus
    executed_lines: frozenset[int] = frozenset()
    missing_lines: frozenset[int] = frozenset()

    @property
    def covered_units(self) -> int:
        return self.statements - self.missing + self.branches - self.missing_branches

    @property
    def units(self) -> int:
        return self.statements + self.branches

    @property
    def percent(self) -> float:
        return percent(self.covered_units, self.units)


def percent(covered: int, total: int) -> float:
    """A percentage with two decimals; nothing to cover is fully covered."""
    return round(100.0 * covered / total, 2) if total else 100.0


def source_files(project: Project, chosen: Sequence[str] = ()) -> list[SourceFile]:
    """The project's files under test: non-test files of its source packages.

    ``chosen`` (option ``source``) names the top-level packages or modules to
    measure; by default every top-level name that is not tests, docs or tooling.
    """
    names = set(chosen) if chosen else {n for n in project.top_level_packages if n not in NOT_SOURCE}
    return [f for f in project.files if not f.is_test and f.module.split(".")[0] in names]


def measure_targets(files: Iterable[SourceFile]) -> list[str]:
    """``--source`` values: the folder of each top-level package, the name of each top-level module.

    Folders rather than package names, so coverage.py can list the files no test
    imported without importing anything itself.
    """
    targets: dict[str, str] = {}
    for f in files:
        parts = f.module.split(".")
        if parts[0] in targets:
            continue
        if len(parts) == 1 and not f.is_package:
            targets[parts[0]] = parts[0]
        else:
            targets[parts[0]] = str(f.path.parents[len(parts) - (1 if f.is_package else 2)])
    return sorted(targets.values())


def _config_file(root: Path) -> str | bool:
    rc = root / ".coveragerc"
    if rc.is_file():
        return str(rc)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and "[tool.coverage" in pyproject.read_text(encoding="utf-8", errors="replace"):
        return str(pyproject)
    return False


def combine_parallel(data_file: Path) -> None:
    """Merge ``data_file.*`` parts (a repository configured ``parallel = true``) into ``data_file``."""
    parts = list(data_file.parent.glob(data_file.name + ".*"))
    if not parts:
        return
    import coverage

    cov = coverage.Coverage(data_file=str(data_file), config_file=False)
    cov.combine(data_paths=[str(p) for p in parts], keep=False)
    cov.save()


def _json_summary(data_file: Path, root: Path, paths: Sequence[Path]) -> dict[str, Any]:
    """coverage.py's JSON report of ``paths``, keyed by absolute path, each marked measured or not."""
    import coverage

    cov = coverage.Coverage(data_file=str(data_file), config_file=_config_file(root))
    cov.load()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        try:
            cov.json_report(morfs=[str(p) for p in paths], outfile=str(out), ignore_errors=True)
        except coverage.exceptions.NoDataError:
            return {}
        files: dict[str, Any] = json.loads(out.read_text(encoding="utf-8")).get("files", {})
    measured = {str(Path(m).resolve()) for m in cov.get_data().measured_files()}
    here = Path.cwd()
    summary: dict[str, Any] = {}
    for name, info in files.items():
        key = str((here / name).resolve())
        summary[key] = dict(info, measured=key in measured)
    return summary


def code_lines(path: Path) -> frozenset[int]:
    """Lines that would hold statements in a file no parser accepts: non-blank, not comments."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    return frozenset(
        n for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")
    )


def package_of(f: SourceFile) -> str:
    return f.package or f.module


READER = """
import json, sys
from pathlib import Path
from healthcheck.checks.test_suite.coverage_data import combine_parallel, _json_summary
data_file, root, listing, out = (Path(a) for a in sys.argv[1:5])
combine_parallel(data_file)
paths = [Path(p) for p in listing.read_text(encoding="utf-8").splitlines() if p]
Path(out).write_text(json.dumps(_json_summary(data_file, root, paths) if paths else {}), encoding="utf-8")
"""


def read_summary(data_file: Path, root: Path, paths: Sequence[Path]) -> dict[str, Any]:
    """Combine the run's data files and read coverage.py's summary of ``paths``, in a process of its own.

    Never in healthcheck's process: when that process is itself measured (a suite that runs healthcheck in its
    tests, as this repository's does), creating a second ``coverage.Coverage`` object there stops the
    measuring one from saving its data at exit.
    """
    with tempfile.TemporaryDirectory(prefix="healthcheck-coverage-") as tmp:
        listing, out = Path(tmp) / "paths.txt", Path(tmp) / "summary.json"
        listing.write_text("\n".join(str(p) for p in paths) + "\n", encoding="utf-8")
        package_root = Path(healthcheck.__file__).resolve().parent.parent  # the folder healthcheck is imported from
        env = {**{k: v for k, v in os.environ.items() if k != "COVERAGE_PROCESS_START"}, "PYTHONPATH": os.pathsep.join(filter(None, [str(package_root),
                                                                          os.environ.get("PYTHONPATH")]))}
        done = subprocess.run([sys.executable, "-c", READER, str(data_file), str(root), str(listing), str(out)],
                              cwd=Path.cwd(), env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"coverage.py could not read the run's data: {last}")
        summary: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return summary


def analyse(data_file: Path, root: Path, files: Sequence[SourceFile], unparsed: set[str]) -> list[FileCoverage]:
    """Coverage of every file in ``files`` (see the module docstring for how each kind counts)."""
    parseable = [f for f in files if f.rel not in unparsed]
    summary = read_summary(data_file, root, [f.path for f in parseable])
    out: list[FileCoverage] = []
    for f in files:
        info = summary.get(str(f.path.resolve()))
        if f.rel in unparsed or info is None:
            lines = code_lines(f.path)
            out.append(FileCoverage(f.rel, package_of(f), len(lines), len(lines), 0, 0, "unparsed",
                                    missing_lines=lines))
            continue
        s = info["summary"]
        branches = int(s.get("num_branches", 0))
        out.append(FileCoverage(
            path=f.rel,
            package=package_of(f),
            statements=int(s["num_statements"]),
            missing=int(s["missing_lines"]),
            branches=branches,
            missing_branches=branches - int(s.get("covered_branches", 0)),
            status="unimported" if s["num_statements"] and not info.get("executed_lines") else "measured",
            executed_lines=frozenset(info.get("executed_lines", ())),
            missing_lines=frozenset(info.get("missing_lines", ())),
        ))
    return out


def totals(files: Sequence[FileCoverage]) -> float:
    return percent(sum(f.covered_units for f in files), sum(f.units for f in files))


def package_table(files: Sequence[FileCoverage]) -> list[dict[str, Any]]:
    """One row per package: the per-package table of the report."""
    rows: dict[str, list[FileCoverage]] = {}
    for f in files:
        rows.setdefault(f.package, []).append(f)
    return [
        {
            "package": name,
            "files": len(group),
            "statements": sum(f.statements for f in group),
            "missing": sum(f.missing for f in group),
            "branches": sum(f.branches for f in group),
            "missing_branches": sum(f.missing_branches for f in group),
            "unimported_files": sum(1 for f in group if f.status == "unimported"),
            "unparsed_files": sum(1 for f in group if f.status == "unparsed"),
            "percent": totals(group),
        }
        for name, group in sorted(rows.items())
    ]

"""The one precision harness: real projects from the package index, healthcheck's findings on them, and the
labels a person gave those findings by reading the code.

Every rule-precision benchmark (``precision_cycles``, ``precision_duplicates``, ``precision_checks``) builds on
this module so that the corpus, the way a finding is named and the way a precision figure is computed are the
same for all of them:

- :data:`CORPUS` lists the projects, each pinned to one sdist version, fetched into ``bench/.data``
  (git-ignored) by :func:`project_root`.
- A label is one line of ``bench/labels/<check>.jsonl``: ``{"project", "key", "verdict", "reason"}``, where
  ``key`` is :func:`finding_key` of the finding (stable across runs: the finding's id), ``verdict`` is
  ``"true"`` (the maintainer would act on it) or ``"false"`` (noise), and ``reason`` is one line saying why.
- :func:`precision` counts, for the findings a run produced, how many labelled ones are true, and lists the
  findings no label covers yet, so that a reader can label them and the figure never silently excludes them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from bench.harness import DATA, unpacked_sdist

LABELS = Path(__file__).resolve().parent / "labels"


@dataclass(frozen=True)
class Project:
    """One real project of the corpus: the pip spec of its sdist and the glob of its unpacked folder."""

    name: str
    spec: str
    folder_glob: str
    # Distributions the project needs importable when its code is run (import checks, cycle proofs).
    requires: tuple[str, ...] = ()


CORPUS: tuple[Project, ...] = (
    Project("django", "django==5.2.8", "[Dd]jango-5.2.8", ("asgiref>=3.8", "sqlparse>=0.5")),
    Project("requests", "requests==2.32.3", "requests-2.32.3",
            ("charset-normalizer", "idna", "urllib3", "certifi")),
    Project("rich", "rich==13.9.4", "rich-13.9.4", ("markdown-it-py", "pygments")),
    Project("click", "click==8.1.8", "click-8.1.8"),
    Project("flask", "flask==3.1.0", "flask-3.1.0", ("werkzeug", "jinja2", "itsdangerous", "blinker", "click>=8.1.3")),
    Project("attrs", "attrs==24.3.0", "attrs-24.3.0"),
    Project("docutils", "docutils==0.21.2", "docutils-0.21.2"),
    Project("more-itertools", "more-itertools==10.5.0", "more[-_]itertools-10.5.0"),
    # Code that keeps Python 2 branches, vendors other projects or aliases modules at run time: the names and
    # imports checks' hard cases.
    Project("six", "six==1.16.0", "six-1.16.0"),
    Project("setuptools", "setuptools==75.6.0", "setuptools-75.6.0"),
    Project("simplejson", "simplejson==3.19.3", "simplejson-3.19.3"),
    Project("urllib3-1", "urllib3==1.26.20", "urllib3-1.26.20"),
    # The hold-out: five projects no rule was tuned on, labelled on 2026-12-02 by a reader who was not told
    # what to expect, before the rules changed that day; they are measured with the rest since.
    Project("jinja2", "jinja2==3.1.4", "jinja2-3.1.4", ("markupsafe>=2.0",)),
    Project("pyparsing", "pyparsing==3.2.0", "pyparsing-3.2.0"),
    Project("markdown", "markdown==3.7", "markdown-3.7"),
    Project("sqlparse", "sqlparse==0.5.2", "sqlparse-0.5.2"),
    Project("packaging", "packaging==24.2", "packaging-24.2"),
)


def project_root(project: Project) -> Path:
    """The unpacked sdist of ``project``, fetched the first time."""
    return unpacked_sdist(project.spec, project.folder_glob)


def by_name(names: Iterable[str] | None) -> list[Project]:
    """The corpus projects named (all of them for None); an unknown name is an error, not a silent skip."""
    if not names:
        return list(CORPUS)
    known = {p.name: p for p in CORPUS}
    missing = [n for n in names if n not in known]
    if missing:
        raise SystemExit(f"unknown corpus project(s): {', '.join(missing)} (known: {', '.join(known)})")
    return [known[n] for n in names]


def project_python(project: Project) -> str:
    """An interpreter in which ``project``'s code imports: a venv in ``bench/.data/venvs`` with its requirements
    and the project itself on its path (built once). Used where the truth is measured by running code."""
    venv = DATA / "venvs" / project.name
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        if project.requires:
            subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                            *project.requires], check=True)
    return str(python)


def scan_report(root: Path, *args: str, python: str | None = None) -> dict[str, Any]:
    """healthcheck's JSON report of ``root`` (a fresh process, no cache), with the extra scan ``args``."""
    (DATA / "reports").mkdir(parents=True, exist_ok=True)
    # A file of this run's own: benchmarks that share the harness scan the same project at the same time.
    handle, name = tempfile.mkstemp(prefix=f"{root.name}-", suffix=".json", dir=DATA / "reports")
    os.close(handle)
    out = Path(name)
    command = [sys.executable, "-m", "healthcheck.cli", "scan", str(root), "--cache-dir", "none",
               "--format", "json", "--output", str(out), *args]
    if python:
        command += ["--python", python]
    subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    finally:
        out.unlink(missing_ok=True)
    return report


def finding_key(finding: Mapping[str, Any]) -> str:
    """How a label names a finding: its stable id (docs/report.md: no line numbers in it)."""
    return str(finding["id"])


@dataclass(frozen=True)
class Label:
    project: str
    key: str
    verdict: str  # "true" | "false"
    reason: str


def load_labels(check: str) -> dict[tuple[str, str], Label]:
    """The labels of ``check`` (``bench/labels/<check>.jsonl``), keyed by (project, finding key)."""
    path = LABELS / f"{check}.jsonl"
    labels: dict[tuple[str, str], Label] = {}
    if not path.exists():
        return labels
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("verdict") not in ("true", "false") or not str(row.get("reason", "")).strip():
            raise SystemExit(f"{path}:{number}: a label needs verdict true|false and a one-line reason")
        label = Label(str(row["project"]), str(row["key"]), str(row["verdict"]), str(row["reason"]))
        labels[(label.project, label.key)] = label
    return labels


@dataclass
class Precision:
    """Labelled findings of one check on one project: true, false, and those no label covers yet."""

    project: str
    check: str
    true: int = 0
    false: int = 0
    unlabelled: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        judged = self.true + self.false
        return round(100.0 * self.true / judged, 1) if judged else None

    def line(self) -> str:
        shown = "n/a" if self.percent is None else f"{self.percent:g} %"
        return (f"{self.project:16} {self.check:26} precision {shown:>8}  ({self.true} true, {self.false} false, "
                f"{len(self.unlabelled)} unlabelled)")


def precision(project: str, check: str, findings: Iterable[Mapping[str, Any]],
              labels: Mapping[tuple[str, str], Label]) -> Precision:
    """Precision of ``findings`` (already filtered to the ones that count, e.g. the gated errors)."""
    result = Precision(project, check)
    for finding in findings:
        label = labels.get((project, finding_key(finding)))
        if label is None:
            result.unlabelled.append(finding)
        elif label.verdict == "true":
            result.true += 1
        else:
            result.false += 1
    return result

"""Precision of undefined-name, unresolved-import, import-failure and type-error on real projects.

Each corpus project (:data:`bench.precision.CORPUS`, sdists from the package index in ``bench/.data``) is
scanned by healthcheck in a fresh process; the import check runs in a venv holding the project's
requirements (:func:`bench.precision.project_python`), as the project's own CI would. The findings that count
are the ones that fail a gate (severity ``error``); mypy, too, runs against that venv; each is looked up in ``bench/labels/<check>.jsonl``, where a
person who read the code said whether the maintainer would act on it, and why.

    python -m bench.precision_checks                      # every project, every check here
    python -m bench.precision_checks --project requests --check undefined-name --unlabelled

``--unlabelled`` prints the findings no label covers yet (one JSON line each, ready to be labelled); they are
counted apart, never folded into the figure.

A precision figure over a corpus with no true defect says nothing, so the names checks are also measured on
*planted* defects: in a copy of each project (``bench/.data/planted-names``), one module gets a function using
a name defined nowhere and one importing a project module that does not exist. Each must come back as an
``error``; planted findings count as true in the figure, and their recall is printed.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any, Mapping, Sequence

from bench.harness import DATA
from bench.precision import Precision, Project, by_name, load_labels, precision, project_python, project_root, scan_report

CHECKS: Mapping[str, str] = {  # finding kind -> the check that produces it (for --only)
    "undefined-name": "names", "unresolved-import": "names", "import-failure": "import-failure",
    "type-error": "type-error",
}
TARGET = {"undefined-name": 95.0, "unresolved-import": 95.0}  # the issue's floor for these checks' errors


def gated(report: Mapping[str, Any], check: str) -> list[Mapping[str, Any]]:
    """The findings of ``check`` that a gate counts: its errors."""
    return [f for f in report["findings"] if f["check"] == check and f["severity"] == "error"]


def scan(project: Project, kinds: Sequence[str]) -> dict[str, Any]:
    """healthcheck's report of ``project`` with the checks behind ``kinds``."""
    only = sorted({CHECKS[k] for k in kinds})
    args = [a for name in only for a in ("--only", name)]
    # Code that runs (imports) or is typed against its dependencies needs them installed, as in the project's CI.
    python = project_python(project) if {"import-failure", "type-error"} & set(only) else None
    return scan_report(project_root(project), *args, python=python)


PLANTED_NAME = "_healthcheck_planted_name"
PLANTED_MODULE = "_healthcheck_planted_module"


def planted_copy(project: Project) -> tuple[Path, str]:
    """A copy of ``project`` with the two planted defects, and the path of the file that holds them."""
    source = project_root(project)
    target = DATA / "planted-names" / source.name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.pyc", "__pycache__", ".healthcheck_cache"))
    host, package = _host(target)
    with host.open("a", encoding="utf-8") as out:
        out.write(f"\n\ndef _planted_use():\n    return {PLANTED_NAME}\n"
                  f"\n\ndef _planted_import():\n    import {package}.{PLANTED_MODULE}\n")
    return target, host.relative_to(target).as_posix()


def _package_of(path: Path) -> str:
    """The dotted package a file sits in (its folders up to the last one with an ``__init__.py``)."""
    parts: list[str] = []
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def _host(root: Path) -> tuple[Path, str]:
    """The module to plant the defects in: the shallowest library module of a package without a star import
    (a star import could define any name), and its package; a new package when the project has none."""
    skip = ("test", "docs", "doc", "examples", "_vendor", "vendor", "extern", "packages")
    candidates = sorted(
        (p for p in root.rglob("*.py") if p.name != "__init__.py" and _package_of(p)
         and not any(part.startswith(skip) for part in p.relative_to(root).parts)
         and "import *" not in p.read_text(encoding="utf-8", errors="replace")),
        key=lambda p: (len(p.parts), p.as_posix()),
    )
    if candidates:
        return candidates[0], _package_of(candidates[0])
    package = root / "_healthcheck_planted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    return package / "host.py", package.name


def planted_recall(project: Project) -> dict[str, bool]:
    """Whether each planted defect came back as an error (by finding kind)."""
    root, rel = planted_copy(project)
    report = scan_report(root, "--only", "names")
    errors = [f for f in report["findings"] if f["severity"] == "error" and f["path"] == rel]
    return {
        "undefined-name": any(f["check"] == "undefined-name" and f["data"].get("name") == PLANTED_NAME for f in errors),
        "unresolved-import": any(f["check"] == "unresolved-import" and PLANTED_MODULE in f["data"].get("module", "")
                                 for f in errors),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--project", action="append", help="corpus project (repeatable; default: all)")
    parser.add_argument("--check", action="append", choices=sorted(CHECKS), help="finding kind (default: all)")
    parser.add_argument("--unlabelled", action="store_true", help="print the findings no label covers yet")
    parser.add_argument("--no-planted", action="store_true", help="skip the planted defects of the names checks")
    args = parser.parse_args(argv)
    kinds = args.check or sorted(CHECKS)
    totals = {kind: Precision("(all)", kind) for kind in kinds}
    planted = {kind: [0, 0] for kind in kinds if kind in TARGET and not args.no_planted}  # found, planted
    for project in by_name(args.project):
        for kind, found in (planted_recall(project).items() if planted else ()):
            if kind in planted:
                planted[kind][0] += int(found)
                planted[kind][1] += 1
                totals[kind].true += int(found)
                print(f"{project.name:16} {kind:26} planted defect {'found' if found else 'MISSED'}")
        report = scan(project, kinds)
        for kind in kinds:
            result = precision(project.name, kind, gated(report, kind), load_labels(kind))
            print(result.line())
            totals[kind].true += result.true
            totals[kind].false += result.false
            totals[kind].unlabelled += result.unlabelled
            if args.unlabelled:
                for f in result.unlabelled:
                    print(json.dumps({"project": project.name, "key": f["id"], "where": f"{f['path']}:{f['line']}",
                                      "message": f["message"]}))
    print("-" * 100)
    for kind, (hits, count) in planted.items():
        print(f"{'(all)':16} {kind:26} planted defects found as errors: {hits} of {count}")
    short = any(hits < count for hits, count in planted.values())
    for kind, total in totals.items():
        floor = TARGET.get(kind)
        verdict = "" if floor is None or total.percent is None else (
            f"  (target >= {floor:g} %: {'met' if total.percent >= floor else 'NOT met'})")
        short = short or bool(floor and total.percent is not None and total.percent < floor)
        print(total.line() + verdict)
    return 1 if short else 0


if __name__ == "__main__":
    raise SystemExit(main())

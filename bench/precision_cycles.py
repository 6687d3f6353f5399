"""Recall and precision of the runtime-cycle gate on real projects, against the truth measured by importing.

The truth: every library module of the project (what the import check would import) is imported *first*, each
in a fresh interpreter of a venv with the project's requirements (:func:`bench.precision.project_python`); the
modules whose import fails with "partially initialized module" are the crashes. Then, for healthcheck's
``import-cycle`` findings, statically (``--only import-cycle``) and proven (with the import check), per
project:

- recall: crashes explained by a gated component (the crashing module, or the half-initialised module it hit,
  is a member of a runtime component that ``max_import_cycles`` counts);
- precision: gated components holding a member that crashes when imported first.

It also prints how long the proof took beside the import check in the same run (target: at most 1.5 times),
and the gated findings no label in ``bench/labels/import-cycle.jsonl`` covers yet.

    python -m bench.precision_cycles [--speed-only] [project ...]

``--speed-only`` skips the truth and the static scan: only the proven scan, for its two times and their ratio.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from bench.precision import by_name, load_labels, precision, project_python, project_root, scan_report
from healthcheck.checks.import_runner import ProbeJob, run_share
from healthcheck.checks.import_job import why_not_imported
from healthcheck.engine import load
from healthcheck.project import discover

GATED = ("crashes", "unsafe")


@dataclass(frozen=True)
class Crash:
    module: str
    partial: str
    message: str


def truth(root: Path, python: str, workers: int = 2, timeout: float = 30.0) -> tuple[list[Crash], int, float]:
    """Every library module imported first in a fresh interpreter: the circular crashes, how many, how long."""
    project = discover(root, load(root)[0])
    modules = sorted({s.module for s in project.files if why_not_imported(s, []) is None})
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="precision-cycles-") as tmp:
        # Bytecode is kept outside the tree and shared: compiling is no part of what a fresh interpreter proves.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        job = ProbeJob(python=python, root=root, sys_path=[str(r) for r in project.source_roots],
                       project_files=[str(f.path) for f in project.files], module_timeout=timeout,
                       deadline=time.monotonic() + 3600, env={**env, "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pyc")})
        with ThreadPoolExecutor(max_workers=workers) as pool:
            shares = list(pool.map(lambda m: run_share(job, [m], {}, Path(tmp)), modules))
    crashes = [
        Crash(o.module, str(o.info["partial"]), str(o.info.get("message", "")))
        for share in shares for o in share.outcomes if not o.ok and o.info.get("partial")
    ]
    return crashes, len(modules), time.monotonic() - started


def components(report: Mapping[str, Any]) -> dict[int, tuple[set[str], bool, list[Mapping[str, Any]]]]:
    """Runtime components of a report: members, whether the gate counts it, its gated findings."""
    out: dict[int, tuple[set[str], bool, list[Mapping[str, Any]]]] = {}
    for finding in report.get("findings", []):
        data = finding["data"]
        if finding["check"] != "import-cycle" or data.get("kind") != "runtime":
            continue
        members, gated, findings = out.setdefault(int(data["component"]), (set(), False, []))
        members.update(data["modules"])
        if data.get("verdict") in GATED:
            findings.append(finding)
            out[int(data["component"])] = (members, True, findings)
    return out


def figures(crashes: Iterable[Crash], report: Mapping[str, Any]) -> tuple[str, str]:
    """Recall and precision of one report's gate, as 'n/m (p %)'."""
    comps = components(report)
    gated_modules = {m for members, gated, _ in comps.values() if gated for m in members}
    crashes = list(crashes)
    crashing = {c.module for c in crashes} | {c.partial for c in crashes}
    covered = sum(1 for c in crashes if c.module in gated_modules or c.partial in gated_modules)
    gated = [members for members, is_gated, _ in comps.values() if is_gated]
    right = sum(1 for members in gated if members & crashing)

    def share(n: int, m: int) -> str:
        return f"{n}/{m} ({100.0 * n / m:.1f} %)" if m else f"{n}/{m} (n/a)"

    return share(covered, len(crashes)), share(right, len(gated))


def speed(root: Path, python: str) -> tuple[float, float, str]:
    """The proven scan's proof and import check, in seconds, and the ratio of the two."""
    proven = scan_report(root, "--only", "import-cycle", "--only", "import-failure", python=python)
    return timing(proven)


def timing(proven: Mapping[str, Any]) -> tuple[float, float, str]:
    checks = proven.get("checks", {})
    proof_s = float(checks.get("import-cycle", {}).get("duration_s", 0.0))
    import_s = float(checks.get("import-failure", {}).get("duration_s", 0.0))
    return proof_s, import_s, f"{proof_s / import_s:.2f}x" if import_s else "n/a"


def main(args: list[str]) -> None:
    speed_only = "--speed-only" in args
    names = [a for a in args if a != "--speed-only"]
    labels = load_labels("import-cycle")
    for project in by_name(names):
        root = project_root(project)
        python = project_python(project)
        if speed_only:
            proof_s, import_s, ratio = speed(root, python)
            print(f"{project.name}: proof {proof_s:.1f} s beside the import check's {import_s:.1f} s: {ratio}")
            sys.stdout.flush()
            continue
        crashes, tried, seconds = truth(root, python)
        static = scan_report(root, "--only", "import-cycle")
        proven = scan_report(root, "--only", "import-cycle", "--only", "import-failure", python=python)
        s_recall, s_precision = figures(crashes, static)
        p_recall, p_precision = figures(crashes, proven)
        proof_s, import_s, ratio = timing(proven)
        verdicts = proven.get("metrics", {}).get("import_cycle_verdicts", {})
        print(f"{project.name}: {tried} modules imported first in {seconds:.0f} s, "
              f"{len(crashes)} crash ({', '.join(sorted(c.module for c in crashes)) or 'none'})")
        print(f"  static  recall {s_recall:>18}  precision {s_precision:>18}")
        print(f"  proven  recall {p_recall:>18}  precision {p_precision:>18}  components {verdicts}")
        print(f"  proof {proof_s:.1f} s beside the import check's {import_s:.1f} s in the same run: {ratio}")
        gated = [f for _, is_gated, found in components(static).values() if is_gated for f in found]
        judged = precision(project.name, "import-cycle", gated, labels)
        print(f"  {judged.line()}")
        for finding in judged.unlabelled[:5]:
            print(f"    unlabelled {finding['id']}: {finding['message'][:160]}")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])

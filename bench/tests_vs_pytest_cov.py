"""The test-suite check against ``pytest --cov --cov-branch`` on a real suite, in the same run.

The suite is more-itertools' own (several hundred tests plus subtests, pure
Python), from its sdist in bench/.data. Each side runs in a fresh child
process, alternately, ROUNDS times; the medians are compared. Ours is the
``test-suite`` check's own duration inside a scan (pytest + coverage + reruns
+ accounting of every source file); the peer is pytest with pytest-cov
measuring the package with branch coverage and printing its terminal report.

Run by hand: ``python -m bench.tests_vs_pytest_cov`` (the target is at most 1.15x).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import unpacked_sdist

SPEC = "more-itertools==10.5.0"
ROUNDS = 3


def suite_root() -> Path:
    """The unpacked sdist of more-itertools: its package and its tests."""
    return unpacked_sdist(SPEC, "more-itertools-*")


def peer(root: Path) -> dict[str, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--cov=more_itertools",
                           "--cov-branch"], cwd=root, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
    return {"seconds": elapsed}


def ours(root: Path) -> dict[str, float]:
    from healthcheck.checks.base import ScanOptions
    from healthcheck.engine import scan

    start = time.perf_counter()
    report = scan(root, ScanOptions(run_tests=True, only=frozenset({"test-suite"})), cache_dir="none").report
    elapsed = time.perf_counter() - start
    outcome = report.checks["test-suite"]
    if outcome.status != "ok":
        raise SystemExit(f"test-suite check: {outcome.status}: {outcome.detail}")
    return {"seconds": outcome.duration_s, "scan_seconds": elapsed, "tests": report.metrics["tests"]["total"],
            "coverage": report.metrics["coverage"]["percent"]}


def child(which: str, root: Path) -> dict[str, float]:
    """Run one side in a fresh process; its time and the peak memory of it and its children."""
    done = subprocess.run([sys.executable, "-m", "bench.tests_vs_pytest_cov", "--one", which, str(root)],
                          cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.splitlines()[-1]))


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        root = Path(sys.argv[3])
        result = ours(root) if sys.argv[2] == "ours" else peer(root)
        kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        print(json.dumps({**result, "peak_mib": kib / 1024}))
        return
    root = suite_root()
    runs: dict[str, list[dict[str, float]]] = {"ours": [], "peer": []}
    for _ in range(ROUNDS):
        for which in ("peer", "ours"):
            runs[which].append(child(which, root))
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
    mem = {k: max(r["peak_mib"] for r in v) for k, v in runs.items()}
    print(f"suite: {root.name}, {runs['ours'][0]['tests']} tests, coverage {runs['ours'][0]['coverage']}%")
    print(f"pytest --cov --cov-branch: median {med['peer']:.2f} s, peak {mem['peer']:.0f} MiB")
    print(f"healthcheck test-suite:    median {med['ours']:.2f} s, peak {mem['ours']:.0f} MiB "
          f"(whole scan {statistics.median(r['scan_seconds'] for r in runs['ours']):.2f} s)")
    print(f"ratio: {med['ours'] / med['peer']:.3f} (target <= 1.15)")


if __name__ == "__main__":
    main()

"""Benchmark: the type-error check on Django 5.2 against plain mypy, both with a warm cache, in one run.

The peer is ``python -m mypy django`` run in the tree with its own cache
folder. healthcheck runs the same mypy on the same tree, with the explicit list
of files that parse and its cache under ``.healthcheck_cache``; the issue allows
it at most 1.2 times plain mypy's time once both caches are warm.

The copy of Django lives inside this repository (bench/.data), where mypy
would otherwise find this repository's own strict configuration; a plain
``mypy.ini`` is written next to it so that both sides use mypy's defaults.
Each side is run once to warm its cache, then timed ``--repeat`` times; peak
memory is the largest process of each side.
Run: ``python -m bench.types_vs_mypy [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os

from bench.harness import run_snippet

MYPY = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", sys.argv[2], "django"],
                      cwd=sys.argv[1], capture_output=True, text=True)
elapsed = time.perf_counter() - t0
errors = sum(1 for line in done.stdout.splitlines() if ": error: " in line)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": elapsed, "peak_mb": peak / 1024, "errors": errors, "exit": done.returncode}))
"""

HEALTHCHECK = r"""
import json, resource, sys, time
from pathlib import Path
from healthcheck.checks.base import ScanOptions
from healthcheck.engine import scan
t0 = time.perf_counter()
result = scan(Path(sys.argv[1]), options=ScanOptions(only=frozenset({"type-error"}), import_check=False))
elapsed = time.perf_counter() - t0
report = result.report
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({
    "seconds": report.checks["type-error"].duration_s, "scan_seconds": elapsed, "peak_mb": peak / 1024,
    "errors": report.metrics.get("type_errors"), "detail": report.checks["type-error"].detail,
}))
"""


def main() -> None:
    from bench.django_tree import django_package

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = django_package()
    (root / "mypy.ini").write_text("[mypy]\n")
    plain_cache = str(root / ".plain_mypy_cache")
    print("warming both caches (the first mypy run over Django takes minutes)...", flush=True)
    cold_plain = run_snippet(MYPY, str(root), plain_cache)
    cold_ours = run_snippet(HEALTHCHECK, str(root))
    plains, ours = [], []
    for _ in range(args.repeat):
        plains.append(run_snippet(MYPY, str(root), plain_cache))
        ours.append(run_snippet(HEALTHCHECK, str(root)))
    plain = min(plains, key=lambda r: float(r["seconds"]))
    mine = min(ours, key=lambda r: float(r["seconds"]))
    print(f"Django 5.2 at {root}: best of {args.repeat} warm runs, {os.cpu_count()} cores")
    print(f"  cold: plain mypy {float(cold_plain['seconds']):.1f} s, healthcheck {float(cold_ours['seconds']):.1f} s")
    print(f"  plain mypy (warm)         : {float(plain['seconds']):7.2f} s  peak {float(plain['peak_mb']):6.0f} MB"
          f"  ({plain['errors']} errors)")
    print(f"  healthcheck type-error    : {float(mine['seconds']):7.2f} s  peak {float(mine['peak_mb']):6.0f} MB"
          f"  ({mine['detail']}; whole scan {float(mine['scan_seconds']):.2f} s)")
    ratio = float(mine["seconds"]) / float(plain["seconds"])
    print(f"  ratio {ratio:.2f}x (target <= 1.2x): {'OK' if ratio <= 1.2 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()

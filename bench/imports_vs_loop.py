"""Benchmark: the import-failure check on Django 5.2 against one Python process importing every module in turn.

The peer is the least anyone would do by hand: one process, the same modules in
the same order, each import in a ``try``/``except BaseException``. healthcheck
does more (worker processes, per-module timeouts, where each failure was raised,
root causes), and the issue allows it at most 3 times the peer's time.

Both sides run in the same run, each in a fresh process, with no bytecode
written (so neither reuses the other's compiled files); peak memory is the
largest process of each side. Django needs asgiref and sqlparse to import at
all: they are installed first when missing.
Run: ``python -m bench.imports_vs_loop [--repeat N] [--workers N]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.harness import run_snippet

LOOP = r"""
import importlib, json, resource, sys, time
modules = json.load(open(sys.argv[1]))
sys.path.insert(0, sys.argv[2])
t0 = time.perf_counter()
ok = 0
for name in modules:
    try:
        importlib.import_module(name)
        ok += 1
    except BaseException:
        pass
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "peak_mb": peak / 1024, "ok": ok, "total": len(modules)}))
"""

HEALTHCHECK = r"""
import json, resource, sys, time
from pathlib import Path
from healthcheck.checks.base import ScanOptions
from healthcheck.engine import scan
t0 = time.perf_counter()
result = scan(Path(sys.argv[1]), options=ScanOptions(only=frozenset({"import-failure"}), types=False),
              overrides={"import-failure": {"workers": int(sys.argv[2])}}, cache_dir="none")
elapsed = time.perf_counter() - t0
report = result.report
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({
    "seconds": report.checks["import-failure"].duration_s, "scan_seconds": elapsed, "peak_mb": peak / 1024,
    "ok": report.metrics.get("modules_importable"), "total": report.metrics.get("modules_total"),
    "detail": report.checks["import-failure"].detail,
}))
"""

MODULES = r"""
import json, sys
from pathlib import Path
from healthcheck.checks.base import ScanOptions
from healthcheck.engine import scan
import healthcheck.checks.import_failure as imports
seen = []
original = imports.run_probe
def spy(job, modules, workers):
    seen.extend(modules)
    return original(job, [], workers)
imports.run_probe = spy
scan(Path(sys.argv[1]), options=ScanOptions(only=frozenset({"import-failure"}), types=False), cache_dir="none")
print(json.dumps({"modules": seen}))
"""


def ensure_dependencies() -> None:
    """Django imports asgiref and sqlparse at its top; install them for this interpreter when missing."""
    missing = [name for name in ("asgiref", "sqlparse") if importlib.util.find_spec(name) is None]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


def run(code: str, *args: str) -> dict[str, Any]:
    return run_snippet(code, *args, env={"PYTHONDONTWRITEBYTECODE": "1"})


def main() -> None:
    from bench.django_tree import django_package

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    ensure_dependencies()
    root = django_package()
    # The same modules, in the same (dependency) order, as the check imports.
    modules = run_snippet(MODULES, str(root))["modules"]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(modules, handle)
    loops, ours = [], []
    for _ in range(args.repeat):
        loops.append(run(LOOP, handle.name, str(root)))
        ours.append(run(HEALTHCHECK, str(root), str(args.workers)))
    Path(handle.name).unlink()
    loop = min(loops, key=lambda r: float(r["seconds"]))
    mine = min(ours, key=lambda r: float(r["seconds"]))
    print(f"Django 5.2 at {root}: {len(modules)} modules, best of {args.repeat}, {os.cpu_count()} cores")
    print(f"  one process, import each in turn : {float(loop['seconds']):7.2f} s  peak {float(loop['peak_mb']):6.0f} MB"
          f"  ({loop['ok']} of {loop['total']} import)")
    print(f"  healthcheck import-failure check : {float(mine['seconds']):7.2f} s  peak {float(mine['peak_mb']):6.0f} MB"
          f"  ({mine['detail']}; whole scan {float(mine['scan_seconds']):.2f} s, {args.workers} workers)")
    ratio = float(mine["seconds"]) / float(loop["seconds"])
    print(f"  ratio {ratio:.2f}x (target <= 3x): {'OK' if ratio <= 3 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()

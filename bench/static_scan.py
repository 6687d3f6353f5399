"""Benchmark: the foundation's static checks on Django 5.2, against grimp and pyflakes, in one run.

Measures, each in a fresh process (so "cold" really is cold and peak memory is per tool):
- healthcheck's static scan (syntax-error, names, import-cycle, contract-violation) with no cache,
  with an empty cache (cold, the cache then written) and again with that cache (warm); then the same
  with the duplicates check added (issue 3's "whole static scan");
- ``grimp.build_graph("django")`` (graph only, its cache disabled);
- ``pyflakes`` over the same package.
Prints seconds, peak RSS and the ratios. Run: ``python -m bench.static_scan [--repeat N]``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench.django_tree import django_package
from bench.harness import fastest, run_snippet

RUNNER = r"""
import json, resource, sys, time
t0 = time.perf_counter()
kind, target, cache = sys.argv[1], sys.argv[2], sys.argv[3]
if kind.startswith("healthcheck"):
    from pathlib import Path
    from healthcheck.checks.base import ScanOptions
    from healthcheck.engine import scan
    only = frozenset({"syntax-error", "names", "import-cycle", "contract-violation"})
    if kind == "healthcheck-static":
        only = only | {"duplicates"}
    result = scan(Path(target), options=ScanOptions(only=only), cache_dir=cache)
    detail = {"findings": len(result.report.findings), "files": result.report.metrics.get("files")}
elif kind == "grimp":
    sys.path.insert(0, target)
    import grimp
    graph = grimp.build_graph("django", cache_dir=None)
    detail = {"modules": len(graph.modules)}
else:
    from pyflakes.api import checkRecursive
    from pyflakes.reporter import Reporter
    import io
    out = io.StringIO()
    detail = {"warnings": checkRecursive([target + "/django"], Reporter(out, out))}
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": elapsed, "peak_mb": peak / 1024, **detail}))
"""


def measure(kind: str, target: Path, cache: str) -> dict[str, Any]:
    return run_snippet(RUNNER, kind, str(target), cache)


def best(kind: str, target: Path, cache: str, repeat: int, reset: Path | None = None) -> dict[str, Any]:
    return fastest(lambda: measure(kind, target, cache), repeat, reset)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    target = django_package()
    cache_dir = Path(tempfile.mkdtemp(prefix="hc-bench-"))
    rows = {
        "healthcheck, no cache": best("healthcheck", target, "none", args.repeat),
        "healthcheck, cold cache": best("healthcheck", target, str(cache_dir), args.repeat, reset=cache_dir),
    }
    rows["healthcheck, warm cache"] = best("healthcheck", target, str(cache_dir), args.repeat)
    rows["static + duplicates, cold"] = best("healthcheck-static", target, str(cache_dir), args.repeat, reset=cache_dir)
    rows["static + duplicates, warm"] = best("healthcheck-static", target, str(cache_dir), args.repeat)
    rows["grimp.build_graph"] = best("grimp", target, "none", args.repeat)
    rows["pyflakes"] = best("pyflakes", target, "none", args.repeat)
    shutil.rmtree(cache_dir, ignore_errors=True)

    print(f"Django package at {target} ({rows['healthcheck, no cache'].get('files')} files)")
    for name, row in rows.items():
        print(f"  {name:26} {row['seconds']:6.2f} s   peak {row['peak_mb']:6.0f} MB")
    cold = rows["healthcheck, cold cache"]["seconds"]
    warm = rows["healthcheck, warm cache"]["seconds"]
    print(f"  cold / grimp.build_graph   {cold / rows['grimp.build_graph']['seconds']:.1f}x")
    print(f"  cold / pyflakes            {cold / rows['pyflakes']['seconds']:.2f}x")
    print(f"  targets: cold <= 2.0 s ({'met' if cold <= 2.0 else 'MISSED'}), "
          f"warm <= 0.3 s ({'met' if warm <= 0.3 else 'MISSED'})")
    all_cold = rows["static + duplicates, cold"]["seconds"]
    all_warm = rows["static + duplicates, warm"]["seconds"]
    print(f"  with duplicates: cold <= 2.5 s ({'met' if all_cold <= 2.5 else 'MISSED'}), "
          f"warm <= 0.3 s ({'met' if all_warm <= 0.3 else 'MISSED'})")


if __name__ == "__main__":
    main()

"""Benchmark: healthcheck's duplicates check against pylint's duplicate-code (R0801) on Django 5.2, in one run.

Measures, each in a fresh process (so peak memory is per tool and "cold" is cold):
- ``healthcheck scan --only duplicates`` with no cache: the one parse plus the check, as a user runs it;
- the whole static scan (syntax-error, names, import-cycle, contract-violation, duplicates) with no cache,
  a cold cache and a warm one, and the same scan without the duplicates check and its extractor, so the
  extractor's share of the parse shows;
- ``pylint --disable=all --enable=duplicate-code --min-similarity-lines=6 django``.

Then prints the ratio, peak memory, and pylint's recall: every pair of places pylint reports should lie
inside one clone group healthcheck reports. pylint's ranges run on over lines it ignores (blank lines,
comments, imports, the next signature); each is first cut to the first and last line pylint compares
that is more than brackets or a lone keyword.

Run: ``python -m bench.duplicates_vs_pylint [--repeat N]`` (pylint runs once: it is the slow one).
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench.django_tree import django_package
from bench.harness import fastest, run_snippet
from healthcheck.checks.duplicates.extract import TRIVIAL_TEXTS, normalise

STATIC = ["syntax-error", "names", "import-cycle", "contract-violation", "duplicates"]

RUNNER = r"""
import json, resource, sys, time
t0 = time.perf_counter()
kind, target, cache, out = sys.argv[1:5]
if kind.startswith("healthcheck"):
    from pathlib import Path
    from healthcheck.checks.base import ScanOptions
    from healthcheck.engine import scan
    only = json.loads(sys.argv[5])
    if kind == "healthcheck-without":
        from healthcheck.checks.duplicates import DuplicatesCheck
        DuplicatesCheck.extractors = ()
    result = scan(Path(target), options=ScanOptions(only=frozenset(only)), cache_dir=cache)
    doc = result.report.to_json()
    detail = {"findings": len(doc["findings"]), "check_s": doc["checks"].get("duplicates", {}).get("duration_s")}
    if out != "-":
        Path(out).write_text(json.dumps(doc))
else:
    from pylint.lint import Run
    import os
    os.chdir(target)
    Run(["--disable=all", "--enable=duplicate-code", "--min-similarity-lines=6", f"--output={out}", "django"],
        exit=False)
    detail = {}
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": elapsed, "peak_mb": peak / 1024, **detail}))
"""


def measure(kind: str, target: Path, cache: str, out: str = "-", only: list[str] | None = None) -> dict[str, Any]:
    return run_snippet(RUNNER, kind, str(target), cache, out, json.dumps(only or []))


def best(kind: str, target: Path, cache: str, repeat: int, reset: Path | None = None, **kw: Any) -> dict[str, Any]:
    """The fastest of ``repeat`` fresh runs; ``reset`` (a cache folder) is emptied before each."""
    return fastest(lambda: measure(kind, target, cache, **kw), repeat, reset)


def pylint_pairs(output: Path, target: Path) -> list[tuple[tuple[str, int, int], tuple[str, int, int]]]:
    """Every pair of places in pylint's R0801 messages, as (path, first line, last line), 1-based."""
    pairs: list[tuple[tuple[str, int, int], tuple[str, int, int]]] = []
    for block in output.read_text().split("R0801")[1:]:
        places = []
        for match in re.finditer(r"==([\w.]+):\[(\d+):(\d+)\]", block):
            rel = match.group(1).replace(".", "/")
            path = f"{rel}.py" if (target / f"{rel}.py").is_file() else f"{rel}/__init__.py"
            places.append((path, int(match.group(2)) + 1, int(match.group(3))))
        pairs.extend((a, b) for i, a in enumerate(places) for b in places[i + 1 :])
    return pairs


@functools.cache
def compared_lines(target: Path, path: str) -> list[int]:
    """The lines of a file pylint compares (1-based), less those that weigh nothing for healthcheck
    (brackets, a lone ``else:``): a match that begins with the ``)`` closing the statement before it
    begins, for healthcheck, one line later."""
    from pylint.checkers.symilar import stripped_lines

    lines = (target / path).read_text().splitlines(keepends=True)
    specs = stripped_lines(lines, True, True, True, True)
    return [spec.line_number + 1 for spec in specs if normalise(spec.text.encode())[0] not in TRIVIAL_TEXTS]


def code_span(target: Path, place: tuple[str, int, int]) -> tuple[str, int, int]:
    """The place cut to its first and last line that pylint itself compares."""
    path, first, last = place
    inside = [n for n in compared_lines(target, path) if first <= n <= last]
    return (path, inside[0], inside[-1]) if inside else place


def recall(report: dict[str, Any], pairs: list[Any], target: Path) -> tuple[int, list[Any]]:
    groups = [f["data"]["locations"] for f in report["findings"] if f["check"] == "duplicate-code"]

    def inside(group: list[dict[str, Any]], place: tuple[str, int, int]) -> bool:
        path, first, last = place
        return any(g["path"] == path and g["line"] <= first and last <= g["end_line"] for g in group)

    found, missed = 0, []
    for a, b in pairs:
        ca, cb = code_span(target, a), code_span(target, b)
        if any(inside(g, ca) and inside(g, cb) for g in groups):
            found += 1
        else:
            missed.append((a, b))
    return found, missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    target = django_package()
    work = Path(tempfile.mkdtemp(prefix="hc-bench-dup-"))
    cache_dir = work / "cache"
    report_path = work / "healthcheck.json"
    pylint_out = work / "pylint.txt"

    rows = {
        "pylint duplicate-code": measure("pylint", target, "none", out=str(pylint_out)),
        "healthcheck duplicates": best(
            "healthcheck", target, "none", args.repeat, out=str(report_path), only=["duplicates"]
        ),
        "static scan, no cache": best("healthcheck", target, "none", args.repeat, only=STATIC),
        "static scan w/o duplicates": best("healthcheck-without", target, "none", args.repeat, only=STATIC[:-1]),
        "static scan, cold cache": best(
            "healthcheck", target, str(cache_dir), args.repeat, reset=cache_dir, only=STATIC
        ),
    }
    rows["static scan, warm cache"] = best("healthcheck", target, str(cache_dir), args.repeat, only=STATIC)

    report = json.loads(report_path.read_text())
    pairs = pylint_pairs(pylint_out, target)
    found, missed = recall(report, pairs, target)
    shutil.rmtree(work, ignore_errors=True)

    print(f"Django package at {target}")
    for name, row in rows.items():
        extra = f"   (check itself {row['check_s']:.3f} s)" if row.get("check_s") is not None else ""
        print(f"  {name:28} {row['seconds']:7.2f} s   peak {row['peak_mb']:6.0f} MB{extra}")
    hc, pl = rows["healthcheck duplicates"], rows["pylint duplicate-code"]
    print(f"  speed-up over pylint          {pl['seconds'] / hc['seconds']:.1f}x "
          f"(target >= 10x: {'met' if pl['seconds'] >= 10 * hc['seconds'] else 'MISSED'})")
    print(f"  peak memory against pylint    {hc['peak_mb']:.0f} MB vs {pl['peak_mb']:.0f} MB "
          f"({'met' if hc['peak_mb'] <= pl['peak_mb'] else 'MISSED'})")
    added = rows["static scan, no cache"]["seconds"] - rows["static scan w/o duplicates"]["seconds"]
    print(f"  duplicates' share of the scan {added:+.2f} s")
    print(f"  recall of pylint's pairs      {found}/{len(pairs)} = {found / max(len(pairs), 1):.3f}")
    for a, b in missed[:10]:
        print(f"    missed: {a} ~ {b}")
    cold = rows["static scan, cold cache"]["seconds"]
    warm = rows["static scan, warm cache"]["seconds"]
    print(f"  targets: static scan cold <= 2.5 s ({'met' if cold <= 2.5 else 'MISSED'}), "
          f"warm <= 0.3 s ({'met' if warm <= 0.3 else 'MISSED'})")


if __name__ == "__main__":
    main()

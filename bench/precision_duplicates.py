"""Benchmark: are the duplicates healthcheck reports on real projects ones their maintainers would merge, does
it find a class copied under another name, and does its cost grow with the files alone?

Three parts, each on projects of the one shared corpus (:data:`bench.precision.CORPUS`, sdists fetched into
``bench/.data``, never committed):

1. **precision**: ``healthcheck scan --only duplicates`` on each project, no cache. Every
   ``duplicate-implementation`` error and every ``duplicate-code`` finding is looked up in
   ``bench/labels/duplicate-implementation.jsonl`` / ``duplicate-code.jsonl`` (a person's verdict after
   reading the code, with a one-line reason); the share labelled true is printed, and every finding no label
   covers is listed so that it is read and labelled, never silently left out. Target: at least 90 % of the
   ``duplicate-implementation`` errors true.
2. **recall of planted copies**: in a copy of each project, a few of its classes are copied into a new
   module of the same package under another class name, with the state they keep on ``self`` and their
   parameters renamed (the tokens rewritten, never the strings); the names the class takes from its module
   are imported from the original. Each planted class must come back as one class finding naming both
   places. Target: 100 %.
3. **scale** (``--scale``): the cold cost per file of Django's package scanned alone, against a tree of 8
   copies of it, each renamed (``django`` -> ``django_1`` ... in every file); and a tree of 8 different
   projects against the sum of each scanned alone. Targets: at most 1.3 times the cost per file, at most 1.2
   times the sum. Each figure is the fastest of ``--repeat`` fresh processes.

Run: ``python -m bench.precision_duplicates [--projects django rich] [--scale] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import shutil
import sys
import tokenize
from pathlib import Path
from typing import Any

from bench.django_tree import django_package
from bench.harness import DATA, fastest, run_snippet, unpacked_sdist
from bench.precision import Project, by_name, load_labels, precision, project_root, scan_report
from healthcheck.checks.duplicates.extract import DupFacts, extract

PLANTED_PER_PROJECT = 3
MODULE_PLANT = "_planted_copy"
EXTRA_FOR_SCALE = (("werkzeug", "werkzeug==3.1.3", "[Ww]erkzeug-3.1.3"),)
SCAN = r"""
import json, sys, time
from pathlib import Path
from healthcheck.checks.base import ScanOptions
from healthcheck.engine import scan
t0 = time.perf_counter()
result = scan(Path(sys.argv[1]), options=ScanOptions(only=frozenset({"duplicates"})), cache_dir="none")
doc = result.report.to_json()
print(json.dumps({"seconds": time.perf_counter() - t0, "files": doc["metrics"]["files"],
                  "check_s": doc["checks"]["duplicates"]["duration_s"]}))
"""


# --- 1. precision ------------------------------------------------------------------------------------------

def judged(project: Project) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The project's duplicate-implementation errors and duplicate-code findings."""
    report = scan_report(project_root(project), "--only", "duplicates")
    findings = report["findings"]
    errors = [f for f in findings if f["check"] == "duplicate-implementation" and f["severity"] == "error"]
    return errors, [f for f in findings if f["check"] == "duplicate-code"]


def precision_part(projects: list[Project], show: int) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for check in ("duplicate-implementation", "duplicate-code"):
        labels = load_labels(check)
        true = false = 0
        for project in projects:
            errors, code = judged(project)
            result = precision(project.name, check, errors if check == "duplicate-implementation" else code, labels)
            print(result.line())
            true, false = true + result.true, false + result.false
            for finding in result.unlabelled[:show]:
                print(f"    unlabelled {finding['id']} {finding['path']}:{finding['line']} {finding['message'][:150]}")
        totals[check] = (true, false)
        share = f"{100 * true / (true + false):.1f} %" if true + false else "n/a"
        print(f"{'all':16} {check:26} precision {share:>8}  ({true} true, {false} false)")
    return totals


# --- 2. planted copies -------------------------------------------------------------------------------------

def _package_files(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*.py")
        if not ({"tests", "test", "docs", "examples", "_vendor", "vendor"} & set(p.relative_to(root).parts))
        and p.name != "setup.py" and not p.name.startswith("test_")
    )


def _facts(path: Path, module: str) -> tuple[ast.Module, DupFacts] | None:
    text = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    facts = extract(tree, text.splitlines(), module)
    return (tree, facts) if facts is not None else None


def _module_of(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _candidates(root: Path) -> list[tuple[Path, str, ast.ClassDef]]:
    """Top-level classes worth copying: at least three methods, twelve logical lines, nothing skipped."""
    out = []
    for path in _package_files(root):
        module = _module_of(root, path)
        parsed = _facts(path, module)
        if parsed is None or path.name == "__init__.py":
            continue
        tree, facts = parsed
        nodes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        for d in facts.definitions:
            methods = [m for m in facts.definitions if m.name.startswith(d.name + ".")]
            if d.kind == "class" and d.name in nodes and not d.flags and len(methods) >= 3 and len(d.code) >= 12:
                out.append((path, module, nodes[d.name]))
    return out


def _renamed(text: str, cls: ast.ClassDef, new_name: str) -> str:
    """The class's text with its name, the attributes its methods set on ``self`` and each method's parameters
    without a default renamed, token by token (strings, comments and keyword-argument names untouched)."""
    attrs: set[str] = set()
    scopes: list[tuple[int, int, set[str]]] = []  # lines of each method (1 = the class's first), its parameters
    first = (cls.decorator_list[0].lineno if cls.decorator_list else cls.lineno) - 1
    for fn in (n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        positional = [*fn.args.posonlyargs, *fn.args.args]
        defaults = len(fn.args.defaults)
        plain = positional[1 : len(positional) - defaults] if defaults else positional[1:]
        scopes.append((fn.lineno - first, (fn.end_lineno or fn.lineno) - first, {a.arg for a in plain}))
        for node in ast.walk(fn):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and \
                    isinstance(node.value, ast.Name) and node.value.id == "self":
                attrs.add(node.attr)
    ignored = (tokenize.NL, tokenize.COMMENT)
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in ignored]
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []
    for k, tok in enumerate(tokens):
        if tok.type != tokenize.NAME:
            continue
        before = tokens[k - 1].string if k else ""
        after = tokens[k + 1].string if k + 1 < len(tokens) else ""
        params = next((p for a, b, p in scopes if a <= tok.start[0] <= b), set())
        new = None
        if tok.string == cls.name and before != ".":  # orig.install_lib is the base, not this class
            new = new_name
        elif tok.string in attrs and before == "." and k > 1 and tokens[k - 2].string == "self":
            new = f"{tok.string}_kept"
        elif tok.string in params and before != "." and not (after == "=" and before in ("(", ",")):
            new = f"{tok.string}_given"
        if new is not None:
            edits.append((tok.start[0], tok.start[1], tok.end[1], new))
    for row, start, end, new in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[end:]
    return "".join(lines)


def plant(project: Project) -> tuple[Path, list[tuple[str, int, str]]]:
    """A copy of the project with planted renamed classes; (original path, line, planted path) of each."""
    source = project_root(project)
    target = DATA / "planted" / source.name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    planted: list[tuple[str, int, str]] = []
    candidates = _candidates(target)
    step = max(1, len(candidates) // PLANTED_PER_PROJECT)
    for n, (path, module, cls) in enumerate(candidates[::step][:PLANTED_PER_PROJECT]):
        text = path.read_text(encoding="utf-8")
        start = cls.decorator_list[0].lineno if cls.decorator_list else cls.lineno
        body = "".join(text.splitlines(keepends=True)[start - 1 : cls.end_lineno])
        tree = ast.parse(text)
        names = sorted(_top_level_names(tree) - {cls.name})
        imports = f"from {module} import {', '.join(names)}  # noqa\n\n\n" if names else ""
        copy = path.with_name(f"{MODULE_PLANT}_{n}.py")
        copy.write_text(imports + _renamed(body, cls, f"Planted{cls.name}"), encoding="utf-8")
        planted.append((path.relative_to(target).as_posix(), start, copy.relative_to(target).as_posix()))
    return target, planted


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    statements = list(tree.body)
    for stmt in statements:  # module level, the branches of if/try included
        if isinstance(stmt, (ast.If, ast.Try)):
            statements.extend([*stmt.body, *stmt.orelse, *getattr(stmt, "finalbody", [])])
            statements.extend(s for h in getattr(stmt, "handlers", []) for s in h.body)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).partition(".")[0] for a in stmt.names if a.name != "*")
        elif isinstance(stmt, ast.Assign):
            names.update(n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            names.add(stmt.target.id)
    return names


def recall_part(projects: list[Project]) -> tuple[int, int]:
    found_all = planted_all = 0
    for project in projects:
        root, planted = plant(project)
        report = json.loads(json.dumps(scan_report(root, "--only", "duplicates")))
        classes = [f for f in report["findings"] if f["check"] == "duplicate-implementation"
                   and f["data"].get("kind") == "class"]
        found = 0
        for original, line, copy in planted:
            hit = any(
                {(loc["path"], loc["line"]) for loc in f["data"]["locations"]} >= {(original, line)}
                and copy in {loc["path"] for loc in f["data"]["locations"]}
                for f in classes
            )
            found += hit
            if not hit:
                print(f"    missed planted copy of {original}:{line} in {copy}")
        print(f"{project.name:16} planted renamed classes found {found} of {len(planted)}")
        found_all, planted_all = found_all + found, planted_all + len(planted)
    print(f"{'all':16} planted renamed classes found {found_all} of {planted_all}")
    return found_all, planted_all


# --- 3. scale ----------------------------------------------------------------------------------------------

def timed(root: Path, repeat: int) -> dict[str, Any]:
    return fastest(lambda: run_snippet(SCAN, str(root)), repeat)


def renamed_copies(copies: int) -> Path:
    """A tree of ``copies`` copies of Django's package, each ``django`` renamed to ``django_<k>``."""
    tree = DATA / f"django-x{copies}"
    if tree.exists():
        return tree
    source = django_package() / "django"
    word = re.compile(r"\bdjango\b")
    for k in range(1, copies + 1):
        for path in source.rglob("*.py"):
            out = tree / f"django_{k}" / path.relative_to(source)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(word.sub(f"django_{k}", path.read_text(encoding="utf-8")), encoding="utf-8")
    return tree


def mixed_tree(roots: list[Path]) -> Path:
    tree = DATA / "mixed-projects"
    if not tree.exists():
        for root in roots:
            shutil.copytree(root, tree / root.name, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    return tree


def scale_part(projects: list[Project], repeat: int) -> None:
    one = timed(django_package(), repeat)
    eight = timed(renamed_copies(8), repeat)
    per_one, per_eight = one["seconds"] / one["files"], eight["seconds"] / eight["files"]
    print(f"Django package, 1 copy:  {one['files']:5} files {one['seconds']:6.2f} s "
          f"({1000 * per_one:.2f} ms per file, check {one['check_s']:.2f} s)")
    print(f"8 renamed copies:        {eight['files']:5} files {eight['seconds']:6.2f} s "
          f"({1000 * per_eight:.2f} ms per file, check {eight['check_s']:.2f} s)")
    print(f"cost per file, 8 copies / 1 copy: {per_eight / per_one:.2f}x (target <= 1.3x)")
    roots = [project_root(p) for p in projects][:8]
    roots += [unpacked_sdist(spec, glob) for _, spec, glob in EXTRA_FOR_SCALE][: max(0, 8 - len(roots))]
    alone = [timed(root, repeat) for root in roots]
    together = timed(mixed_tree(roots), repeat)
    total = sum(r["seconds"] for r in alone)
    print(f"{len(roots)} projects alone: {sum(r['files'] for r in alone)} files, sum {total:.2f} s; "
          f"in one tree: {together['files']} files {together['seconds']:.2f} s: "
          f"{together['seconds'] / total:.2f}x the sum (target <= 1.2x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", nargs="*", help="corpus projects (default: all)")
    parser.add_argument("--scale", action="store_true", help="also measure the cost per file at scale")
    parser.add_argument("--scale-only", action="store_true", help="only measure the cost per file at scale")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--show", type=int, default=50, help="unlabelled findings listed per project")
    args = parser.parse_args()
    projects = by_name(args.projects)
    if args.scale_only:
        scale_part(projects, args.repeat)
        return
    precision_part(projects, args.show)
    found, planted = recall_part(projects)
    if args.scale:
        scale_part(projects, args.repeat)
    sys.exit(0 if found == planted else 1)


if __name__ == "__main__":
    main()

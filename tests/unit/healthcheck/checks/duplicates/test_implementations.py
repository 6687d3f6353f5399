"""Duplicate implementations: identity that respects behaviour, inheritance, whole classes, what is never one."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from healthcheck.checks.base import ScanOptions
from healthcheck.checks.duplicates.identity import bound_names, encode, logical_lines
from healthcheck.checks.duplicates.implementations import similarity
from healthcheck.engine import scan
from healthcheck.report.json_report import validation_errors

FIXTURES = Path(__file__).resolve().parents[4] / "fixtures"
ONLY = ScanOptions(only=frozenset({"duplicates"}))


def implementations(root: Path) -> list[dict[str, Any]]:
    doc = scan(root, ONLY, cache_dir="none").report.to_json()
    assert validation_errors(doc) == []
    return sorted(
        (f for f in doc["findings"] if f["check"] == "duplicate-implementation"), key=lambda f: f["path"]
    )


def write(root: Path, files: dict[str, str]) -> Path:
    (root / "pkg").mkdir(parents=True, exist_ok=True)
    (root / "pkg" / "__init__.py").write_text("")
    for rel, source in files.items():
        (root / "pkg" / rel).write_text(textwrap.dedent(source))
    return root


def encoded(source: str) -> tuple[int, ...]:
    text = textwrap.dedent(source)
    lines = logical_lines(text, 1)
    return encode(lines, "f", bound_names(lines, ["a", "b"]), frozenset(), frozenset()).code


def test_the_behaviour_fixture_reports_the_two_copies_and_one_move_into_the_base() -> None:
    found = [(f["severity"], f["path"], f["message"]) for f in implementations(FIXTURES / "dup_behaviour")]
    assert found == [
        ("info", "pkg/backends/mysql.py",
         "method Operations.bulk_batch_size: the same code in 2 subclasses of pkg.backends.base.BaseOperations "
         "(similarity 1.00): move it into pkg.backends.base.BaseOperations"),
        ("error", "pkg/handlers_b.py",
         "class Handler is implemented in 2 modules (similarity 1.00): keep pkg.handlers_a (imported by 1)"),
        ("error", "pkg/locator.py",
         "class GeoIPService (also as NetworkLocator) is implemented in 2 modules (similarity 1.00, 100% of the "
         "methods): keep pkg.geo (imported by 1); no static import of pkg.locator"),
    ]


def test_a_renamed_class_is_one_finding_with_its_renames() -> None:
    [renamed] = [f for f in implementations(FIXTURES / "dup_behaviour") if f["data"]["name"] == "GeoIPService"]
    assert renamed["data"]["names"] == ["GeoIPService", "NetworkLocator"]
    assert renamed["data"]["share"] == 1.0
    assert renamed["data"]["renames"][:2] == ["self.table -> self.networks", "self.hits -> self.count"]


def test_a_handler_named_by_a_dotted_string_is_used() -> None:
    [handler] = [f for f in implementations(FIXTURES / "dup_behaviour") if f["data"]["name"] == "Handler"]
    assert handler["data"]["unused"] == []
    assert [loc["named_in_strings"] for loc in handler["data"]["locations"]] == [0, 1]
    assert handler["related"][0]["message"] == "the one the project imports (1 by name, 1 as a module)"


def test_consistent_renames_match_and_an_inconsistent_one_does_not() -> None:
    one = encoded("def f(a, b):\n    total = a - b\n    return total\n")
    renamed = encoded("def f(a, b):\n    diff = a - b\n    return diff\n")
    swapped = encoded("def f(a, b):\n    total = b - a\n    return total\n")
    assert one == renamed
    assert one != swapped


def test_literals_are_significant_and_keyword_names_are_not_locals() -> None:
    assert encoded("def f(a, b):\n    return a % b\n") != encoded("def f(a, b):\n    return b % a\n")
    assert encoded("def f(a, b):\n    return g(a, '`')\n") != encoded("def f(a, b):\n    return g(a, '\"')\n")
    assert encoded("def f(a, b):\n    return g(a=a)\n") == encoded("def f(b, a):\n    return g(a=b)\n")


def test_a_helper_copied_with_its_caller_is_the_same_helper(tmp_path: Path) -> None:
    helper = "def _clean(text):\n    parts = text.split()\n    return ' '.join(parts)\n\n\n"
    caller = "def normalise(value):\n    cleaned = _clean(value)\n    lowered = cleaned.lower()\n    return lowered\n"
    write(tmp_path, {"a.py": helper + caller, "b.py": helper + caller})
    assert [f["data"]["name"] for f in implementations(tmp_path)] == ["_clean", "normalise"]
    other = helper.replace("' '", "'-'")
    write(tmp_path, {"a.py": helper + caller, "b.py": other + caller})
    assert implementations(tmp_path) == []  # each module's own, different _clean


def test_an_imported_name_means_the_same_thing_wherever_it_is_imported_from(tmp_path: Path) -> None:
    body = "def total(rows):\n    kept = [r for r in rows if r]\n    return Money(sum(kept))\n"
    write(tmp_path, {
        "money.py": "class Money:\n    def __init__(self, v):\n        self.v = v\n",
        "api.py": "from pkg.money import Money\n",
        "a.py": "from pkg.money import Money\n\n\n" + body,
        "b.py": "from .api import Money\n\n\n" + body,
        "c.py": "from decimal import Decimal as Money\n\n\n" + body,
    })
    [found] = implementations(tmp_path)
    assert sorted(loc["module"] for loc in found["data"]["locations"]) == ["pkg.a", "pkg.b"]


def test_the_same_constant_is_the_same_and_module_state_never_is(tmp_path: Path) -> None:
    body = "def limit(n):\n    capped = min(n, LIMIT)\n    return capped * 2\n"
    write(tmp_path, {"a.py": "LIMIT = 10\n" + body, "b.py": "LIMIT = 10\n" + body})
    assert len(implementations(tmp_path)) == 1
    write(tmp_path, {"a.py": "LIMIT = compute()\n" + body, "b.py": "LIMIT = compute()\n" + body})
    assert implementations(tmp_path) == []


def test_an_override_is_not_a_copy_and_a_star_import_is_followed(tmp_path: Path) -> None:
    method = "    def render(self, rows):\n        out = [str(r) for r in rows]\n        return ', '.join(out)\n"
    write(tmp_path, {
        "base.py": "class Table:\n" + method,
        "reexport.py": "from pkg.base import *\n",
        "child.py": "from pkg.reexport import Table as BaseTable\n\n\nclass Table(BaseTable):\n" + method,
    })
    assert implementations(tmp_path) == []


def test_some_methods_of_two_classes_are_one_finding_listing_them(tmp_path: Path) -> None:
    shared = (
        "    def first(self, rows):\n        kept = [r for r in rows if r]\n        kept.sort()\n        return kept[0]\n\n"
        "    def last(self, rows):\n        kept = [r for r in rows if r]\n        kept.sort()\n        return kept[-1]\n\n"
    )
    write(tmp_path, {
        "a.py": "class Reader:\n" + shared + "    def size(self):\n        n = 1\n        return n * 4\n",
        "b.py": "class Picker:\n" + shared + "    def name(self):\n        n = 'p'\n        return n * 2\n"
                "    def other(self):\n        n = 2\n        return n + 1\n",
    })
    [found] = implementations(tmp_path)
    assert found["data"]["methods"] == ["first", "last"]
    assert found["data"]["share"] == round(2 / 4, 3)
    assert found["message"].startswith("class Reader (also as Picker) shares 2 method(s) with 1 other class(es)")


def test_trivial_bodies_and_short_renamed_copies_are_never_reported(tmp_path: Path) -> None:
    write(tmp_path, {
        "a.py": "class Timeout(Exception):\n    pass\n\n\ndef ok():\n    return True\n\n\n"
                "def pair(a, b):\n    x = a + b\n    return x\n",
        "b.py": "class Timeout(Exception):\n    pass\n\n\ndef ok():\n    return True\n\n\n"
                "def add(a, b):\n    x = a + b\n    return x\n",
    })
    assert implementations(tmp_path) == []


def test_a_class_of_one_short_method_is_trivial_and_a_local_import_keeps_its_names(tmp_path: Path) -> None:
    record = "class Struct:\n    def __init__(self, **kw):\n        self.__dict__.update(kw)\n"
    loader = "def _load_{0}():\n    try:\n        from ._speedups import {0}\n        return {0}\n" \
             "    except ImportError:\n        return None\n"
    write(tmp_path, {"a.py": record + loader.format("scanstring"), "b.py": record + loader.format("make_scanner")})
    assert implementations(tmp_path) == []
    write(tmp_path, {"a.py": loader.format("scanstring"), "b.py": loader.format("scanstring")})
    assert [f["data"]["name"] for f in implementations(tmp_path)] == ["_load_scanstring"]


def test_methods_of_two_classes_setting_other_state_are_not_one(tmp_path: Path) -> None:
    options = "class {0}:\n    def initialize_options(self):\n" + "".join(f"        self.{{{k}}} = None\n" for k in (1, 2, 3, 4))
    write(tmp_path, {
        "a.py": options.format("build_scripts", "build_dir", "scripts", "force", "executable"),
        "b.py": options.format("editable_wheel", "dist_dir", "dist_info_dir", "project_dir", "mode"),
    })
    assert implementations(tmp_path) == []


def test_a_body_that_warns_it_is_deprecated_is_on_its_way_out(tmp_path: Path) -> None:
    shim = ("import warnings\n\n\nclass {0}:\n    def fetch(self, rows, query=None):\n"
            "        warnings.warn('fetch() is deprecated', RemovedInNextWarning, stacklevel=2)\n"
            "        if query is None:\n            return self.fetch_all(rows)\n"
            "        return self.fetch_all(rows, [query])\n")
    write(tmp_path, {"a.py": shim.format("Forward"), "b.py": shim.format("Reverse")})
    assert implementations(tmp_path) == []
    write(tmp_path, {"a.py": shim.format("Forward").replace("RemovedInNextWarning", "UserWarning"),
                     "b.py": shim.format("Reverse").replace("RemovedInNextWarning", "UserWarning")})
    assert len(implementations(tmp_path)) == 1


def test_similarity_bounds() -> None:
    assert similarity([], []) == 1.0
    assert similarity([b"a"], []) == 0.0
    assert similarity([b"a", b"b"], [b"a", b"b"]) == 1.0
    assert similarity([b"a"] * 10, [b"a"], threshold=0.9) < 0.9
    assert similarity([b"a", b"b", b"c"], [b"x", b"y", b"z"], threshold=0.5) == 0.0

"""undefined-name and unresolved-import judged with what the code says: runtime modules, optional imports,
version branches, NameError guards and vendored trees."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthcheck.checks.base import ScanOptions
from healthcheck.engine import scan
from healthcheck.model import Report


def _scan(root: Path, files: dict[str, str]) -> Report:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return scan(root, options=ScanOptions(only=frozenset({"names"})), cache_dir="none").report


def _found(report: Report) -> list[tuple[str, str, str | None, int | None, str]]:
    return sorted((f.kind, f.severity, f.path, f.line, f.message) for f in report.findings)


def test_modules_made_at_run_time_are_not_missing(tmp_path: Path) -> None:
    report = _scan(tmp_path, {
        "req/__init__.py": "",
        "req/packages.py": (
            "import sys\nfor mod in list(sys.modules):\n"
            "    sys.modules[f'req.packages.{mod}'] = sys.modules[mod]\n"
            "sys.modules['req.compat_json'] = sys.modules['json']\n"
        ),
        "req/_vendor_six/__init__.py": "",
        "req/_vendor_six/six.py": "moves = None\n",
        "req/plugins/__init__.py": "from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n",
        "req/api.py": (
            "from req.packages.urllib3 import poolmanager\nimport req.compat_json\n"
            "from req._vendor_six.six.moves import urllib\nimport req.plugins.extra\nimport req.nothere\n"
            "import req.loader.gone\n"
        ),
        "req/loader.py": "class Hook:\n    __path__ = []  # the class's, not the module's\n",
    })
    assert _found(report) == [
        ("unresolved-import", "error", "req/api.py", 5, "imports req.nothere, which does not exist in the project"),
        ("unresolved-import", "error", "req/api.py", 6, "imports req.loader.gone, which does not exist in the project"),
    ]
    assert report.metrics["unresolved_imports"] == 2


OPTIONAL_IMPORT = {
    "app/__init__.py": "",
    "app/speed.py": (
        "try:\n    from app._speedups import fast\nexcept ImportError:\n    fast = None\n"
        "def later():\n    try:\n        pass\n    finally:\n        from app.gone import x\n"
    ),
}
VERSION_GUARDS = {
    "compat.py": (
        "import sys\nPY2 = sys.version_info[0] == 2\n"
        "if PY2:\n    text = unicode\nelse:\n    text = str\n"
        "if sys.version_info < (3,):\n    number = long\n"
        "try:\n    chars = unichr\nexcept NameError:\n    chars = chr\n"
        "print(frobnicate)\n"
        "def in_notebook():\n    try:\n        get_ipython\n    except NameError:\n        return False\n"
        "    return get_ipython()\n"
        "try:\n    hook = get_hook()\nexcept Exception:\n    hook = None\n"
        "def write(data):\n    return isinstance(data, basestring)\n"
    ),
    "modern.py": "label = unicode('a')\n",  # no version test: a Python 2 builtin here is a NameError waiting
}
PY2_BUILTIN = "(a Python 2 builtin in a file that tests the Python version: missing on purpose in some environments)"
PROBED = "(its existence is tested with try/except NameError: missing on purpose in some environments)"
CAUGHT = "(inside a try that catches NameError: missing on purpose in some environments)"
# pyparsing's examples bind their keywords so; a function's vars() or a scoped exec binds nothing of the module's.
DYNAMIC = {
    "grammar.py": "keywords = {'SELECT': 1}\nvars().update(keywords)\nquery = SELECT\n",
    "states.py": "__all__ = ['Idle']\nfor kw in ('a', 'b'):\n    exec(f'{kw}_ = 1')\nprint(a_, b_)\n",
    "table.py": "def register(name):\n    globals()[name] = 1\nregister('row')\nprint(row)\n",
    "plain.py": ("def f(ns):\n    vars().update(ns)\n    exec('x = 1', {})\n    return x\n"
                 "class C:\n    locals().update({'y': 1})\nprint(y)\n"),
}
WRITTEN = "(the module binds names at run time, line {}: missing on purpose in some environments)"
ON_PURPOSE = "(only under a Python-version branch: missing on purpose in some environments)"


@pytest.mark.parametrize(("files", "metric", "expected"), [
    pytest.param(OPTIONAL_IMPORT, "unresolved_imports", [
        ("unresolved-import", "error", "app/speed.py", 9, "imports app.gone, which does not exist in the project"),
        ("unresolved-import", "info", "app/speed.py", 2, "imports app._speedups, which does not exist in the "
         "project (optional: the import is guarded by except ImportError)"),
    ], id="an import guarded by except ImportError is optional"),
    pytest.param(VERSION_GUARDS, "undefined_names", [
        ("undefined-name", "error", "compat.py", 13, "'frobnicate' is used but never defined or imported"),
        ("undefined-name", "error", "modern.py", 1, "'unicode' is used but never defined or imported"),
        ("undefined-name", "info", "compat.py", 4, f"'unicode' is used but never defined or imported {ON_PURPOSE}"),
        ("undefined-name", "info", "compat.py", 8, f"'long' is used but never defined or imported {ON_PURPOSE}"),
        ("undefined-name", "info", "compat.py", 19, f"'get_ipython' is used but never defined or imported {PROBED}"),
        ("undefined-name", "info", "compat.py", 21, f"'get_hook' is used but never defined or imported {CAUGHT}"),
        ("undefined-name", "info", "compat.py", 25,
         f"'basestring' is used but never defined or imported {PY2_BUILTIN}"),
    ], id="names under version branches or NameError guards are info"),
    pytest.param(DYNAMIC, "undefined_names", [
        ("undefined-name", "error", "plain.py", 4, "'x' is used but never defined or imported"),
        ("undefined-name", "error", "plain.py", 7, "'y' is used but never defined or imported"),
        ("undefined-name", "info", "grammar.py", 3,
         f"'SELECT' is used but never defined or imported {WRITTEN.format(2)}"),
        ("undefined-name", "info", "states.py", 1,
         f"'Idle' is listed in __all__ but never defined {WRITTEN.format(3)}"),
        ("undefined-name", "info", "states.py", 4, f"'a_' is used but never defined or imported {WRITTEN.format(3)}"),
        ("undefined-name", "info", "states.py", 4, f"'b_' is used but never defined or imported {WRITTEN.format(3)}"),
        ("undefined-name", "info", "table.py", 4, f"'row' is used but never defined or imported {WRITTEN.format(2)}"),
    ], id="names of a module that binds names at run time are info"),
])
def test_guarded_code_is_info_and_not_counted(
    tmp_path: Path, files: dict[str, str], metric: str, expected: list[tuple[str, str, str, int, str]]
) -> None:
    report = _scan(tmp_path, files)
    assert _found(report) == expected
    assert report.metrics[metric] == sum(1 for found in expected if found[1] == "error")


def test_vendored_trees_are_left_out_and_listed(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": "", "pkg/_vendor/__init__.py": "", "pkg/_vendor/old.py": "x = basestring\n",
             "pkg/_vendor/new.py": "import pkg.nothere\n", "third_party/lib.py": "y = unicode\n"}
    report = _scan(tmp_path, files)
    assert _found(report) == []
    assert report.extra["names_not_checked"] == [
        {"path": "pkg/_vendor/", "files": 3, "reason": "vendored (include_vendored = true checks it)"},
        {"path": "third_party/", "files": 1, "reason": "vendored (include_vendored = true checks it)"},
    ]
    (tmp_path / "pyproject.toml").write_text("[tool.healthcheck.names]\ninclude_vendored = true\n")
    again = scan(tmp_path, options=ScanOptions(only=frozenset({"names"})), cache_dir="none").report
    assert sorted(f.path or "" for f in again.findings) == ["pkg/_vendor/new.py", "pkg/_vendor/old.py", "third_party/lib.py"]

"""Where a new import goes in a module whose import block holds guarded imports (``try:``/``if`` blocks)."""

from __future__ import annotations

import libcst as cst

from healthcheck.fix.import_block import import_at, insert_import, parse_line

SECTIONS = {"os": 1, "sys": 1, "json": 1, "time": 1, "pkg": 3}


def _section(module: str, level: int) -> int:
    return 4 if level else SECTIONS.get(module.split(".")[0], 2)


def _insert(text: str, line: str) -> str:
    module = cst.parse_module(text)
    body = list(module.body)
    insert_import(body, parse_line(line), _section)
    return module.with_changes(body=body).code


GUARDED = "import os\n\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\n\nimport sys\n"


def test_a_new_import_joins_the_run_that_holds_its_section() -> None:
    assert _insert(GUARDED, "import time\n") == (
        "import os\nimport time\n\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\n\nimport sys\n")
    assert _insert(GUARDED + "\nfrom pkg.a import b\n", "from pkg.c import d\n").endswith(
        "import sys\n\nfrom pkg.a import b\nfrom pkg.c import d\n")


def test_never_below_a_guarded_block_that_uses_the_name() -> None:
    text = "try:\n    import ujson as json\nexcept ImportError:\n    json = time.monotonic\n\nimport sys\n"
    assert _insert(text, "import time\n") == "import time\n\n" + text


def test_an_import_of_a_module_whose_imports_are_all_guarded_goes_above_them() -> None:
    text = '"""Doc."""\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\n'
    assert _insert(text, "import time\n") == '"""Doc."""\n\nimport time\n\ntry:\n    import ujson as json\n' \
                                             'except ImportError:\n    import json\n'


def test_an_import_inside_a_guard_is_not_moved_and_says_why() -> None:
    text = "import os\n\nif os.name == 'nt':\n    from pkg.win import run\nelse:\n    from pkg.posix import run\n"
    assert import_at(text, "pkg/run.py", 4) == (
        "the import at pkg/run.py:4 is inside a top-level `if` block: moving it would drop the condition it runs under")
    assert import_at(GUARDED, "pkg/x.py", 4) == (
        "the import at pkg/x.py:4 is inside a top-level `try:` block: moving it would change what its `except` does "
        "when the import fails")

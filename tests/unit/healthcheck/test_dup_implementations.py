"""Duplicate implementations: likeness of same-named definitions, what is never a candidate."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from healthcheck.checks.duplicates.extract import OVERLOAD, STUB, Definition, DupFacts, extract
from healthcheck.checks.duplicates.implementations import SourceCache, body_lines, find_implementations, similarity

CLASS = '''
class Cache:
    """Keeps values for a while."""

    limit = 10

    def __init__(self, clock):
        self.clock = clock
        self.items = {}

    def get(self, key, default=None):
        entry = self.items.get(key)
        if entry is None:
            return default
        value, stamp = entry
        for name in (key,):
            self.touched = name
        return value
'''


def write(root: Path, files: dict[str, str]) -> list[tuple[str, str, DupFacts]]:
    out = []
    for rel, source in files.items():
        text = textwrap.dedent(source)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        module = rel[:-3].replace("/", ".")
        out.append((rel, module, extract(ast.parse(text), text.splitlines(), module)))
    return out


def find(root: Path, files: dict[str, str], threshold: float = 0.8, ignored: frozenset[str] = frozenset()):  # type: ignore[no-untyped-def]
    return find_implementations(write(root, files), SourceCache(root), threshold, ignored, OVERLOAD | STUB)


def test_renamed_locals_do_not_change_a_body(tmp_path: Path) -> None:
    renamed = CLASS.replace("(self, clock)", "(self, timer)").replace("= clock", "= timer")
    for old, new in (("entry", "found"), ("stamp", "when"), ("name", "label"), ("key", "k")):
        renamed = renamed.replace(old, new)
    groups = find(tmp_path, {"a.py": CLASS, "b.py": renamed})
    assert [(g.name, g.kind, g.similarity, [m.path for m in g.members]) for g in groups] == [
        ("Cache", "class", 1.0, ["a.py", "b.py"])
    ]


def test_a_class_attribute_is_part_of_the_interface_not_a_local(tmp_path: Path) -> None:
    lines = body_lines(textwrap.dedent(CLASS).encode().split(b"\n"), Definition("Cache", "class", 2, 18, 0))
    assert b"limit=10" in lines
    assert b"N.clock=N" in lines  # the attribute keeps its name, the parameter does not
    assert b"N,N=N" in lines


def test_different_bodies_under_one_name_are_not_reported(tmp_path: Path) -> None:
    other = '''
    class Cache:
        def __init__(self):
            self.backend = connect()

        def get(self, key):
            return self.backend.fetch(key, timeout=3)
    '''
    assert find(tmp_path, {"a.py": CLASS, "b.py": other}) == []


def test_methods_of_same_named_classes_are_compared_when_the_classes_differ(tmp_path: Path) -> None:
    shared = (
        "    def render(self, rows):\n"
        "        out = []\n"
        "        for row in rows:\n"
        "            out.append(' | '.join(str(cell) for cell in row))\n"
        "        return '\\n'.join(out)\n"
    )
    a = "class Table:\n    kind = 'a'\n    def size(self):\n        return len(self.rows) * 2 + self.offset\n" + shared
    b = "class Table:\n    def width(self):\n        return max(map(len, self.rows), default=0)\n" + shared
    groups = find(tmp_path, {"a.py": a, "b.py": b})
    assert [(g.name, g.kind) for g in groups] == [("Table.render", "method")]


def test_same_module_twice_and_ignored_names_are_not_candidates(tmp_path: Path) -> None:
    body = "def helper(x):\n    y = x * 2\n    return y + 1\n"
    assert find(tmp_path, {"a.py": body + body}) == []
    assert find(tmp_path, {"a.py": body, "b.py": body}, ignored=frozenset({"helper"})) == []
    dunder = "class K:\n    def __repr__(self):\n        return 'K'\n"
    other = "class K:\n    x = 1\n    y = 2\n    z = 3\n    def __repr__(self):\n        return 'K'\n"
    assert find(tmp_path, {"a.py": dunder, "b.py": other}, threshold=0.9) == []


def test_groups_split_by_likeness(tmp_path: Path) -> None:
    one = "def area(w, h):\n    total = w * h\n    return round(total, 2)\n"
    two = "def area(width, height):\n    total = width * height\n    return round(total, 2)\n"
    three = "def area(shape):\n    return shape.compute_area(precision=4, unit='m2')\n"
    groups = find(tmp_path, {"a.py": one, "b.py": two, "c.py": three})
    assert [[m.module for m in g.members] for g in groups] == [["a", "b"]]


def test_an_unreadable_source_compares_as_empty(tmp_path: Path) -> None:
    cache = SourceCache(tmp_path)
    assert cache.get("missing.py") == [b""]


def test_similarity_bounds() -> None:
    assert similarity([], []) == 1.0
    assert similarity([b"a"], []) == 0.0
    assert similarity([b"a", b"b"], [b"a", b"b"]) == 1.0
    assert similarity([b"a"] * 10, [b"a"], threshold=0.9) < 0.9
    assert similarity([b"a", b"b", b"c"], [b"x", b"y", b"z"], threshold=0.5) == 0.0

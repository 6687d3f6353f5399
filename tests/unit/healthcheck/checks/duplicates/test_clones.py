"""Clone groups: exact copies, near-misses, copies in one file, three copies, what is too small."""

from __future__ import annotations

import ast
import textwrap

from healthcheck.checks.duplicates.clones import CloneGroup, Place, find_clones
from healthcheck.checks.duplicates.extract import DupFacts, extract

BLOCK = """
def {name}(items, limit):
    found = []
    for item in items:
        if item.size > limit:
            continue
        if item.name.startswith("_"):
            item = item.renamed()
        found.append(item)
        while len(found) > limit:
            found.pop(0)
    return sorted(found, key=lambda i: i.name)
"""


def facts_of(source: str) -> DupFacts:
    text = textwrap.dedent(source)
    return extract(ast.parse(text), text.splitlines(), "m")


def places(group: CloneGroup) -> list[tuple[str, int, int]]:
    return [(p.path, p.line, p.end_line) for p in group.places]


def test_a_copy_under_other_names_across_files() -> None:
    a = facts_of(BLOCK.format(name="pick"))
    b = facts_of(BLOCK.format(name="choose").replace("item", "entry").replace("found", "kept"))
    result = find_clones([("a.py", a), ("b.py", b)])
    assert [places(g) for g in result.groups] == [[("a.py", 3, 12), ("b.py", 3, 12)]]
    group = result.groups[0]
    assert group.similarity == 1.0 and group.lines == 10
    assert result.code_lines == 20 and result.duplicated_lines == 20


def test_a_copy_inside_one_file() -> None:
    one = facts_of(BLOCK.format(name="pick") + "\n" + BLOCK.format(name="choose"))
    result = find_clones([("one.py", one)])
    assert [places(g) for g in result.groups] == [[("one.py", 3, 12), ("one.py", 16, 25)]]


def test_a_near_miss_with_one_statement_added() -> None:
    a = facts_of(BLOCK.format(name="pick"))
    b = facts_of(BLOCK.format(name="pick").replace("        found.append(item)\n", "        found.append(item)\n        log(item)\n"))
    result = find_clones([("a.py", a), ("b.py", b)])
    assert len(result.groups) == 1
    group = result.groups[0]
    assert places(group) == [("a.py", 3, 12), ("b.py", 3, 13)]
    assert group.similarity == round(2 * 9 / 19, 3)  # "continue" is a lone keyword: 9 units against 10


def test_a_near_miss_below_the_threshold_is_not_a_copy() -> None:
    a = facts_of(BLOCK.format(name="pick"))
    b = facts_of(BLOCK.format(name="pick").replace("        found.append(item)\n", "        found.append(item)\n        log(item)\n"))
    strict = find_clones([("a.py", a), ("b.py", b)], similarity=0.97)
    assert [places(g) for g in strict.groups] == [[("a.py", 3, 9), ("b.py", 3, 9)]]  # the part before the gap
    assert find_clones([("a.py", a), ("b.py", b)], min_lines=8, similarity=0.97).groups == []


def test_three_copies_make_one_group() -> None:
    files = [(f"{n}.py", facts_of(BLOCK.format(name=n))) for n in ("a", "b", "c")]
    result = find_clones(files)
    assert [places(g) for g in result.groups] == [[("a.py", 3, 12), ("b.py", 3, 12), ("c.py", 3, 12)]]


def test_fewer_lines_than_the_minimum_is_not_a_copy() -> None:
    a = facts_of(BLOCK.format(name="pick"))
    b = facts_of(BLOCK.format(name="pick"))
    assert find_clones([("a.py", a), ("b.py", b)], min_lines=11).groups == []
    assert len(find_clones([("a.py", a), ("b.py", b)], min_lines=10).groups) == 1


def test_tables_of_the_same_shape_are_not_copies() -> None:
    a = facts_of("\n".join(f"NAME_{i} = {i}" for i in range(20)))
    b = facts_of("\n".join(f"OTHER_{i} = 'x{i}'" for i in range(20)))
    assert find_clones([("a.py", a), ("b.py", b)]).groups == []


def test_a_table_copied_as_written_is_a_copy() -> None:
    table = "ROWS = [\n" + "".join(f"    ({i}, 'row {i}'),\n" for i in range(8)) + "]\n"
    result = find_clones([("a.py", facts_of(table)), ("b.py", facts_of(table))])
    assert [places(g) for g in result.groups] == [[("a.py", 1, 10), ("b.py", 1, 10)]]


def test_a_run_of_one_repeated_line_does_not_match_itself() -> None:
    lines = "".join(f"    total += values[{i}]\n" for i in range(30))
    facts = facts_of("def f(values):\n    total = 0\n" + lines + "    return total\n")
    assert find_clones([("a.py", facts)]).groups == []


def test_nothing_to_compare() -> None:
    result = find_clones([])
    assert result.groups == [] and result.code_lines == 0 and result.duplicated_lines == 0


def test_place_is_plain_data() -> None:
    assert Place("a.py", 1, 2) == Place("a.py", 1, 2)


def test_many_copies_make_one_group_with_every_place() -> None:
    names = [f"f{i:02}" for i in range(14)]
    files = [(f"{n}.py", facts_of(BLOCK.format(name=n))) for n in names]
    result = find_clones(files)
    assert [places(g) for g in result.groups] == [[(f"{n}.py", 3, 12) for n in names]]
    assert result.duplicated_lines == result.code_lines == 14 * 10


def test_a_near_miss_with_a_three_line_statement_added() -> None:
    a = facts_of(BLOCK.format(name="pick"))
    added = "        found.append(item)\n        log(\n            item,\n        )\n"
    b = facts_of(BLOCK.format(name="pick").replace("        found.append(item)\n", added))
    # "log(" and "item," are two units, the ")" rides with the line above: a gap of two.
    result = find_clones([("a.py", a), ("b.py", b)])
    assert [places(g) for g in result.groups] == [[("a.py", 3, 12), ("b.py", 3, 15)]]
    assert result.groups[0].similarity == round(2 * 9 / 20, 3)
    three = "        found.append(item)\n        log(item)\n        count(item)\n        trace(item)\n"
    c = facts_of(BLOCK.format(name="pick").replace("        found.append(item)\n", three))
    result = find_clones([("a.py", a), ("c.py", c)])
    assert [places(g) for g in result.groups] == [[("a.py", 3, 12), ("c.py", 3, 15)]]
    assert result.groups[0].similarity == round(2 * 9 / 21, 3)

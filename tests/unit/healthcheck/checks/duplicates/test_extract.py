"""The duplicates extractor: which lines become units, what they hash to, what definitions it records."""

from __future__ import annotations

import ast
import pickle
import textwrap

from healthcheck.checks.duplicates.extract import (
    ABSTRACT, CONDITIONAL, OVERLOAD, PROTOCOL, STUB, TRIVIAL, DupFacts, extract, normalise, without_literals,
)
from healthcheck.checks.duplicates.symbols import Symbol, module_symbols


def facts_of(source: str) -> DupFacts:
    text = textwrap.dedent(source)
    return extract(ast.parse(text), text.splitlines(), "m")


def unit_lines(facts: DupFacts) -> list[int]:
    return list(facts.first_line)


def test_names_and_literals_are_normalised_comments_and_spaces_dropped() -> None:
    lines = normalise(b'total = price * 2  # comment\nif x is None: return "s#x"\n')
    assert lines == [b"N=N*N", b"ifNisN:returnN", b""]


def test_a_hash_inside_a_string_is_not_a_comment() -> None:
    assert without_literals(b'x = "a # b"  # gone\n') == b"x = N  \n"
    a = facts_of('COLOURS = [\n    "#fff",  # white\n]\n')
    b = facts_of('COLOURS = [\n    "#fff",\n]\n')
    assert a.seeds == b.seeds  # as written, but without the comment


def test_long_strings_keep_the_line_numbers() -> None:
    source = b'x = """one\ntwo\nthree"""\ny = 1\n'
    assert without_literals(source).split(b"\n") == [b"x = N", b"", b"", b"y = 1", b""]


def test_imports_docstrings_and_signatures_are_not_units() -> None:
    facts = facts_of(
        '''
        """Module docstring."""
        import os
        from typing import (
            Any,
        )


        def f(
            a,
            b,
        ):
            """Doc."""
            return a + b
        '''
    )
    assert unit_lines(facts) == [14]
    assert facts.code_lines == 1


def test_brackets_ride_with_the_line_above_and_a_lone_keyword_with_the_line_below() -> None:
    facts = facts_of(
        """
        def f(x):
            try:
                call(
                    x,
                    x,
                )
            finally:
                done()
        """
    )
    # "try:" after the signature opens the next unit; ")" closes the call; "finally:" follows it directly.
    assert list(zip(facts.first_line, facts.last_line, facts.sizes)) == [(3, 4, 2), (5, 5, 1), (6, 8, 3), (9, 9, 1)]
    assert facts.code_lines == 7


def test_data_lines_seed_on_their_text_code_lines_on_their_shape() -> None:
    a = facts_of("X = 1\nif a > b:\n    go(a)\n")
    b = facts_of("Y = 2\nif c > d:\n    run(c)\n")
    assert a.hashes == b.hashes  # the same shape everywhere
    assert a.seeds[1] == b.seeds[1]  # structure: compared on its shape
    assert a.seeds[0] != b.seeds[0] and a.seeds[2] != b.seeds[2]  # data and calls: compared as written


def test_class_headers_and_decorators_are_data() -> None:
    a = facts_of("@dataclass(frozen=True)\nclass A:\n    x: int\n")
    b = facts_of("@dataclass(frozen=True)\nclass B:\n    x: int\n")
    assert a.seeds[0] == b.seeds[0]
    assert a.seeds[1] != b.seeds[1]
    assert a.hashes == b.hashes


def test_definitions_and_their_flags() -> None:
    facts = facts_of(
        """
        import abc
        import typing
        from typing import Protocol, overload

        @overload
        def parse(v: str) -> int: ...
        def parse(v):
            return int(v)

        class Port(Protocol):
            def get(self): ...

        class Base(abc.ABC):
            @abc.abstractmethod
            def run(self):
                raise NotImplementedError

        class Impl(Base):
            def run(self):
                return 1
            class Inner:
                def hidden(self):
                    return 2

        try:
            from json import loads
        except ImportError:
            def loads(text):
                return eval(text)

        if typing.TYPE_CHECKING:
            class Later:
                pass

        def outer():
            def inner():
                return 3
            return inner
        """
    )
    got = {(d.name, d.kind, d.flags) for d in facts.definitions}
    assert got == {
        ("parse", "function", OVERLOAD | STUB | TRIVIAL),
        ("parse", "function", TRIVIAL),
        ("Port", "class", PROTOCOL | TRIVIAL),
        ("Port.get", "method", PROTOCOL | STUB | TRIVIAL),
        ("Base", "class", PROTOCOL | TRIVIAL),
        ("Base.run", "method", PROTOCOL | ABSTRACT | STUB | TRIVIAL),
        ("Impl", "class", 0),
        ("Impl.run", "method", TRIVIAL),
        ("loads", "function", CONDITIONAL | TRIVIAL),
        ("Later", "class", CONDITIONAL | TRIVIAL),
        ("outer", "function", 0),
    }
    spans = {d.name: (d.line, d.end_line) for d in facts.definitions if d.kind == "class"}
    assert spans["Impl"] == (19, 24)


def test_decorated_definition_starts_at_its_first_decorator() -> None:
    facts = facts_of("@a\n@b\ndef f():\n    return 1\n")
    assert [(d.line, d.end_line) for d in facts.definitions] == [(1, 4)]


def test_facts_pickle_and_an_empty_file_has_none() -> None:
    facts = facts_of('"""Only a docstring."""\n')
    assert facts.hashes == () and facts.code_lines == 0
    full = facts_of("def f(x):\n    return x + 1\n")
    assert pickle.loads(pickle.dumps(full)) == full


def test_match_and_loops_are_walked_for_nested_definitions() -> None:
    facts = facts_of(
        """
        match command:
            case "go":
                def handler():
                    return 1
        for item in items:
            class Row:
                pass
        while True:
            break
        with ctx:
            value = 1
        """
    )
    assert {(d.name, d.flags) for d in facts.definitions} == {("handler", TRIVIAL), ("Row", TRIVIAL)}


def test_inside_a_function_only_the_docstring_is_left_out_and_an_import_is_compared_as_written() -> None:
    a = facts_of('def f():\n    """Doc."""\n    import os\n    def g(x):\n        return x\n    return g\n')
    b = facts_of('def f():\n    """Doc."""\n    import sys\n    def g(x):\n        return x\n    return g\n')
    assert unit_lines(a) == [3, 4, 5, 6]
    assert a.hashes == b.hashes
    assert a.seeds[0] != b.seeds[0] and a.seeds[1:] == b.seeds[1:]


def test_a_tree_the_extractor_cannot_read_costs_only_that_file() -> None:
    odd = ast.Module(body=[ast.FunctionDef(name="f", args=ast.arguments(), body=[], decorator_list=[], lineno=1)],
                     type_ignores=[])
    assert extract(odd, ["def f(): pass"], "m") is None


def test_setting_an_attribute_of_a_name_does_not_rebind_it() -> None:
    # jinja2's environment.py ends with ``Environment.template_class = Template``: Environment stays the class,
    # so SandboxedEnvironment(Environment) in another module still inherits from it.
    bound = [module_symbols(stmt) for stmt in ast.parse("Env.template = T\nitems[0] = 1\na, b.c = 1, 2\n").body]
    assert bound == [[], [], [Symbol("a", "state", "")]]

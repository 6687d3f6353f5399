"""mypy's output parsed into errors with their notes and a category."""

from __future__ import annotations

import json

from healthcheck.checks.type_error.mypy_output import categorize, parse_json, parse_text

PROTOCOL_TEXT = """\
/r/ws/runtime.py:28:21: error: Argument 1 to "describe" has incompatible type "DockerContainer"; expected "Container"  [arg-type]
/r/ws/runtime.py:28:21: note: Following member(s) of "DockerContainer" have conflicts:
/r/ws/runtime.py:28:21: note:     Expected:
/r/ws/runtime.py:28:21: note:         def get_id(self) -> str
/r/ws/runtime.py:28:21: note:     Got:
/r/ws/runtime.py:28:21: note:         def get_id(self) -> int
/r/ws/mounts.py:20:27: error: "Mount" has no attribute "mode"  [attr-defined]
/r/ws/mounts.py:3: note: Revealed type is "builtins.int"
Found 2 errors in 2 files (checked 4 source files)
"""


def test_text_notes_belong_to_the_error_before_them() -> None:
    errors, other = parse_text(PROTOCOL_TEXT)
    assert [(e.path, e.line, e.column, e.code) for e in errors] == [
        ("/r/ws/runtime.py", 28, 21, "arg-type"),
        ("/r/ws/mounts.py", 20, 27, "attr-defined"),
    ]
    assert errors[0].notes == [
        'Following member(s) of "DockerContainer" have conflicts:',
        "    Expected:",
        "        def get_id(self) -> str",
        "    Got:",
        "        def get_id(self) -> int",
    ]
    assert errors[1].notes == []  # a note at another line (reveal_type) is not this error's
    assert other == []


def test_protocol_mismatch_is_an_interface_error_although_mypy_calls_it_arg_type() -> None:
    errors, _ = parse_text(PROTOCOL_TEXT)
    assert [e.category for e in errors] == ["interface", "attribute"]


def test_text_lines_that_are_not_messages_are_kept_for_the_failure_reason() -> None:
    errors, other = parse_text("mypy: can't read file 'x.py': No such file or directory\nSuccess: no issues found\n")
    assert errors == []
    assert other == ["mypy: can't read file 'x.py': No such file or directory"]


def test_text_error_without_code_or_column() -> None:
    errors, _ = parse_text("a.py:3: error: Something odd\n")
    assert [(e.line, e.column, e.code, e.category) for e in errors] == [(3, None, None, "other")]


def _json_line(**fields: object) -> str:
    base: dict[str, object] = {
        "file": "a.py", "line": 1, "column": 0, "end_line": 1, "end_column": 3,
        "message": "m", "hint": None, "code": "misc", "severity": "error",
    }
    base.update(fields)
    return json.dumps(base)


def test_json_hint_lines_become_notes_and_columns_are_one_based() -> None:
    text = "\n".join(
        [
            _json_line(
                line=12, column=16, end_line=13, code="override",
                message='Argument 1 of "f" is incompatible with supertype "Base"',
                hint="This violates the Liskov substitution principle\nSee https://example/override",
            ),
            _json_line(line=5, severity="note", code="misc", message="Revealed type is int"),
            "not json at all",
            "[1, 2]",
        ]
    )
    errors, other = parse_json(text)
    assert len(errors) == 1
    error = errors[0]
    assert (error.line, error.column, error.end_line, error.code, error.category) == (12, 17, 13, "override", "interface")
    assert error.notes == ["This violates the Liskov substitution principle", "See https://example/override"]
    assert other == ["not json at all", "[1, 2]"]


def test_json_note_at_the_same_place_joins_the_error() -> None:
    text = "\n".join(
        [
            _json_line(line=4, code="assignment", message="Incompatible types in assignment"),
            _json_line(line=4, severity="note", code=None, message='"C" is missing following "P" protocol member:'),
        ]
    )
    errors, _ = parse_json(text)
    assert errors[0].notes == ['"C" is missing following "P" protocol member:']
    assert errors[0].category == "interface"


def test_json_blocking_error_without_a_place() -> None:
    errors, _ = parse_json(_json_line(line=-1, column=-1, end_line=-1, code=None, message='Duplicate module named "m"'))
    assert (errors[0].line, errors[0].column, errors[0].end_line, errors[0].code) == (None, None, None, None)


def test_categories_follow_the_issue() -> None:
    assert categorize("override", "", []) == "interface"
    assert categorize("abstract", "Cannot instantiate abstract class", []) == "interface"
    assert categorize("misc", 'Cannot instantiate abstract class "A" with abstract attribute "f"', []) == "interface"
    for code in ("arg-type", "return-value", "assignment"):
        assert categorize(code, "Incompatible types", []) == "value"
    assert categorize("attr-defined", "", []) == "attribute"
    assert categorize("union-attr", "", []) == "attribute"
    assert categorize("name-defined", "", []) == "name"
    assert categorize("import-not-found", "", []) == "import"
    assert categorize("import-untyped", "", []) == "import"
    assert categorize("call-arg", "Too many arguments", []) == "other"
    assert categorize(None, "", []) == "other"

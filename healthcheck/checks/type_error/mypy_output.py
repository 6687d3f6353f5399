"""mypy's output -> one :class:`MypyError` per error, its notes attached, and a category.

mypy prints an error followed by ``note:`` lines at the same place (the
"Expected:/Got:" of a protocol mismatch, the hint about Liskov). Those notes
only make sense with their error, so they are folded into it here. mypy 1.11+
can print one JSON object per error (``-O json``) with the notes as its
``hint``; older versions print text lines, which are parsed the same way.

The category is what a person fixing the code needs to know first: did an
implementation stop matching its interface, did a value of the wrong type flow
somewhere, is an attribute or a name missing, or an import. mypy's error code
decides, except that an ``arg-type`` or ``assignment`` error whose notes show a
protocol's conflicting members is an interface problem, not a value one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

CATEGORY_BY_CODE: dict[str, str] = {
    "override": "interface",
    "abstract": "interface",
    "empty-body": "interface",
    "safe-super": "interface",
    "arg-type": "value",
    "return-value": "value",
    "assignment": "value",
    "list-item": "value",
    "dict-item": "value",
    "type-var": "value",
    "attr-defined": "attribute",
    "union-attr": "attribute",
    "name-defined": "name",
    "used-before-def": "name",
    "import-not-found": "import",
    "import-untyped": "import",
    "import": "import",
}

# Notes and messages that show an implementation no longer matches a protocol or ABC.
INTERFACE_SIGNS = (
    re.compile(r"Following member\(s\) of .* have conflicts"),
    re.compile(r"is missing following .* protocol member"),
    re.compile(r"Cannot instantiate abstract class"),
    re.compile(r"incompatible with supertype"),
    re.compile(r"\" is not implemented|protocol member"),
)

TEXT_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>-?\d+):(?:(?P<column>-?\d+):)? (?P<severity>error|note|warning): "
    r"(?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)


@dataclass
class MypyError:
    """One mypy error with the notes that belong to it."""

    path: str
    line: int | None
    column: int | None
    end_line: int | None
    message: str
    code: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def category(self) -> str:
        return categorize(self.code, self.message, self.notes)


def categorize(code: str | None, message: str, notes: Iterable[str]) -> str:
    """``interface``, ``value``, ``attribute``, ``name``, ``import`` or ``other``."""
    category = CATEGORY_BY_CODE.get(code or "", "other")
    if category in ("value", "other"):
        text = "\n".join([message, *notes])
        if any(sign.search(text) for sign in INTERFACE_SIGNS):
            return "interface"
    return category


def _place(value: object) -> int | None:
    """mypy uses -1 (or nothing) for "no particular line"; we use None."""
    return value if isinstance(value, int) and value > 0 else None


def _add(errors: list[MypyError], severity: str, item: MypyError) -> None:
    """Append an error, or fold a note into the error at the same place that precedes it."""
    if severity == "error":
        errors.append(item)
        return
    last = errors[-1] if errors else None
    if last is not None and last.path == item.path and last.line == item.line:
        last.notes.append(item.message)
    # A note with no error of its own (reveal_type, "untyped function bodies are not checked") is not a problem.


def _lines(text: str) -> Iterator[str]:
    """The non-blank lines of mypy's output, trailing white space removed."""
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.strip():
            yield line


def parse_json(text: str) -> tuple[list[MypyError], list[str]]:
    """Errors from ``-O json`` output, and the lines that were not JSON (mypy's own complaints)."""
    errors: list[MypyError] = []
    other: list[str] = []
    for line in _lines(text):
        try:
            obj = json.loads(line)
        except ValueError:
            other.append(line)
            continue
        if not isinstance(obj, dict):
            other.append(line)
            continue
        hint = obj.get("hint") or ""
        item = MypyError(
            path=str(obj.get("file", "")),
            line=_place(obj.get("line")),
            column=_place((obj.get("column") or 0) + 1) if isinstance(obj.get("column"), int) else None,
            end_line=_place(obj.get("end_line")),
            message=str(obj.get("message", "")),
            code=obj.get("code") or None,
            notes=[n.rstrip() for n in str(hint).splitlines() if n.strip()],
        )
        _add(errors, str(obj.get("severity", "error")), item)
    return errors, other


def parse_text(text: str) -> tuple[list[MypyError], list[str]]:
    """Errors from mypy's plain ``file:line:col: error: message  [code]`` lines."""
    errors: list[MypyError] = []
    other: list[str] = []
    for line in _lines(text):
        match = TEXT_LINE.match(line)
        if match is None:
            if not line.startswith(("Found ", "Success:")):
                other.append(line)
            continue
        column = match["column"]
        item = MypyError(
            path=match["path"],
            line=_place(int(match["line"])),
            column=_place(int(column)) if column else None,
            end_line=None,
            message=match["message"],
            code=match["code"],
        )
        _add(errors, match["severity"], item)
    return errors, other

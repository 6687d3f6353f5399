"""What a definition *does*, as a sequence of line hashes that survive consistent renaming and nothing else.

Two bodies are one implementation when they behave alike, so the encoding keeps what changes behaviour and
erases what does not:

- **own names are numbered** in the order they are first seen: parameters, variables, loop, ``with`` and
  ``except`` targets, names a comprehension or lambda binds, nested functions and classes (a local import's
  names stay as written: ``from ._speedups import scanstring`` is not ``... import make_scanner``).
  ``def f(items): for item in items`` and ``def f(rows): for row in rows`` encode alike; a body that swaps
  two names inconsistently does not;
- **state kept on ``self``** (an attribute some method assigns, ``self.table = ...``) is numbered per method
  the same way, so a class copied with ``self.table`` renamed to ``self.networks`` still matches, while a
  method or class attribute reached through ``self`` keeps its name: that is the interface;
- **literals stay as written**: ``"DATE(%s)"`` against ``"TRUNC(%s)"`` is other behaviour;
- **free names stay as written and are listed**: whether ``KeyTransform`` means the same thing in two modules
  is decided later, from each module's own symbols (:mod:`.resolve`);
- the definition's own name reads as ``@`` (a recursive call, ``super(Cache, self)``), so a copy under
  another name still matches; comments and bare strings (docstrings) are dropped.

A line is a *logical* line (brackets joined), so re-wrapping a call changes nothing. The tokens come from one
regular expression over the definition's text (C speed) and a single pass in Python, which keeps this part
of the shared parse small: no expression of the tree is walked.
"""

from __future__ import annotations

import keyword
import re
import zlib
from typing import Iterator, NamedTuple, Sequence

_TOKEN = re.compile(
    r"""(?:[rRbBuUfF]{1,2})?(?:'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\""""
    r"""|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
    r"""|\#[^\n]*|\.[ \t]*[^\W\d]\w*|[^\W\d]\w*|\d[\w.]*|\*\*=?|//=?|>>=?|<<=?|[-+*/%&|^@<>!=:]=|->|\\\n|\n|[^\s\w]""",
    re.S,
)
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")
_AUGMENTED = frozenset({"+=", "-=", "*=", "/=", "//=", "%=", "**=", ">>=", "<<=", "&=", "|=", "^=", "@="})
_HEADS = frozenset({"def", "async", "class"})


class Line(NamedTuple):
    """One logical line: where it starts and its tokens (comments and line breaks inside brackets gone)."""

    line: int
    tokens: list[str]


class Encoded(NamedTuple):
    """A body as it behaves: one hash per logical line, and the names it was encoded with."""

    code: tuple[int, ...]
    shape: int  # the same with every literal blanked: equal shapes, other code = the same code, other data
    free: tuple[str, ...]  # names it takes from its module, sorted
    bound: tuple[str, ...]  # its own names, in the order numbered
    attrs: tuple[str, ...]  # the state it keeps on self, in the order numbered


def logical_lines(text: str, first_line: int) -> list[Line]:
    """``text``'s logical lines, numbered from ``first_line``; lines that are only a string are left out."""
    out: list[Line] = []
    current: list[str] = []
    start = line = first_line
    depth = 0
    for tok in _TOKEN.findall(text):
        head = tok[0]
        if head == "\n" or tok == "\\\n":
            line += 1
            if depth == 0 and head == "\n" and current:
                out.append(Line(start, current))
                current = []
            continue
        if head == "#":
            continue
        if not current:
            start = line
        if head in _OPEN:
            depth += 1
        elif head in _CLOSE:
            depth = max(0, depth - 1)
        current.append(tok)
        if tok[-1] in "'\"":
            line += tok.count("\n")
    if current:
        out.append(Line(start, current))
    return [x for x in out if not all(t[-1] in "'\"" and not t[0] == "." for t in x.tokens)]


def _is_name(tok: str) -> bool:
    return tok.isidentifier() and tok[-1] not in "'\""


def _with_depth(toks: list[str]) -> Iterator[tuple[int, str, int]]:
    """Each token with its index and how deep in brackets it is (an opening bracket counts itself)."""
    depth = 0
    for i, tok in enumerate(toks):
        head = tok[0]
        if head in _OPEN:
            depth += 1
        elif head in _CLOSE:
            depth -= 1
        yield i, tok, depth


def assigned_attrs(lines: Sequence[Line], selves: frozenset[str]) -> frozenset[str]:
    """Attributes assigned on a method's first parameter anywhere in a class: its state."""
    found: set[str] = set()
    for entry in lines:
        toks = entry.tokens
        for i in range(len(toks) - 2):
            after = toks[i + 2]
            annotated = after == ":" and i == 0  # "self.x: int = ..." or "self.x: int"
            if toks[i] in selves and toks[i + 1][0] == "." and (after == "=" or after in _AUGMENTED or annotated):
                found.add(toks[i + 1][1:].strip())
    return frozenset(found)


def bound_names(lines: Sequence[Line], params: Sequence[str]) -> set[str]:
    """The names a function binds for itself (its locals), read from its tokens."""
    bound = set(params)
    declared: set[str] = set()
    for entry in lines:
        toks = entry.tokens
        first = toks[0]
        if first in ("global", "nonlocal"):
            declared.update(t for t in toks[1:] if _is_name(t))
            continue
        if first in ("import", "from"):
            continue  # a local import's names stay as written: importing another name is other behaviour
        last_assign = -1
        for i, tok, depth in _with_depth(toks):
            if tok == "=" and depth == 0:
                last_assign = i
            elif tok in ("as", "def", "class") and i + 1 < len(toks) and _is_name(toks[i + 1]):
                bound.add(toks[i + 1])
            elif tok == ":=" and i and _is_name(toks[i - 1]):
                bound.add(toks[i - 1])
            elif tok == "for":
                _loop_targets(toks, i + 1, bound)
            elif tok == "lambda":
                _lambda_params(toks, i + 1, bound)
        if last_assign > 0:
            _targets(toks[:last_assign], bound)
        elif len(toks) > 2 and _is_name(first) and first not in _KEYWORDS and toks[1] == ":":
            bound.add(first)  # an annotated name: "x: int = 0" or "x: int"
    return bound - declared


def _loop_targets(toks: list[str], start: int, bound: set[str]) -> None:
    for tok in toks[start:]:
        if tok == "in":
            return
        if _is_name(tok) and tok not in _KEYWORDS:
            bound.add(tok)


def _lambda_params(toks: list[str], start: int, bound: set[str]) -> None:
    for tok in toks[start:]:
        if tok == ":":
            return
        if _is_name(tok):
            bound.add(tok)


def _targets(toks: list[str], bound: set[str]) -> None:
    """Names assigned by ``a, (b, c) = ...`` and chains; ``x.y = ``, ``x[i] = `` bind nothing (nor ``i``)."""
    subscripts = 0
    stack: list[bool] = []
    for i, tok in enumerate(toks):
        before = toks[i - 1] if i else ""
        if tok in _OPEN:
            is_subscript = tok == "[" and (_is_name(before) or before in (")", "]"))
            stack.append(is_subscript)
            subscripts += is_subscript
            continue
        if tok in _CLOSE:
            subscripts -= stack.pop() if stack else False
            continue
        if subscripts or not _is_name(tok) or tok in _KEYWORDS:
            continue
        after = toks[i + 1] if i + 1 < len(toks) else ""
        if after[:1] in ("(", "[", ".") or before == ":":
            continue
        bound.add(tok)


def encode(
    lines: Sequence[Line], own: str, bound: set[str], selves: frozenset[str], attrs: frozenset[str],
    scope: frozenset[str] = frozenset(),
) -> Encoded:
    """``lines`` encoded (see the module docstring); ``scope`` are names taken as written without being free
    (a class body's own attributes)."""
    local_ids: dict[str, str] = {}
    attr_ids: dict[str, str] = {}
    free: set[str] = set()
    code: list[int] = []
    shape: list[str] = []
    for entry in lines:
        toks = entry.tokens
        header = toks[0] in _HEADS
        out: list[str] = []
        literals: list[int] = []
        previous = ""
        for i, tok, depth in _with_depth(toks):
            head = tok[0]
            if head == "." and len(tok) > 1:
                name = tok[1:].strip()
                if previous in selves and name in attrs:
                    tok = attr_ids.setdefault(name, f".a{len(attr_ids)}")
                else:
                    tok = "." + name
            elif head.isdigit() or tok[-1] in "'\"":
                literals.append(i)
            elif _is_name(tok):
                if tok == own:
                    tok = "@"
                elif tok in _KEYWORDS:
                    pass
                elif (not header and depth > 0 and previous in ("(", ",") and i + 1 < len(toks)
                      and toks[i + 1] == "="):
                    pass  # a keyword argument's name: part of the call, not a reference
                elif tok in bound:
                    tok = local_ids.setdefault(tok, f"v{len(local_ids)}")
                elif header and previous == "def":
                    pass  # a method's own name: its interface, not a reference
                elif tok not in scope:
                    free.add(tok)
            previous = toks[i]
            out.append(tok)
        text = " ".join(out)
        code.append(zlib.crc32(text.encode("utf-8", "surrogatepass")))
        for i in literals:
            out[i] = "S"
        shape.append(" ".join(out) if literals else text)
    blank = zlib.crc32("\n".join(shape).encode("utf-8", "surrogatepass"))
    return Encoded(tuple(code), blank, tuple(sorted(free)), tuple(local_ids), tuple(attr_ids))

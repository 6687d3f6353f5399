"""What the duplicates check draws from each file during the one shared parse.

The syntax tree is gone by the time the check runs (it is too large to cache or
to send between processes), so the extractor keeps two compact things:

- **clone material**: one *unit* per line of code, the line with every name,
  string and number replaced by a placeholder and its spaces removed, as a
  CRC-32. Two stretches of code with the same unit sequence are the same code
  under other names. Lines that belong to imports, docstrings (any bare string
  statement) and function signatures are not units: they are repeated by
  design and must not make a clone. Units whose text is only brackets or a
  lone keyword (``)``, ``else:``, ``pass``) carry no weight, so they neither
  make a clone long enough nor count as duplicated code.
- **definitions**: top-level classes and functions and the methods of
  top-level classes, with their line range, what makes a repeat legitimate
  (``typing.overload``, ``abstractmethod``, a Protocol or ABC, a definition
  under ``if``/``try`` at module level, a stub body) and a *vocabulary*: the
  names the body uses that are not its own locals, so that two bodies differing
  only in local names compare equal while two different classes that happen to
  share a name and a shape do not.

Normalising happens on the text with a handful of regular-expression passes
over the whole file (C speed); the tree is walked over statements only, never
over every expression node, which keeps the extractor's share of the parse
small.
"""

from __future__ import annotations

import ast
import bisect
import keyword
import operator
from operator import itemgetter
import re
import zlib
from array import array
from itertools import compress, repeat
from typing import NamedTuple, Sequence

from healthcheck.checks.duplicates.identity import Line, assigned_attrs, bound_names, encode, logical_lines
from healthcheck.checks.duplicates.symbols import Symbol, is_dunder_all, module_symbols

OVERLOAD, ABSTRACT, PROTOCOL, CONDITIONAL, STUB, TRIVIAL = 1, 2, 4, 8, 16, 32

# Bytes patterns, unrolled: several times faster than their str and naive forms on a whole file.
_TRIPLE = re.compile(
    rb"""'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''|\"\"\"[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*\"\"\""""
)
_SINGLE = re.compile(rb"""'[^'\\\n]*(?:\\.[^'\\\n]*)*'|"[^"\\\n]*(?:\\.[^"\\\n]*)*\"""")
_COMMENT = re.compile(rb"#[^\n]*")
_DOTTED_STRING = re.compile(rb"""['"]([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_]\w*)?)['"]""")
_KEYWORDS = frozenset(keyword.kwlist)
_STRUCTURE = _KEYWORDS - {"None", "True", "False"}  # those three are literals


def _trie(words: list[str]) -> str:
    """An alternation of ``words`` as a trie (``c(?:lass|ontinue)``): the regex engine tries far fewer branches."""
    heads: dict[str, list[str]] = {}
    for word in words:
        heads.setdefault(word[0], []).append(word[1:])
    parts = []
    for head, tails in sorted(heads.items()):
        rest = [t for t in tails if t]
        if not rest:
            parts.append(re.escape(head))
        else:
            parts.append(f"{re.escape(head)}(?:{_trie(rest)}){'?' if '' in tails else ''}")
    return "|".join(parts)


_WORD = re.compile(rb"\b(?!(?:%s)\b)\w+" % _trie(sorted(_STRUCTURE)).encode())
_SPACES = b" \t\f\r\v"
_DATA_CHARS = b"N()[]{},:.=*|@"
_DECLARATIONS = (b"class", b"import", b"from")

_ABSTRACT_DECORATORS = frozenset({"abstractmethod", "abstractproperty", "abstractclassmethod", "abstractstaticmethod"})
_DECLARATION_BASES = frozenset({"Protocol", "ABC", "ABCMeta"})
_BLOCK_FIELDS: dict[type, tuple[str, ...]] = {
    ast.If: ("body", "orelse"), ast.For: ("body", "orelse"), ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"), ast.With: ("body",), ast.AsyncWith: ("body",),
    ast.Try: ("body", "orelse", "finalbody"), ast.TryStar: ("body", "orelse", "finalbody"),
}


def _trivial_texts() -> frozenset[bytes]:
    """Normalised lines that carry no weight: brackets and separators, lone keywords."""
    marks = b"()[]{},:;"
    found = {bytes([a]) for a in marks}
    found |= {bytes([a, b]) for a in marks for b in marks}
    found |= {bytes([a, b, c]) for a in marks for b in marks for c in marks}
    found |= {b"pass", b"else:", b"try:", b"finally:", b"return", b"break", b"continue", b"..."}
    return frozenset(found)


TRIVIAL_TEXTS = _trivial_texts()


class Definition(NamedTuple):
    """A class, function or method whose name may be defined again elsewhere, and what its body does."""

    name: str  # "Class", "function" or "Class.method"
    kind: str  # "class", "function" or "method"
    line: int
    end_line: int
    flags: int
    code: tuple[int, ...] = ()  # the body as it behaves, one hash per logical line (see .identity)
    shape: int = 0  # the same with literals blanked, as one hash
    free: tuple[str, ...] = ()  # names the body takes from its module
    bound: tuple[str, ...] = ()  # its own names in the order they were numbered
    attrs: tuple[str, ...] = ()  # the state it keeps on self, likewise
    bases: tuple[str, ...] = ()  # a class's bases as written (dotted)


class DupFacts(NamedTuple):
    """The extractor's output for one file."""

    hashes: tuple[int, ...]  # normalised text of each weighted unit, CRC-32: what a clone is compared on
    seeds: tuple[int, ...]  # the same, except data-like lines as written: what may start a clone
    first_line: tuple[int, ...]  # where each weighted unit starts
    last_line: tuple[int, ...]  # where it ends, the brackets and lone keywords after it included
    sizes: tuple[int, ...]  # how many lines of code it stands for
    code_lines: int  # lines of code in the file
    definitions: tuple[Definition, ...]
    symbols: tuple[Symbol, ...] = ()
    dotted: tuple[str, ...] = ()  # strings that read as a dotted path ("pkg.mod.Name", "pkg.mod:func")


def _keep_newlines(match: re.Match[bytes]) -> bytes:
    return b"N" + b"\n" * match.group().count(b"\n")


def without_literals(source: bytes) -> bytes:
    """Strings -> ``N``, comments removed; line numbers preserved (a long string's own lines become blank)."""
    return _COMMENT.sub(b"", _SINGLE.sub(b"N", _TRIPLE.sub(_keep_newlines, source)))


def normalise(source: bytes) -> list[bytes]:
    """Each line with names and literals as ``N``, comments and spaces removed."""
    return _WORD.sub(b"N", without_literals(source)).translate(None, _SPACES).split(b"\n")


def _name_of(node: ast.expr) -> str:
    """The last dotted part of a decorator or base (``typing.overload`` -> ``overload``)."""
    while isinstance(node, (ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_string_statement(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _is_stub(body: Sequence[ast.stmt]) -> bool:
    """A body that only declares: docstring, ``pass``, ``...`` or ``raise NotImplementedError``."""
    for stmt in body:
        if _is_string_statement(stmt) or isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and stmt.value.value is Ellipsis:
            continue
        if isinstance(stmt, ast.Raise) and stmt.exc is not None and _name_of(stmt.exc) == "NotImplementedError":
            continue
        return False
    return True


def _sub_blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    kind = type(stmt)
    fields = _BLOCK_FIELDS.get(kind)
    blocks: list[list[ast.stmt]] = [getattr(stmt, f) for f in fields] if fields else []
    if kind is ast.Try or kind is ast.TryStar:
        blocks.extend(h.body for h in stmt.handlers)  # type: ignore[attr-defined]
    elif kind is ast.Match:
        blocks.extend(c.body for c in stmt.cases)  # type: ignore[attr-defined]
    return blocks


class _Walker:
    """One pass over the statements of a module (never its expressions)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self.excluded: list[tuple[int, int]] = []
        self.definitions: list[Definition] = []
        self.symbols: list[Symbol] = []
        self._class_lines: list[Line] = []
        self._class_attrs: frozenset[str] = frozenset()

    def block(self, body: Sequence[ast.stmt], top: bool, conditional: bool, cls: ast.ClassDef | None,
              cls_flags: int) -> None:
        module_level = top and cls is None
        for stmt in body:
            kind = type(stmt)
            if kind is ast.Import or kind is ast.ImportFrom or (kind is ast.Expr and _is_string_statement(stmt)):
                self.excluded.append((stmt.lineno, stmt.end_lineno or stmt.lineno))
                if module_level and kind is not ast.Expr:
                    self.symbols.extend(module_symbols(stmt))
            elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                self.function(stmt, top, conditional, cls, cls_flags)  # type: ignore[arg-type]
            elif kind is ast.ClassDef:
                self.klass(stmt, top, conditional)  # type: ignore[arg-type]
            elif kind in _BLOCK_FIELDS or kind is ast.Match:
                nested = conditional or (top and (kind is ast.If or kind is ast.Try or kind is ast.TryStar))
                for child in _sub_blocks(stmt):
                    self.block(child, top, nested, cls, cls_flags)
            elif module_level:
                if is_dunder_all(stmt):
                    self.excluded.append((stmt.lineno, stmt.end_lineno or stmt.lineno))
                self.symbols.extend(module_symbols(stmt))

    def function(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, top: bool, conditional: bool,
                 cls: ast.ClassDef | None, cls_flags: int) -> None:
        first_body = fn.body[0].lineno
        if first_body > fn.lineno:
            self.excluded.append((fn.lineno, first_body - 1))
        start = fn.decorator_list[0].lineno if fn.decorator_list else fn.lineno
        end = fn.end_lineno or fn.lineno
        decorators = {_name_of(d) for d in fn.decorator_list}
        if "overload" in decorators:
            self.excluded.append((start, end))  # an overload stack repeats a signature by design
        if top or cls is not None:
            flags = cls_flags | (CONDITIONAL if conditional else 0)
            if "overload" in decorators:
                flags |= OVERLOAD
            if decorators & _ABSTRACT_DECORATORS:
                flags |= ABSTRACT
            if _is_stub(fn.body):
                flags |= STUB
            if cls is not None:
                name, kind, own = f"{cls.name}.{fn.name}", "method", cls.name
                lines = _within(self._class_lines, start, end)
                selves = frozenset(_params(fn)[:1]) if "staticmethod" not in decorators else frozenset()
                attrs = self._class_attrs
            else:
                name, kind, own = fn.name, "function", fn.name
                lines = logical_lines("\n".join(self.lines[start - 1 : end]), start)
                selves, attrs = frozenset(), frozenset()
                self.symbols.append(Symbol(fn.name, "def", ""))
            encoded = encode(lines, own, bound_names(lines, _params(fn)) - {fn.name}, selves, attrs)
            if _is_trivial(lines, fn.body):
                flags |= TRIVIAL
            self.definitions.append(Definition(name, kind, start, end, flags, *encoded))
        # A function's own statements are not walked (most of a file's statements live there and the
        # walk is the extractor's main cost): a nested function's signature or an import inside a
        # function stays a line of code, an import compared as written.
        if _is_string_statement(fn.body[0]):
            self.excluded.append((fn.body[0].lineno, fn.body[0].end_lineno or fn.body[0].lineno))

    def klass(self, node: ast.ClassDef, top: bool, conditional: bool) -> None:
        if not top:
            self.block(node.body, False, False, None, 0)
            return
        flags = CONDITIONAL if conditional else 0
        bases = {_name_of(b) for b in node.bases} | {_name_of(k.value) for k in node.keywords}
        if bases & _DECLARATION_BASES:
            flags |= PROTOCOL
        start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        end = node.end_lineno or node.lineno
        lines = logical_lines("\n".join(self.lines[start - 1 : end]), start)
        selves = frozenset(
            p[0] for stmt in node.body
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and (p := _params(stmt))
        )
        self._class_lines, self._class_attrs = lines, assigned_attrs(lines, selves)
        self.symbols.append(Symbol(node.name, "class", ""))
        first_method = len(self.definitions)
        self.block(node.body, False, False, node, flags & (PROTOCOL | CONDITIONAL))
        methods = self.definitions[first_method:]
        inside = [(m.line, m.end_line) for m in methods]
        own = [x for x in lines if not any(a <= x.line <= b for a, b in inside)]
        header = encode(own, node.name, set(), frozenset(), frozenset(), frozenset(bound_names(own, ())))
        code = header.code + tuple(c for m in methods for c in m.code)
        shape = zlib.crc32(array("I", [header.shape, *(m.shape for m in methods)]).tobytes())
        free = tuple(sorted(set(header.free).union(*(m.free for m in methods))))
        statements = [s for s in node.body if not _is_string_statement(s)]
        one_trivial_method = len(methods) == 1 and methods[0].flags & TRIVIAL
        if _is_trivial(lines, node.body) or (len(statements) == 1 and one_trivial_method):
            flags |= TRIVIAL  # nothing but one short statement, or one method of one
        written = tuple(filter(None, (_dotted(b) for b in node.bases)))
        self.definitions.insert(
            first_method, Definition(node.name, "class", start, end, flags, code, shape, free, (), (), written)
        )
        self._class_lines, self._class_attrs = [], frozenset()


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = fn.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return names


def _within(lines: list[Line], first: int, last: int) -> list[Line]:
    starts = [x.line for x in lines]
    return lines[bisect.bisect_left(starts, first) : bisect.bisect_right(starts, last)]


def _is_trivial(lines: Sequence[Line], body: Sequence[ast.stmt]) -> bool:
    """A body of one logical line at most, its docstring and imports aside (``pass``, ``return True``, one
    call, a lazy import and a call)."""
    statements = [s for s in body if not _is_string_statement(s)]
    if not statements:
        return True
    first = statements[0].lineno
    return sum(1 for x in lines if x.line >= first and x.tokens[0] not in ("import", "from")) <= 1


def _dotted(node: ast.expr) -> str:
    """``a.b.C`` of a base written as a dotted name (``Generic[T]`` -> ``Generic``); "" for anything else."""
    if isinstance(node, ast.Subscript):
        node = node.value
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def _spans(kept: list[int], weighted: list[bool]) -> tuple[list[int], list[int], list[int]]:
    """Lines each weighted unit stands for: a bracket or lone keyword right below a unit is its
    tail; one after a gap (``try:`` after a signature) is the head of the next unit."""
    first_line: list[int] = []
    last_line: list[int] = []
    sizes: list[int] = []
    pending_first = 0
    pending = 0
    for line, heavy in zip(kept, weighted):
        if heavy:
            first_line.append(pending_first or line)
            last_line.append(line)
            sizes.append(1 + pending)
            pending_first = pending = 0
        elif last_line and not pending and line == last_line[-1] + 1:
            last_line[-1] = line
            sizes[-1] += 1
        else:
            pending_first = pending_first or line
            pending += 1
    if pending and sizes:
        sizes[-1] += pending
    return first_line, last_line, sizes


def extract(tree: ast.Module, lines: Sequence[str], module: str) -> DupFacts | None:
    """The extractor function: clone units and definitions of one file.

    ``None`` for a tree it cannot read (none that Python's parser makes): one
    odd file must cost its own duplicates, not the whole parse.
    """
    try:
        return _extract(tree, lines)
    except RecursionError:
        raise  # the parse reports the file as too deeply nested
    except Exception:
        return None


def _extract(tree: ast.Module, lines: Sequence[str]) -> DupFacts:
    walker = _Walker(lines)
    walker.block(tree.body, True, False, None, 0)
    source = "\n".join(lines).encode("utf-8", "surrogatepass")
    normal = normalise(source)
    keep = list(map(bool, normal))
    for first, last in walker.excluded:
        keep[first - 1 : last] = [False] * (last - first + 1)
    # A line that holds nothing but names, literals, calls and assignments is data or declaration
    # (a table row, a setting, a field, a decorator, a class header): a clone may span it, but only
    # its text as written can start one or count towards its size, or every table, settings module
    # and dataclass would be a copy of every other.
    kept = list(compress(range(1, len(normal) + 1), keep))
    kept_normal = list(compress(normal, keep))
    # As written = without spaces and without what follows a "#" (a comment, or rarely part of a string).
    written = compress(source.translate(None, _SPACES).split(b"\n"), keep)
    kept_raw = map(itemgetter(0), map(bytes.partition, written, repeat(b"#")))
    data = map(operator.not_, map(bytes.strip, kept_normal, repeat(_DATA_CHARS)))
    exact = [r if d or n.startswith(_DECLARATIONS) else n for n, r, d in zip(kept_normal, kept_raw, data)]
    weighted = list(map(operator.not_, map(TRIVIAL_TEXTS.__contains__, kept_normal)))
    first_line, last_line, sizes = _spans(kept, weighted)
    return DupFacts(
        tuple(map(zlib.crc32, compress(kept_normal, weighted))),
        tuple(map(zlib.crc32, compress(exact, weighted))),
        tuple(first_line),
        tuple(last_line),
        tuple(sizes),
        len(kept),
        tuple(walker.definitions),
        tuple(walker.symbols),
        tuple(sorted({m.decode("utf-8", "replace") for m in _DOTTED_STRING.findall(source)})),
    )

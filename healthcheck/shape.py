"""Does a value have the shape its type hints promise? The check a cache entry passes before it is used.

A cache file is written by healthcheck, but it sits on disk where anyone who
can write the folder can change it, so what is read back is checked against
the type hints of the classes it claims to be: every field of a dataclass or
NamedTuple present and of its declared type, down to the elements of every
tuple, list and mapping. ``Any`` admits plain data only (numbers, strings,
bytes, ``None``, containers of them, and instances of the allowed classes,
checked in turn). The walk has a budget, so a file whose objects share
structure (a list holding the same list a million times) cannot make it run
forever, and anything it does not understand is a mismatch, never a pass.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping as AbcMapping
from collections.abc import Sequence as AbcSequence
from typing import Any, Callable, Iterable, Literal, Union

PLAIN = (str, int, float, bool, bytes, type(None))
_CONTAINERS = (tuple, list, dict, set, frozenset)


class Mismatch(Exception):
    """The value is not of the shape its hints promise."""


def is_record(cls: type) -> bool:
    """A dataclass or a NamedTuple: a class whose fields and their types are declared."""
    return dataclasses.is_dataclass(cls) or (issubclass(cls, tuple) and hasattr(cls, "_fields"))


_FIELD_HINTS: dict[type, tuple[tuple[str, Any], ...]] = {}


def field_hints(cls: type) -> tuple[tuple[str, Any], ...]:
    """The declared fields of a record class with their resolved hints, in declaration order."""
    found = _FIELD_HINTS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        if dataclasses.is_dataclass(cls):
            names = [f.name for f in dataclasses.fields(cls)]
        else:
            names = list(getattr(cls, "_fields"))
        found = _FIELD_HINTS[cls] = tuple((name, hints.get(name, Any)) for name in names)
    return found


def record_classes(hints: Iterable[Any]) -> frozenset[type]:
    """Every record class named by ``hints``, and by their fields, transitively: what a cache may hold."""
    found: set[type] = set()
    todo = list(hints)
    while todo:
        hint = todo.pop()
        if isinstance(hint, type) and typing.get_origin(hint) is None:
            if hint not in found and not issubclass(hint, PLAIN) and is_record(hint):
                found.add(hint)
                todo.extend(h for _, h in field_hints(hint))
            continue
        todo.extend(a for a in typing.get_args(hint) if a is not Ellipsis)
    return frozenset(found)


Validate = Callable[[Any], None]


def _exact(hint: Any) -> tuple[type, ...] | None:
    """The types a value of a plain ``hint`` may have exactly (an int is a float too); None for other hints."""
    if hint is None or hint is type(None):
        return (type(None),)
    if hint is float:
        return (int, float)
    if isinstance(hint, type) and hint in PLAIN:
        return (hint,)
    return None


def _homogeneous(hint: Any) -> frozenset[type] | None:
    """``{int}`` for ``tuple[int, ...]`` (and so for str and bytes); None for other hints."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis and args[0] in (int, str, bytes):
        return frozenset({args[0]})
    return None


class Checker:
    """Checks values against hints; ``allowed`` are the record classes a value may hold.

    Each hint is compiled once into a function (a warm scan checks some
    hundred thousand objects), and every object checked spends one unit of a
    budget that ends the walk when exhausted.
    """

    def __init__(self, allowed: frozenset[type], budget: int = 20_000_000) -> None:
        self.allowed = allowed
        self.budget = budget
        self.seen: set[int] = set()
        self._compiled: dict[Any, Validate] = {}

    def check(self, value: Any, hint: Any) -> None:
        """Raise :class:`Mismatch` unless ``value`` conforms to ``hint``."""
        self._for(hint)(value)

    def _spend(self, n: int) -> None:
        self.budget -= n
        if self.budget < 0:
            raise Mismatch("too large to check")

    def _for(self, hint: Any) -> Validate:
        found = self._compiled.get(hint)
        if found is None:
            self._compiled[hint] = lambda value: self._compiled[hint](value)  # while compiling: a self-reference
            found = self._compiled[hint] = self._compile(hint)
        return found

    def _compile(self, hint: Any) -> Validate:
        if hint is Any or hint is object:
            return self._plain
        origin = typing.get_origin(hint)
        if origin is None:
            return self._class(hint)
        args = typing.get_args(hint)
        if origin is Union or origin is types.UnionType:
            return self._union([self._for(a) for a in args], args)
        if origin is Literal:
            return self._literal(args)
        if origin in (dict, AbcMapping):
            return self._mapping(*(args or (Any, Any)))
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return self._items((tuple,), args[0])
            return self._fixed_tuple(args)
        wanted = {list: (list,), AbcSequence: (list, tuple), set: (set,), frozenset: (frozenset,)}.get(origin)
        if wanted is None:
            raise Mismatch(f"cannot check against {hint!r}")
        return self._items(wanted, args[0] if args else Any)

    def _class(self, cls: Any) -> Validate:
        exact = _exact(cls)
        if exact is None:
            if isinstance(cls, type) and is_record(cls):
                return self._record(cls)
            raise Mismatch(f"cannot check against {cls!r}")
        kinds = exact

        def check(value: Any) -> None:
            if type(value) not in kinds:
                raise Mismatch(f"expected {kinds[-1].__name__}, got {type(value).__name__}")

        return check

    def _record(self, cls: type) -> Validate:
        if cls not in self.allowed:
            raise Mismatch(f"{cls.__name__} is not a class a cache may hold")
        hints = field_hints(cls)
        names = frozenset(name for name, _ in hints)
        # Fields of a plain type, and tuples of ints or strings, are checked in line: most fields are
        # one of these, and a call per field would double the cost of a warm scan's check.
        checks = [(name, _exact(hint), _homogeneous(hint), self._for(hint)) for name, hint in hints]
        is_dataclass = dataclasses.is_dataclass(cls)

        def check(value: Any) -> None:
            if type(value) is not cls:
                raise Mismatch(f"expected {cls.__name__}, got {type(value).__name__}")
            if is_dataclass:
                fields = vars(value)
                if fields.keys() != names:
                    raise Mismatch(f"{cls.__name__} has other fields than it declares")
                items: Iterable[Any] = (fields[name] for name, _, _, _ in checks)
            else:
                items = typing.cast(tuple[Any, ...], value)
                if len(items) != len(checks):
                    raise Mismatch(f"{cls.__name__} has other fields than it declares")
            cost = 1
            for item, (name, exact, only, validate) in zip(items, checks):
                if exact is not None:
                    if type(item) not in exact:
                        raise Mismatch(f"{cls.__name__}.{name}: {type(item).__name__} is not {exact[-1].__name__}")
                elif only is not None:
                    if type(item) is not tuple or not set(map(type, item)) <= only:
                        raise Mismatch(f"{cls.__name__}.{name}: not a tuple of {next(iter(only)).__name__}")
                    cost += len(item)
                else:
                    validate(item)
            self._spend(cost)

        return check

    def _union(self, options: list[Validate], hints: tuple[Any, ...]) -> Validate:
        def check(value: Any) -> None:
            for validate in options:
                try:
                    validate(value)
                    return
                except Mismatch:
                    continue
            raise Mismatch(f"{type(value).__name__} is none of {hints}")

        return check

    def _literal(self, choices: tuple[Any, ...]) -> Validate:
        allowed = {(type(c), c) for c in choices}

        def check(value: Any) -> None:
            try:
                ok = (type(value), value) in allowed
            except TypeError:  # unhashable
                ok = False
            if not ok:
                raise Mismatch(f"{value!r} is not one of {choices}")

        return check

    def _mapping(self, key_hint: Any, value_hint: Any) -> Validate:
        keys = self._items((), key_hint)
        values = self._items((), value_hint)

        def check(value: Any) -> None:
            if type(value) is not dict:
                raise Mismatch(f"expected a dict, got {type(value).__name__}")
            keys(value.keys())
            values(value.values())

        return check

    def _fixed_tuple(self, hints: tuple[Any, ...]) -> Validate:
        checks = [self._for(h) for h in hints]

        def check(value: Any) -> None:
            if type(value) is not tuple or len(value) != len(checks):
                raise Mismatch(f"expected a tuple of {len(checks)}")
            for item, validate in zip(value, checks):
                validate(item)

        return check

    def _items(self, kinds: tuple[type, ...], hint: Any) -> Validate:
        """Elements of a container of one of ``kinds`` (any iterable when empty), each of ``hint``."""
        if hint in (int, str, bytes):
            only = {hint}

            def same(value: Any) -> None:
                if kinds and type(value) not in kinds:
                    raise Mismatch(f"expected {kinds[0].__name__}, got {type(value).__name__}")
                self._spend(len(value))
                if not set(map(type, value)) <= only:  # a thousand hashes at C speed
                    raise Mismatch(f"expected only {hint.__name__} items")

            return same
        validate = self._for(hint)

        def each(value: Any) -> None:
            if kinds and type(value) not in kinds:
                raise Mismatch(f"expected {kinds[0].__name__}, got {type(value).__name__}")
            self._spend(len(value))
            for item in value:
                validate(item)

        return each

    def _plain(self, value: Any) -> None:
        kind = type(value)
        if kind in PLAIN:
            return
        if kind in self.allowed:
            self._for(kind)(value)
            return
        if kind not in _CONTAINERS:
            raise Mismatch(f"{kind.__name__} is not plain data")
        if id(value) in self.seen:  # shared structure is walked once
            return
        self.seen.add(id(value))
        self._spend(len(value))
        for item in value.items() if kind is dict else value:
            if kind is dict:
                self._plain(item[0])
                self._plain(item[1])
            else:
                self._plain(item)


def conforms(value: Any, hint: Any, allowed: frozenset[type]) -> bool:
    """Whether ``value`` has the shape ``hint`` promises (see the module docstring)."""
    try:
        Checker(allowed).check(value, hint)
    except (Mismatch, RecursionError):
        return False
    return True

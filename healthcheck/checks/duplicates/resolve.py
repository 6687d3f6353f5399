"""What a free name of a body means in its module, and which project classes a class inherits from.

:class:`Resolver` reads the :class:`~.symbols.Symbol` tables of every compared file. A name's *meaning* is a
string equal for two modules exactly when the name stands for the same thing in both:

- ``m:<module>`` for a module, ``n:<module>.<name>`` for an object of a module outside the project;
- an import of a project name is followed to where it is defined (re-exports included), so
  ``from .models import Q`` and ``from pkg.models.query import Q`` mean the same ``Q``;
- a class or function defined in the project means ``d:<hash of its code>``: a copied helper next to a
  copied caller is the same helper, while each module's own, different ``KeyTransform`` is not;
- a constant means its value; any other module-level value is that module's own *state* (``s:<module>.<name>``);
- a name bound nowhere in the module (a builtin) means itself.

The same tables give a class's project ancestors, so that an override is never taken for a copy of the
method it overrides, and identical methods of sibling classes can be pointed at their common base.
"""

from __future__ import annotations

import zlib
from array import array
from typing import Iterable, Sequence

from healthcheck.checks.duplicates.extract import Definition, DupFacts
from healthcheck.checks.duplicates.symbols import Symbol

_DEPTH = 8


def code_hash(code: Sequence[int]) -> int:
    return zlib.crc32(array("I", code).tobytes())


class Resolver:
    """Meanings of names and ancestors of classes over one set of compared files."""

    def __init__(self, files: Sequence[tuple[str, str, DupFacts]], packages: Iterable[str]) -> None:
        self.symbols: dict[str, dict[str, Symbol]] = {}
        self.defs: dict[str, dict[str, Definition]] = {}
        for _, module, facts in files:
            self.symbols[module] = {s.name: s for s in facts.symbols}
            self.defs[module] = {d.name: d for d in facts.definitions if d.kind != "method"}
        self.packages = frozenset(packages)
        self._meanings: dict[tuple[str, str], str] = {}
        self._ancestors: dict[str, tuple[str, ...]] = {}

    def absolute(self, module: str, target: str) -> tuple[str, str]:
        """(absolute module, name) of a symbol target ``<level>:<module>[:<name>]`` written in ``module``."""
        level_text, _, rest = target.partition(":")
        written, _, name = rest.partition(":")
        level = int(level_text)
        if level == 0:
            return written, name
        base = module if module in self.packages else module.rpartition(".")[0]
        for _ in range(level - 1):
            base = base.rpartition(".")[0]
        return (f"{base}.{written}" if written else base).strip("."), name

    def meaning(self, module: str, name: str) -> str:
        key = (module, name)
        found = self._meanings.get(key)
        if found is None:
            found = self._meanings[key] = self._meaning(module, name, 0)
        return found

    def _symbol(self, module: str, name: str, depth: int) -> tuple[str, Symbol | None]:
        """Where ``name`` of ``module`` is bound (the module itself, or one it star-imports) and how."""
        table = self.symbols.get(module, {})
        symbol = table.get(name)
        if symbol is not None or depth >= _DEPTH:
            return module, symbol
        for star in (s for s in table.values() if s.kind == "star"):
            source = self.absolute(module, star.target)[0]
            found = self._symbol(source, name, depth + 1) if source in self.symbols else (source, None)
            if found[1] is not None:
                return found
        return module, None

    def _meaning(self, module: str, name: str, depth: int) -> str:
        module, symbol = self._symbol(module, name, depth)
        if symbol is None:
            return f"b:{name}"
        if symbol.kind == "module":
            return f"m:{self.absolute(module, symbol.target)[0]}"
        if symbol.kind == "from":
            source, imported = self.absolute(module, symbol.target)
            if source in self.symbols and imported in self.symbols[source] and depth < _DEPTH:
                return self._meaning(source, imported, depth + 1)
            dotted = f"{source}.{imported}"
            return f"m:{dotted}" if dotted in self.symbols else f"n:{dotted}"
        if symbol.kind in ("def", "class"):
            definition = self.defs.get(module, {}).get(name)
            return f"d:{code_hash(definition.code):08x}" if definition else f"s:{module}.{name}"
        if symbol.kind == "const":
            return f"c:{symbol.target}"
        return f"s:{module}.{name}"

    def same_meaning(self, a: tuple[str, Sequence[str]], b: tuple[str, Sequence[str]]) -> bool:
        """Whether every free name two bodies (module, free names) share means the same in both modules."""
        (module_a, free_a), (module_b, free_b) = a, b
        return all(self.meaning(module_a, n) == self.meaning(module_b, n) for n in set(free_a) & set(free_b))

    def qualify(self, module: str, dotted: str, depth: int = 0) -> str | None:
        """``module.Class`` of the project class ``dotted`` (as written in ``module``) names, else None."""
        head, _, rest = dotted.partition(".")
        module, symbol = self._symbol(module, head, depth)
        if symbol is None or depth > _DEPTH:
            return None
        if symbol.kind == "class":
            return f"{module}.{head}" if not rest else None
        if symbol.kind == "from":
            source, imported = self.absolute(module, symbol.target)
            if source in self.symbols and not rest:
                return self.qualify(source, imported, depth + 1)
            return self._in_module(f"{source}.{imported}", rest, depth)
        if symbol.kind == "module":
            return self._in_module(self.absolute(module, symbol.target)[0], rest, depth)
        return None

    def _in_module(self, prefix: str, rest: str, depth: int) -> str | None:
        """The class ``rest`` names below module ``prefix`` (``db.models`` + ``Model``)."""
        parts = rest.split(".") if rest else []
        for cut in range(len(parts) - 1, -1, -1):
            module = ".".join([prefix, *parts[:cut]])
            if module in self.symbols:
                return self.qualify(module, ".".join(parts[cut:]), depth + 1) if parts[cut:] else None
        return None

    def ancestors(self, qualified: str) -> tuple[str, ...]:
        """Project classes ``qualified`` inherits from, nearest first."""
        found = self._ancestors.get(qualified)
        if found is not None:
            return found
        self._ancestors[qualified] = ()  # a cycle of bases ends here
        module, _, name = qualified.rpartition(".")
        definition = self.defs.get(module, {}).get(name)
        out: list[str] = []
        for written in definition.bases if definition else ():
            base = self.qualify(module, written)
            if base and base != qualified:
                out.append(base)
        for base in list(out):
            out.extend(a for a in self.ancestors(base) if a not in out)
        self._ancestors[qualified] = tuple(out)
        return self._ancestors[qualified]

    def related(self, a: str, b: str) -> bool:
        """One class inherits from the other: an override, never a copy."""
        return a in self.ancestors(b) or b in self.ancestors(a)

    def common_base(self, classes: Sequence[str]) -> str | None:
        """The nearest project class every one of ``classes`` inherits from."""
        shared = set(self.ancestors(classes[0]))
        for other in classes[1:]:
            shared &= set(self.ancestors(other))
        return next((a for a in self.ancestors(classes[0]) if a in shared), None)

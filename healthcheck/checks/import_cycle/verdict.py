"""The static verdict on a runtime import cycle: does entering it somewhere ask a half-initialised module for a
name it has not bound yet?

Python runs a module's statements in order; an import of a module that is not
loaded yet runs that module to its end, there and then, after its parent
packages. A module that is still running (its import statement is on the
stack) is *partial*: asking it for a name (``from pkg import Error``) works
only if ``pkg`` bound ``Error`` before the line where it started the import
that led back, and reading ``pkg.ops.X`` at import time works only if
``pkg.ops`` finished. That is all "partially initialized module" errors are.

So each runtime component is executed in the abstract, once from each member
imported first (after its parents, as Python does), over the component's own
modules: a module outside the component cannot lead back into it, so it is
taken as loaded whole. Every request made of a partial module is an
:class:`Access`; one that fails ends that entry (unless the import sits in a
``try`` that catches ``ImportError``, which Python would survive too). A
component is ``unsafe`` when some entry fails, ``ordered`` when every entry
works but some request is met only because the name happens to be bound
above the import that closes the cycle (move a line and it breaks) or fails
into an ``except ImportError`` fallback, ``safe``
when no entry asks a partial module for anything (``import pkg`` used only
inside functions).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Literal, Mapping, Sequence

from healthcheck.parse import FileFacts, ImportFact

Verdict = Literal["unsafe", "ordered", "safe"]
BINDINGS = "import-cycle"  # the extractor's name, under which the parse keeps the binding facts


@dataclass(frozen=True)
class Access:
    """One request a module made of a partial module while some entry was being imported."""

    entry: str
    importer: str
    imported: str
    name: str
    path: str
    line: int  # in the importer
    paused: int  # the line of the imported module that started the import leading back
    ok: bool
    fatal: bool = False  # the failure went all the way up: importing the entry raises


class _Crash(Exception):
    def __init__(self, access: Access) -> None:
        super().__init__(access.name)
        self.access = access


@dataclass
class ModuleFacts:
    """What the abstract execution needs of one module."""

    rel: str
    imports: list[ImportFact]
    bound: Mapping[str, int]
    any_name_from: int
    uses: Mapping[str, Sequence[Sequence[Any]]]
    guarded: frozenset[int]

    aliases: Sequence[Sequence[Any]] = ()
    events: list[tuple[int, int, Any]] = field(default_factory=list)
    targets: dict[tuple[str, int], str | None] = field(default_factory=dict)  # bound_module's answers, kept

    @classmethod
    def of(cls, facts: FileFacts) -> ModuleFacts:
        extra = facts.extra.get(BINDINGS) or {}
        elsewhere = frozenset(extra.get("off_platform", ()))  # branches this platform never takes
        made = cls(
            rel=facts.rel,
            imports=sorted(
                (i for i in facts.imports if i.kind == "runtime" and i.line not in elsewhere), key=lambda i: i.line
            ),
            bound=extra.get("bound", {}),
            any_name_from=int(extra.get("any_name_from", 0)),
            uses=extra.get("uses", {}),
            guarded=frozenset(extra.get("guarded", ())),
            aliases=extra.get("aliases", ()),
        )
        # Imports and attribute reads in the order they run (an import before a read on its own line).
        made.events = sorted(
            [(fact.line, 0, fact) for fact in made.imports]
            + [(int(line), 1, (name, str(chain))) for name, entries in made.uses.items() for line, chain in entries],
            key=lambda e: (e[0], e[1]),
        )
        return made

    def binding(self, name: str, before: int) -> int | None:
        """The line that binds ``name`` if it comes before line ``before``; else None."""
        line = self.bound.get(name)
        if line is not None and line < before:
            return line
        if self.any_name_from and self.any_name_from < before:
            return self.any_name_from
        return None


@dataclass
class _Run:
    """One abstract import of ``entry`` first, over the modules of one component."""

    entry: str
    members: frozenset[str]
    facts: Mapping[str, ModuleFacts]
    modules: frozenset[str]
    started: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)
    paused: dict[str, int] = field(default_factory=dict)
    accesses: list[Access] = field(default_factory=list)

    def load(self, module: str) -> None:
        if module in self.started or module in self.done:
            return
        if module not in self.members or module not in self.facts:
            self.done.add(module)  # outside the component it cannot lead back; it runs whole
            return
        self.started.add(module)
        facts = self.facts[module]
        try:
            for line, _order, event in facts.events:
                self.paused[module] = line
                try:
                    if isinstance(event, ImportFact):
                        self.run_import(module, event)
                    else:
                        self.read(module, line, event[0], event[1])
                except _Crash:
                    if line not in facts.guarded:  # ``try: ... except ImportError:`` survives it, as Python does
                        raise
        except _Crash:
            self.started.discard(module)  # Python drops a module whose import failed from sys.modules
            raise
        self.done.add(module)

    def chain(self, module: str) -> list[str]:
        parts = module.split(".")
        return [".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in self.modules]

    def partial(self, module: str) -> bool:
        return module in self.started and module not in self.done

    def ask(self, importer: str, imported: str, name: str, line: int) -> None:
        paused = self.paused.get(imported, 0)
        ok = self.facts[imported].binding(name, paused) is not None if imported in self.facts else True
        access = Access(self.entry, importer, imported, name, self.facts[importer].rel, line, paused, ok)
        self.accesses.append(access)
        if not ok:
            raise _Crash(access)

    def run_import(self, module: str, fact: ImportFact) -> None:
        if fact.module.partition(".")[0] not in self.modules:
            return  # not the project's
        for step in self.chain(fact.module):
            self.load(step)
        for name in fact.names:
            sub = f"{fact.module}.{name}"
            if name == "*":
                continue
            if sub in self.modules:
                self.load(sub)  # ``from pkg import sub`` finds a partial submodule in sys.modules
            elif fact.module in self.modules and self.partial(fact.module):
                self.ask(module, fact.module, name, fact.line)

    def read(self, module: str, line: int, name: str, dotted: str) -> None:
        """An import-time read of ``name.attr...``, bound by the latest import of ``name`` above it."""
        target = self.bound_module(module, name, line)
        if target is None:
            return
        current = target
        for part in dotted.split(".")[1:]:
            child = f"{current}.{part}"
            if child in self.modules:
                if self.partial(child):
                    # the package gets its submodule as an attribute only once the submodule has finished
                    access = Access(self.entry, module, child, part, self.facts[module].rel, line,
                                    self.paused.get(child, 0), False)
                    self.accesses.append(access)
                    raise _Crash(access)
                if child not in self.done:
                    return
                current = child
                continue
            if self.partial(current):
                self.ask(module, current, part, line)
            return

    def bound_module(self, module: str, name: str, line: int) -> str | None:
        """The project module ``name`` refers to at ``line``, if an import statement bound it to one."""
        facts = self.facts[module]
        if (name, line) not in facts.targets:
            facts.targets[(name, line)] = self.resolve_name(facts, name, line)
        return facts.targets[(name, line)]

    def resolve_name(self, facts: ModuleFacts, name: str, line: int) -> str | None:
        found: tuple[int, str | None] = (0, None)
        for fact in facts.imports:
            if fact.line > line:
                break
            if not fact.names and (fact.module == name or fact.module.startswith(name + ".")):
                found = (fact.line, name if name in self.modules else None)  # ``import a.b`` binds ``a``
            elif name in fact.names:
                sub = f"{fact.module}.{name}"
                found = (fact.line, sub if sub in self.modules else None)
        for alias_line, alias, dotted in facts.aliases:  # ``import a.b as c`` binds ``c`` to ``a.b``
            if alias == name and found[0] <= int(alias_line) <= line:
                found = (int(alias_line), str(dotted) if dotted in self.modules else None)
        return found[1]


@dataclass(frozen=True)
class ComponentVerdict:
    """The static verdict on one runtime component, with the accesses behind it."""

    verdict: Verdict
    accesses: tuple[Access, ...]

    def on_edge(self, importer: str, imported: str) -> list[Access]:
        return [a for a in self.accesses if (a.importer, a.imported) == (importer, imported)]


def judge(component: Iterable[str], facts: Mapping[str, ModuleFacts], modules: Iterable[str]) -> ComponentVerdict:
    """Execute the component from each member first and say how it went."""
    members = frozenset(component)
    known = frozenset(modules)
    accesses: list[Access] = []
    for entry in sorted(members):
        run = _Run(entry, members, facts, known)
        try:
            for step in run.chain(entry):
                run.load(step)
        except _Crash as crash:
            run.accesses[run.accesses.index(crash.access)] = replace(crash.access, fatal=True)
        except RecursionError:  # a chain too deep to follow says nothing either way
            continue
        accesses.extend(a for a in run.accesses if a.importer in members and a.imported in members)
    verdict: Verdict = "safe"
    if any(a.fatal for a in accesses):
        verdict = "unsafe"
    elif accesses:
        verdict = "ordered"
    return ComponentVerdict(verdict, tuple(accesses))


def module_facts(facts: Iterable[FileFacts], wanted: Iterable[str]) -> dict[str, ModuleFacts]:
    """The abstract-execution facts of the ``wanted`` modules (the members of runtime components) that parsed."""
    keep = frozenset(wanted)
    return {f.module: ModuleFacts.of(f) for f in facts if f.parsed and f.module in keep}

"""The findings of the duplicates check: what each group says, and which copy the project uses.

Which copy to keep is decided by uses: the copy whose name other modules import (``from m import Name``), or
whose dotted path a string names (a settings value, ``"pkg.mod.Name"``, an entry point ``pkg.mod:func``), is
the one the project uses. A copy with neither has *no static import*: it may still be loaded some way no
static reading sees (``importlib`` with a computed name), so the advice never says "nothing imports it".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from healthcheck.checks.duplicates.clones import CloneGroup
from healthcheck.checks.duplicates.implementations import ImplementationGroup, Located
from healthcheck.model import Finding, Related

_LISTED = 3


@dataclass
class Uses:
    """How the project reaches each module and name: imports by name, imports of the module, strings."""

    by_name: dict[tuple[str, str], set[str]]  # (module, name) -> importing modules
    as_module: dict[str, set[str]]  # module -> importing modules
    strings: frozenset[str]  # dotted paths written in strings ("pkg.mod.Name", "pkg.mod:func")

    def count(self, member: Located, name: str) -> tuple[int, int, int]:
        """(imports by name, imports of its module, strings naming it or its module) for one copy."""
        module = member.module
        named = len(self.by_name.get((module, name), set()) - {module})
        moduled = len(self.as_module.get(module, set()) - {module})
        written = sum(
            1 for s in (f"{module}.{name}", f"{module}:{name}", module) if s in self.strings
        )
        return named, moduled, written


def _where(path: str, line: int, end_line: int) -> str:
    return f"{path}:{line}-{end_line}"


def clone_finding(group: CloneGroup) -> Finding:
    first, rest = group.places[0], group.places[1:]
    shown = ", ".join(_where(p.path, p.line, p.end_line) for p in group.places[:_LISTED])
    more = f" and {len(group.places) - _LISTED} more" if len(group.places) > _LISTED else ""
    alike = "the same code" if group.similarity >= 1 else f"nearly the same code (similarity {group.similarity:.2f})"
    paths = ",".join(sorted({p.path for p in group.places}))
    return Finding.create(
        "duplicate-code",
        f"{group.lines} lines of {alike} in {len(group.places)} places: {shown}{more}",
        key=f"{group.content:08x}:{paths}",
        path=first.path,
        line=first.line,
        end_line=first.end_line,
        severity="warning",
        related=tuple(Related(p.path, p.line, f"copy, lines {p.line}-{p.end_line}") for p in rest),
        data={
            "locations": [{"path": p.path, "line": p.line, "end_line": p.end_line} for p in group.places],
            "lines": group.lines,
            "similarity": group.similarity,
        },
    )


def _advice(keep: Located | None, counts: dict[Located, tuple[int, int, int]], unused: Sequence[str]) -> str:
    if keep is None:
        return "no static import of any of them"
    named, moduled, written = counts[keep]
    why = (f"imported by {named}" if named else f"its module imported by {moduled}" if moduled
           else f"named in {written} string(s)")
    advice = f"keep {keep.module} ({why})"
    if unused:
        advice += f"; no static import of {', '.join(unused)}"
    return advice


def implementation_finding(group: ImplementationGroup, uses: Uses) -> Finding:
    counts = {m: uses.count(m, m.definition.name.partition(".")[0]) for m in group.members}
    ranked = sorted(group.members, key=lambda m: (tuple(-c for c in counts[m]), m.path))
    keep = ranked[0] if any(counts[ranked[0]]) else None
    unused = [m.module for m in group.members if not any(counts[m])]
    primary = next((m for m in ranked if m is not keep), ranked[-1])
    modules = sorted(m.module for m in group.members)
    alias = f" (also as {', '.join(group.names[1:])})" if group.names else ""
    head = f"{group.kind} {group.name}{alias}"
    if group.base is not None:
        which = f" ({', '.join(group.methods)})" if group.methods else ""
        message = (f"{head}: the same code{which} in {len(group.members)} subclasses of {group.base}"
                   f" (similarity {group.similarity:.2f}): move it into {group.base}")
    elif group.methods:
        message = (f"{head} shares {len(group.methods)} method(s) with {len(group.members) - 1} other class(es)"
                   f" ({', '.join(group.methods)}): {_advice(keep, counts, unused)}")
    else:
        partial = group.share is not None and (group.share < 1 or group.names)
        share = f", {group.share:.0%} of the methods" if partial else ""
        message = (f"{head} is implemented in {len(group.members)} modules (similarity {group.similarity:.2f}"
                   f"{share}): {_advice(keep, counts, unused)}")
    related = tuple(Related(m.path, m.definition.line, _role(m, keep, counts[m])) for m in ranked if m is not primary)
    names = ",".join(group.names) if group.names else group.name
    return Finding.create(
        "duplicate-implementation",
        message,
        key=f"{group.kind}:{names}:{','.join(modules)}",
        path=primary.path,
        line=primary.definition.line,
        end_line=primary.definition.end_line,
        severity=group.severity,
        related=related,
        data=_data(group, counts, keep.module if keep else None, unused),
    )


def _role(member: Located, keep: Located | None, count: tuple[int, int, int]) -> str:
    shown = f"{count[0]} by name, {count[1]} as a module" + (f", {count[2]} in strings" if count[2] else "")
    if member is keep:
        return f"the one the project imports ({shown})"
    if not any(count):
        return "no static import of this one"
    return f"another copy ({shown})"


def _data(
    group: ImplementationGroup, counts: dict[Located, tuple[int, int, int]], keep: str | None, unused: Sequence[str]
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": group.name,
        "kind": group.kind,
        "similarity": group.similarity,
        "locations": [
            {
                "path": m.path, "line": m.definition.line, "end_line": m.definition.end_line,
                "module": m.module, "name": m.definition.name, "imported_by": counts[m][0],
                "module_importers": counts[m][1], "named_in_strings": counts[m][2],
            }
            for m in group.members
        ],
        "keep": keep,
        "unused": list(unused),
    }
    optional: Iterable[tuple[str, Any]] = (
        ("names", list(group.names)), ("base", group.base), ("methods", list(group.methods)),
        ("share", group.share), ("renames", list(group.renames)),
    )
    data.update((k, v) for k, v in optional if v not in (None, []))
    return data

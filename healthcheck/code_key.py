"""A cache key from code: the source of some modules and of every module of their own packages they import.

Facts kept between scans are only as good as the code that drew them. A version number bumped by hand is
forgotten sooner or later, and a warm scan then reads facts the current code would not draw; a key made from
the code itself cannot be forgotten. The imports followed are those inside the module's own top-level
package and healthcheck's (the code that can change with the project), found by reading the source, lazy
imports inside functions included; the modules of other distributions change with their versions.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from pathlib import Path

IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<base>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n#]*)"
    r"|import[ \t]+(?P<plain>[\w., \t]+))",
    re.MULTILINE,
)


def _source_file(name: str) -> Path | None:
    """The ``.py`` file of module ``name``, or None when it is no module (a class, a function, nothing)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):  # a name inside a module, or a parent that is no package
        return None
    origin = spec.origin if spec is not None else None
    return Path(origin) if origin and origin.endswith(".py") else None


def _imported(text: str, module: str, is_package: bool) -> set[str]:
    """Every dotted name the source imports, relative ones made absolute, with ``from`` names appended."""
    names: set[str] = set()
    for match in IMPORT.finditer(text):
        if match["plain"] is not None:
            names.update(part.split(" as ")[0].strip() for part in match["plain"].split(","))
            continue
        base = match["base"]
        level = len(base) - len(base.lstrip("."))
        if level:
            parts = module.split(".") if is_package else module.split(".")[:-1]
            parts = parts[: len(parts) - level + 1]
            base = ".".join(parts + ([base.lstrip(".")] if base.lstrip(".") else []))
        names.add(base)
        for part in match["names"].strip("()").split(","):
            word = part.split(" as ")[0].strip()
            if word.isidentifier():
                names.add(f"{base}.{word}")
    return names


def source_closure(module: str) -> dict[str, Path]:
    """``module`` and every module of its top-level package or healthcheck's it imports, transitively."""
    packages = {module.split(".")[0], "healthcheck"}
    found: dict[str, Path] = {}
    todo = [module]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        path = _source_file(name)
        if path is None:
            continue
        found[name] = path
        text = path.read_text(encoding="utf-8", errors="replace")
        for imported in _imported(text, name, path.name == "__init__.py"):
            if imported.split(".")[0] in packages and imported not in found:
                todo.append(imported)
    return found


def code_key(*modules: str) -> str:
    """A digest of the source of ``modules`` and of everything :func:`source_closure` finds for them."""
    files: dict[str, Path] = {}
    for module in modules:
        files.update(source_closure(module))
    h = hashlib.sha1()
    for name in sorted(files):
        h.update(name.encode())
        h.update(b"\0")
        h.update(hashlib.sha1(files[name].read_bytes()).digest())
    return h.hexdigest()

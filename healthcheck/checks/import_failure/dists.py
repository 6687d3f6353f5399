"""Which distribution to install for a missing import name, and whether the project already declares it.

"``yaml`` is missing" helps less than "install PyYAML, which setup.py already asks for": a reader needs the
distribution's name (import names and distribution names differ: ``yaml`` is PyYAML, ``zope.interface`` is
its own distribution below the ``zope`` namespace) and whether the fix is an install or a new dependency.

The declared dependencies are read statically, never by running anything: ``pyproject.toml`` (``[project]``
dependencies and extras, Poetry's dependency tables), ``setup.cfg`` (``install_requires``, ``extras_require``),
``setup.py`` (the literal lists given to ``setup()``, directly or through a module-level name) and the
requirements files at the root (``requirements*.txt``, ``requirements/*.txt``).
"""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from pathlib import Path
from typing import Any, Iterable, Mapping

from healthcheck.project import requirement_files
from healthcheck.regular_file import CONFIG_LIMIT, read_regular_text

# Import names whose distribution is named differently (the common cases).
DISTRIBUTIONS: Mapping[str, str] = {
    "yaml": "PyYAML", "PIL": "Pillow", "cv2": "opencv-python", "sklearn": "scikit-learn",
    "bs4": "beautifulsoup4", "dateutil": "python-dateutil", "dotenv": "python-dotenv", "jwt": "PyJWT",
    "magic": "python-magic", "serial": "pyserial", "OpenSSL": "pyOpenSSL", "Crypto": "pycryptodome",
    "google.protobuf": "protobuf", "psycopg2": "psycopg2-binary", "MySQLdb": "mysqlclient",
    "attr": "attrs", "docx": "python-docx", "git": "GitPython", "zmq": "pyzmq", "usb": "pyusb",
    "win32api": "pywin32", "win32con": "pywin32", "win32com": "pywin32", "pywintypes": "pywin32",
    "markdown_it": "markdown-it-py", "mdurl": "mdurl", "pkg_resources": "setuptools", "lxml": "lxml",
    "Levenshtein": "python-Levenshtein", "socks": "PySocks", "nacl": "PyNaCl", "simplejson": "simplejson",
}
# Top-level names shared by many distributions: the distribution is named after the first two parts.
NAMESPACES = frozenset({"zope", "google", "azure", "backports", "jaraco", "sphinxcontrib", "ruamel", "plone",
                        "collective", "oslo", "repoze", "flufl"})
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical_name(name: str) -> str:
    """A distribution name as the packaging standards compare it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def import_root(missing: str) -> str:
    """The part of a missing import name that one distribution provides: ``yaml`` for ``yaml.constructor``,
    ``zope.interface`` for ``zope.interface.declarations`` (a namespace's first two parts)."""
    parts = missing.split(".")
    return ".".join(parts[:2]) if parts[0] in NAMESPACES and len(parts) > 1 else parts[0]


def _requirement_name(requirement: str) -> str | None:
    match = _NAME.match(requirement)
    return canonical_name(match.group(1)) if match else None


def _names(requirements: Iterable[Any]) -> set[str]:
    return {n for r in requirements if isinstance(r, str) for n in [_requirement_name(r)] if n}


def _pyproject(root: Path) -> set[str]:
    try:
        data = tomllib.loads(read_regular_text(root / "pyproject.toml", CONFIG_LIMIT))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return set()
    raw = data.get("project")
    project: dict[str, Any] = raw if isinstance(raw, dict) else {}
    requirements = list(project.get("dependencies") or [])
    for extra in (project.get("optional-dependencies") or {}).values():
        requirements.extend(extra or [])
    names = _names(requirements)
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    tables += [g.get("dependencies") for g in (poetry.get("group") or {}).values() if isinstance(g, dict)]
    for table in tables:
        if isinstance(table, dict):
            names |= {canonical_name(k) for k in table if k.lower() != "python"}
    return names


def _setup_cfg(root: Path) -> set[str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(read_regular_text(root / "setup.cfg", CONFIG_LIMIT))
    except (configparser.Error, UnicodeDecodeError, OSError):
        return set()
    lines: list[str] = []
    if parser.has_option("options", "install_requires"):
        lines += parser.get("options", "install_requires").splitlines()
    if parser.has_section("options.extras_require"):
        for _key, value in parser.items("options.extras_require"):
            lines += value.splitlines()
    return _names(lines)


def _literal_strings(node: ast.expr | None, assigned: Mapping[str, ast.expr]) -> list[str]:
    """The strings of a literal list, tuple or dict of lists (through one module-level name)."""
    if isinstance(node, ast.Name) and node.id in assigned:
        node = assigned[node.id]
    if isinstance(node, ast.Dict):
        return [s for value in node.values for s in _literal_strings(value, assigned)]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _setup_py(root: Path) -> set[str]:
    try:
        tree = ast.parse((root / "setup.py").read_bytes())
    except (OSError, SyntaxError, ValueError):
        return set()
    assigned = {
        t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
        for t in node.targets if isinstance(t, ast.Name)
    }
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name == "setup":
                for keyword in node.keywords:
                    if keyword.arg in ("install_requires", "extras_require", "tests_require"):
                        found += _literal_strings(keyword.value, assigned)
    return _names(found)


def _requirements_files(root: Path) -> set[str]:
    lines: list[str] = []
    for path in requirement_files(root):
        try:
            lines += read_regular_text(path, CONFIG_LIMIT, errors="replace").splitlines()
        except OSError:
            continue
    return _names(line for line in lines if not line.lstrip().startswith(("-", "#")))


def declared_dependencies(root: Path) -> set[str]:
    """Normalised names of every distribution the project declares anywhere (extras and test needs included)."""
    return _pyproject(root) | _setup_cfg(root) | _setup_py(root) | _requirements_files(root)


def _spellings(name: str) -> set[str]:
    """How a distribution's import name is usually spelt: ``python-dateutil`` -> ``dateutil``, ``PyJWT`` ->
    ``jwt``, ``zope.interface`` -> ``zope.interface``."""
    base = canonical_name(name)
    out = {base}
    for prefix in ("python-", "py-", "py"):
        if base.startswith(prefix) and len(base) > len(prefix) + 1:
            out.add(base[len(prefix):])
    for suffix in ("-python", "-py", "-binary"):
        if base.endswith(suffix):
            out.add(base[: -len(suffix)])
    return out


def distribution_for(missing: str, declared: set[str]) -> tuple[str, bool]:
    """The distribution that provides import name ``missing``, and whether the project declares it.

    A declared distribution whose usual spelling is the import name wins (``setup.py`` asking for
    ``python-dateutil`` explains a missing ``dateutil``); then the table of known names; then the name itself.
    """
    root = import_root(missing)
    known = DISTRIBUTIONS.get(missing) or DISTRIBUTIONS.get(root)
    wanted = canonical_name(root)
    if known and canonical_name(known) in declared:
        return known, True
    for name in sorted(declared):
        if wanted in _spellings(name):
            return name, True
    name = known or root
    return name, canonical_name(name) in declared

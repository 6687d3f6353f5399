"""``contract-violation``: the scanned repository's import-linter contracts, judged by import-linter.

import-linter is the authority on what its contracts mean, so its contract
classes do the judging. What it cannot do on a broken repository is build the
graph: grimp raises on the first file with a syntax error. So this check reads
the repository's own configuration (``.importlinter``, ``setup.cfg`` or
``pyproject.toml``) with import-linter's readers, and hands each contract the
graph healthcheck already built from the shared parse, in which a broken file
simply has no outgoing imports.

Each broken chain becomes one finding placed at the first illegal import.
"""

from __future__ import annotations

import configparser
import sys
import importlib
import importlib.util
import pkgutil
import tomllib
from copy import deepcopy
from pathlib import Path
from typing import Any, ClassVar, Iterator

from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, FindingKind, GateSpec
from healthcheck.interpreter import installed_version
from healthcheck.model import Finding, Related
from healthcheck.regular_file import CONFIG_LIMIT, read_regular, read_regular_text


def find_contract_file(root: Path) -> Path | None:
    """The first file that holds import-linter configuration, in import-linter's own order."""
    for name in ("setup.cfg", ".importlinter"):
        path = root / name
        if path.is_file():
            parser = configparser.ConfigParser()
            try:
                parser.read_string(read_regular_text(path, CONFIG_LIMIT))
            except (configparser.Error, UnicodeDecodeError, OSError):
                if name == ".importlinter":
                    return path
                continue
            if "importlinter" in parser.sections():
                return path
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(read_regular_text(pyproject, CONFIG_LIMIT))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            return None
        if "importlinter" in data.get("tool", {}):
            return pyproject
    return None


def builtin_contract_types() -> dict[str, type[Any]]:
    """import-linter's own contract classes by type name, found through its public ``Contract`` class.

    Every module of the public ``importlinter.contracts`` package is imported, and each subclass of
    ``importlinter.Contract`` that declares a ``type_name`` is one type. No registry function of
    import-linter is called: those are private and have changed between releases.
    """
    import importlinter.contracts
    from importlinter import Contract

    for info in pkgutil.iter_modules(importlinter.contracts.__path__, "importlinter.contracts."):
        importlib.import_module(info.name)
    found: dict[str, type[Any]] = {}
    pending: list[type[Any]] = [Contract]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        name = getattr(cls, "type_name", None)
        if isinstance(name, str) and name and cls.__module__.startswith("importlinter."):
            found.setdefault(name, cls)
    return found


def _custom_type(entry: str, root: Path) -> tuple[str, type[Any] | None, str]:
    """One ``contract_types`` entry (``name: module.Class``): its name, its class, or why it is not used.

    A class defined inside the scanned repository is not imported: healthcheck never runs the
    repository's code in its own process. A class of an installed distribution (a contract plug-in) is.
    """
    from importlinter import Contract

    name, sep, dotted = (part.strip() for part in entry.partition(":"))
    module_name, _, class_name = dotted.rpartition(".")
    if not sep or not name or not module_name:
        return name or entry, None, f"contract_types entry {entry!r} is not 'name: module.Class'"
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError) as exc:
        return name, None, f"contract type {name!r}: cannot find {module_name}: {exc}"
    origin = Path(spec.origin).resolve() if spec is not None and spec.origin else None
    if spec is None:
        return name, None, f"contract type {name!r}: module {module_name} is not installed"
    if origin is not None and origin.is_relative_to(root):
        return name, None, (f"contract type {name!r}: {dotted} is the repository's own code, which healthcheck "
                            f"does not run in its own process (install it as a distribution to use it)")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except Exception as exc:  # a plug-in that fails to import is a problem of that contract only
        return name, None, f"contract type {name!r}: cannot load {dotted}: {type(exc).__name__}: {exc}"
    if not (isinstance(cls, type) and issubclass(cls, Contract)):
        return name, None, f"contract type {name!r}: {dotted} is not a subclass of importlinter.Contract"
    return name, cls, ""


def contract_types(session: dict[str, Any], root: Path) -> tuple[dict[str, type[Any]], list[str]]:
    """The contract classes by type name (built-ins, then the file's ``contract_types``) and the problems."""
    types = builtin_contract_types()
    problems: list[str] = []
    entries = session.get("contract_types") or []
    for entry in [entries] if isinstance(entries, str) else entries:
        name, cls, problem = _custom_type(str(entry), root)
        if cls is not None:
            types[name] = cls
        else:
            problems.append(problem)
    return types, problems


def _is_link(obj: Any) -> bool:
    """One direct import in import-linter's metadata: importer, imported, line numbers, nothing nested."""
    return (
        isinstance(obj, dict)
        and "importer" in obj
        and "imported" in obj
        and not any(isinstance(v, (list, dict)) for v in obj.values())
    )


def _links(obj: Any) -> Iterator[list[dict[str, Any]]]:
    """Every chain of import links in a contract check's metadata, whatever the contract type."""
    if isinstance(obj, list) and obj and all(_is_link(x) for x in obj):
        yield obj
        return
    if isinstance(obj, dict):
        nested = [chain for key, value in obj.items() if key not in ("importer", "imported") for chain in _links(value)]
        if nested:
            # A package-level dependency whose routes name the real module imports: report those.
            yield from nested
        elif "importer" in obj and "imported" in obj:
            yield [obj]
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for value in obj:
            yield from _links(value)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        yield from _links(vars(obj))


class ContractViolationCheck(BaseCheck):
    name: ClassVar[str] = "contract-violation"
    order: ClassVar[int] = 40
    kinds: ClassVar[tuple[FindingKind, ...]] = (
        FindingKind("contract-violation", "An import breaks an architecture contract.", "what-it-checks", rank=5),
    )
    gates: ClassVar[tuple[GateSpec, ...]] = (
        GateSpec("max_contract_violations", "contract_violations", "<=", 0, help="broken import-linter contracts"),
    )

    def enabled(self, ctx: CheckContext) -> str | None:
        if find_contract_file(ctx.root) is None:
            return "no import-linter contracts in .importlinter, setup.cfg or pyproject.toml"
        return None

    def run(self, ctx: CheckContext) -> CheckResult:
        from importlinter import api

        path = find_contract_file(ctx.root)
        assert path is not None
        try:
            read_regular(path, CONFIG_LIMIT)  # import-linter reads it itself: only a regular file of bounded size
            options = api.read_configuration(config_filename=str(path))
        except Exception as exc:  # import-linter's readers raise a variety of errors
            return CheckResult.error(f"{path.name}: cannot read import-linter configuration: {exc}")
        session: dict[str, Any] = dict(options["session_options"])
        types, type_problems = contract_types(session, ctx.root)
        graph = ctx.graph
        if str(session.get("exclude_type_checking_imports", "")).lower() in ("true", "1", "yes"):
            graph = graph.without_typing_imports()
        grimp_graph = graph.to_grimp()

        result = CheckResult()
        contracts = 0
        broken = 0
        problems: list[str] = list(type_problems)
        for contract_options in options["contracts_options"]:
            contract_name = str(contract_options.get("name", contract_options.get("id", "?")))
            type_name = str(contract_options.get("type", ""))
            contract_class = types.get(type_name)
            if contract_class is None:
                problems.append(f"{contract_name}: unknown contract type {type_name!r} "
                                f"(known: {', '.join(sorted(types))})")
                continue
            try:
                contract = contract_class(
                    name=contract_name, session_options=session, contract_options=contract_options
                )
                check = contract.check(deepcopy(grimp_graph), verbose=False)
            except Exception as exc:  # invalid options, or a contract class that fails on this graph
                problems.append(f"{contract_name}: {type(exc).__name__}: {exc}")
                continue
            contracts += 1
            if check.kept:
                continue
            broken += 1
            result.findings.extend(self._findings(ctx, contract_name, check.metadata))
        result.metrics["contract_violations"] = len(result.findings)
        result.engine = {"name": "import-linter", "version": installed_version("import-linter"),
                         "python": sys.executable, "environment": "healthcheck's own, on healthcheck's import graph"}
        result.metrics["contracts"] = {"total": contracts, "broken": broken}
        if problems:
            result.status = "error"
            result.detail = "invalid contracts: " + "; ".join(problems)
        return result

    def _findings(self, ctx: CheckContext, contract: str, metadata: Any) -> list[Finding]:
        out: list[Finding] = []
        seen: set[tuple[str, str]] = set()
        for chain in _links(metadata):
            importer = str(chain[0]["importer"])
            imported = str(chain[-1]["imported"])
            if (importer, imported) in seen:
                continue
            seen.add((importer, imported))
            first = chain[0]
            sites = ctx.graph.edges.get((str(first["importer"]), str(first["imported"])), [])
            site = sites[0] if sites else None
            path = site.path if site else ctx.graph.paths.get(importer)
            via = " -> ".join([str(link["importer"]) for link in chain] + [imported])
            related = tuple(
                Related(s.path, s.line, f"{link['importer']} imports {link['imported']}: {s.text}")
                for link in chain
                for s in ctx.graph.edges.get((str(link["importer"]), str(link["imported"])), [])[:1]
            )
            message = f"contract '{contract}' broken: {importer} imports {imported}"
            if len(chain) > 1:
                message += f" (via {via})"
            out.append(
                Finding.create(
                    "contract-violation",
                    message,
                    key=f"{contract}:{importer}:{imported}",
                    path=path,
                    line=site.line if site else None,
                    related=related,
                    data={"contract": contract, "importer": importer, "imported": imported, "chain": via},
                )
            )
        return out

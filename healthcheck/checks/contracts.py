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
import tomllib
from copy import deepcopy
from pathlib import Path
from typing import Any, ClassVar, Iterator

from healthcheck.checks.base import BaseCheck, CheckContext, CheckResult, GateSpec
from healthcheck.model import Finding, Related


def find_contract_file(root: Path) -> Path | None:
    """The first file that holds import-linter configuration, in import-linter's own order."""
    for name in ("setup.cfg", ".importlinter"):
        path = root / name
        if path.is_file():
            parser = configparser.ConfigParser()
            try:
                parser.read_string(path.read_text(encoding="utf-8"))
            except (configparser.Error, UnicodeDecodeError, OSError):
                if name == ".importlinter":
                    return path
                continue
            if "importlinter" in parser.sections():
                return path
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            return None
        if "importlinter" in data.get("tool", {}):
            return pyproject
    return None


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


class ContractCheck(BaseCheck):
    name: ClassVar[str] = "contract-violation"
    produces: ClassVar[tuple[str, ...]] = ("contract-violation",)
    gates: ClassVar[tuple[GateSpec, ...]] = (
        GateSpec("max_contract_violations", "contract_violations", "<=", 0, help="broken import-linter contracts"),
    )

    def enabled(self, ctx: CheckContext) -> str | None:
        if find_contract_file(ctx.root) is None:
            return "no import-linter contracts in .importlinter, setup.cfg or pyproject.toml"
        return None

    def run(self, ctx: CheckContext) -> CheckResult:
        from importlinter import configuration
        from importlinter.application import use_cases
        from importlinter.domain.contract import InvalidContractOptions, registry

        path = find_contract_file(ctx.root)
        assert path is not None
        configuration.configure()
        try:
            options = use_cases.read_user_options(config_filename=str(path))
        except Exception as exc:  # import-linter's readers raise a variety of errors
            return CheckResult.error(f"{path.name}: cannot read import-linter configuration: {exc}")
        use_cases._register_contract_types(options)  # noqa: SLF001 - the only registry entry point
        session = options.session_options
        graph = ctx.graph
        if str(session.get("exclude_type_checking_imports", "")).lower() in ("true", "1", "yes"):
            graph = graph.without_typing_imports()
        grimp_graph = graph.to_grimp()

        result = CheckResult()
        contracts = 0
        broken = 0
        problems: list[str] = []
        for contract_options in options.contracts_options:
            contract_name = str(contract_options.get("name", contract_options.get("id", "?")))
            try:
                contract_class = registry.get_contract_class(contract_options["type"])
                contract = contract_class(
                    name=contract_name, session_options=session, contract_options=contract_options
                )
                check = contract.check(deepcopy(grimp_graph), verbose=False)
            except (InvalidContractOptions, KeyError, ValueError) as exc:
                problems.append(f"{contract_name}: {exc}")
                continue
            contracts += 1
            if check.kept:
                continue
            broken += 1
            result.findings.extend(self._findings(ctx, contract_name, check.metadata))
        result.metrics["contract_violations"] = len(result.findings)
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

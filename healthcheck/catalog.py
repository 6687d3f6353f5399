"""What healthcheck can say: every finding kind, gathered from the checks that declare it.

Each check declares its kinds (``kinds = (FindingKind(...), ...)``: name, one-line summary, help anchor,
usual severity, first-screen rank, diff section). This module is the one place that reads those
declarations, so a check, built in or from an entry point, needs nothing written anywhere else: the report
schema's enum of kinds, SARIF's rules, the first screen's cause order, the diff's sections, JUnit's suites and
the README's table of kinds are all built from here. The schema kept in ``schema/report.schema.json`` lists the
built-in kinds; :func:`report_schema` puts in the kinds of the checks installed in this environment, and a
test holds the file equal to the built-ins.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from healthcheck.checks import all_checks, builtin_classes
from healthcheck.checks.base import DiffSection, FindingKind

README_START = "<!-- finding kinds: written by `python -m healthcheck.catalog`, do not edit -->"
README_END = "<!-- end of finding kinds -->"


def kinds() -> tuple[FindingKind, ...]:
    """Every finding kind, in the order of the checks that declare them."""
    return tuple(kind for check in all_checks() for kind in check.kinds)


def builtin_kinds() -> tuple[FindingKind, ...]:
    """The kinds of healthcheck's own checks: what the schema file lists."""
    return tuple(kind for cls in builtin_classes() for kind in cls.kinds)


def kind_owners() -> dict[str, str]:
    """Which check produces each kind (the ``import-cycle`` check produces ``import-cycle``)."""
    return {kind.name: check.name for check in all_checks() for kind in check.kinds}


def by_name() -> dict[str, FindingKind]:
    return {kind.name: kind for kind in kinds()}


def cause_rank() -> dict[str, int]:
    """Each kind's first-screen rank: kinds whose findings explain others come first."""
    return {kind.name: kind.rank for kind in kinds()}


def diff_sections() -> list[tuple[DiffSection, tuple[str, ...]]]:
    """The sections of a diff that list kinds of their own, each with its kinds, in catalog order."""
    sections: dict[DiffSection, list[str]] = {}
    for kind in kinds():
        if kind.diff is not None:
            sections.setdefault(kind.diff, []).append(kind.name)
    return [(section, tuple(names)) for section, names in sections.items()]


def help_text(kind: FindingKind) -> str:
    """Where a reader learns more about ``kind``, as one sentence."""
    if kind.help.startswith(("https://", "http://")):
        return f"{kind.summary} See {kind.help}"
    return f"{kind.summary} See the section #{kind.help} of healthcheck's README.md."


def _schema_file() -> dict[str, Any]:
    text = resources.files("healthcheck").joinpath("schema/report.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def kind_enum(schema: dict[str, Any]) -> list[str]:
    """The list of finding kinds in a report schema (what a finding's ``check`` may be)."""
    listed: list[str] = schema["$defs"]["finding"]["properties"]["check"]["enum"]
    return listed


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The JSON Schema of this environment's reports: the schema file, its kinds those of the installed checks."""
    schema = copy.deepcopy(_schema_file())
    kind_enum(schema)[:] = [kind.name for kind in kinds()]
    return schema


def readme_table() -> str:
    """The README's table of the built-in finding kinds, between its markers."""
    rows = [
        f"| `{kind.name}` | `{cls.name}` | {kind.severity} | {kind.summary} | [{kind.help}](#{kind.help}) |"
        for cls in builtin_classes() for kind in cls.kinds
    ]
    head = ["| finding kind | check | usual severity | what it says | more |", "| --- | --- | --- | --- | --- |"]
    return "\n".join([README_START, *head, *rows, README_END])


def write_readme_table(path: Path) -> bool:
    """Put :func:`readme_table` between the markers of the file at ``path``; False when it was already there."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(README_START), text.index(README_END) + len(README_END)
    updated = text[:start] + readme_table() + text[end:]
    if updated == text:
        return False
    path.write_text(updated, encoding="utf-8")
    return True


def schema_text(text: str) -> str:
    """The schema file ``text`` with its enum of kinds set to the built-in kinds, as the file is kept (JSON,
    two-space indent, a final newline): what a new built-in check's kinds add to it."""
    schema: dict[str, Any] = json.loads(text)
    kind_enum(schema)[:] = [kind.name for kind in builtin_kinds()]
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schema_kinds(path: Path) -> bool:
    """Rewrite the schema file at ``path`` with :func:`schema_text`; False when it was already so."""
    text = path.read_text(encoding="utf-8")
    updated = schema_text(text)
    if updated == text:
        return False
    path.write_text(updated, encoding="utf-8")
    return True


if __name__ == "__main__":
    import sys

    changed = write_readme_table(Path(sys.argv[1] if len(sys.argv) > 1 else "README.md"))
    print("README's table of finding kinds " + ("rewritten" if changed else "already up to date"))
    schema_path = Path(__file__).resolve().parent / "schema" / "report.schema.json"
    changed = write_schema_kinds(schema_path)
    print(f"{schema_path.name}'s enum of kinds " + ("rewritten" if changed else "already up to date"))

"""The ``repairs`` section (``scan --repairs``) as Markdown and HTML: per root cause, its proven repair or why none.

The section is written by the scan command from ``healthcheck fix``'s plan (docs/report.md); the renderers only
read it, so a report without it renders as before.
"""

from __future__ import annotations

from html import escape
from typing import Any, Mapping

from healthcheck.model import Report


def _entries(report: Report) -> list[tuple[str, Mapping[str, Any]]]:
    section = report.extra.get("repairs")
    if not isinstance(section, Mapping):
        return []
    return [(str(k), v) for k, v in section.items() if isinstance(v, Mapping)]


def repair_line(finding: str, entry: Mapping[str, Any]) -> str:
    """``<id>: proven repair, apply with `<command>` (<summary>)`` or ``<id>: no safe repair: <why>``."""
    if entry.get("proven"):
        by = entry.get("repaired_by")
        also = f" (closed by the repair of {by})" if by and by != finding else ""
        return f"{finding}: proven repair{also}, apply with `{entry.get('command')}`: {entry.get('summary')}"
    planned = "a repair was planned but did not prove out" if entry.get("available") else "no safe repair"
    return f"{finding}: {planned}: {entry.get('why_not')}"


def repairs_markdown(report: Report) -> list[str]:
    entries = _entries(report)
    if not entries:
        return []
    return ["### Repairs", ""] + ["- " + repair_line(k, v).replace("|", "\\|") for k, v in entries] + [""]


def repairs_html(report: Report) -> str:
    entries = _entries(report)
    if not entries:
        return ""
    items = "".join(f"<li>{escape(repair_line(k, v))}</li>" for k, v in entries)
    return f"<h2>Repairs</h2><ul>{items}</ul>"

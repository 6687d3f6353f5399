"""Writing a run's reports, and the metric history the HTML report draws its trends from.

Every ``gate`` and ``diff`` run (whichever formats it writes, ``--output``
included) leaves a small snapshot of its report's metrics in
``<out-dir>/history/`` (the reports folder is git-ignored, and CI can cache
it); ``diff`` records the scan of the working tree, not that of the base.
``scan`` writes its reports directly and records no history, so its HTML
report has no trends. The HTML report of ``gate`` and ``diff`` shows how each
metric moved over the runs kept there without re-reading whole reports. Only
the HTML renderer sees the history; the JSON report stays the contract of
docs/report.md.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from healthcheck.errors import UsageError
from healthcheck.model import Finding, Report
from healthcheck.report import RENDERERS
from healthcheck.safe_text import encodable, for_xml, one_line

DEFAULT_FORMATS = ("json", "markdown")
# ``--output FILE`` alone: the format its extension names.
FORMAT_OF_SUFFIX = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".sarif": "sarif",
                    ".xml": "junit", ".html": "html", ".htm": "html"}
HISTORY_DIR = "history"
HISTORY_KEEP = 100
XML_FORMATS = frozenset({"junit", "html"})


def flatten(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of the metrics under dotted names (``import_cycles.runtime``)."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def snapshot(report: Report) -> dict[str, Any]:
    return {
        "started_at": report.started_at,
        "passed": report.passed,
        "findings": len(report.findings),
        "metrics": flatten(report.metrics),
    }


def record_history(report: Report, out_dir: Path) -> Path | None:
    """Keep this run's snapshot; drop the oldest beyond HISTORY_KEEP. Best effort: history is not the report."""
    folder = out_dir / HISTORY_DIR
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(snapshot(report), sort_keys=True) + "\n", encoding="utf-8")
        for old in sorted(folder.glob("*.json"))[:-HISTORY_KEEP]:
            old.unlink()
    except OSError:
        return None
    return path


def load_history(out_dir: Path) -> list[dict[str, Any]]:
    """The snapshots kept, oldest first; unreadable ones are skipped."""
    runs: list[dict[str, Any]] = []
    for path in sorted((out_dir / HISTORY_DIR).glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get("metrics"), dict):
            runs.append(doc)
    return runs


def chosen_formats(formats: Sequence[str], output: str | None) -> list[str]:
    """The formats to write: those asked for; with only ``--output FILE``, the one its extension names
    (``report.json``, ``report.sarif``, ``junit.xml`` ...); else JSON and Markdown."""
    if formats:
        return list(formats)
    if not output:
        return list(DEFAULT_FORMATS)
    suffix = Path(output).suffix.lower()
    if suffix not in FORMAT_OF_SUFFIX:
        known = ", ".join(sorted(FORMAT_OF_SUFFIX))
        raise UsageError(f"cannot tell the format of {output} from its extension ({known}); give --format with it")
    return [FORMAT_OF_SUFFIX[suffix]]


def write_reports(
    report: Report, formats: Sequence[str], output: str | None, out_dir: Path, history: bool = True
) -> list[Path]:
    """Write the report in each format, every message on one line; ``output`` names the file of a lone format.

    With ``history`` (``gate`` and ``diff``) the run's metrics are recorded first and the HTML report gets
    the history to draw trends; ``scan`` writes without it.
    """
    if output and len(formats) > 1:
        raise UsageError("--output names one file; give one --format with it")
    if history:
        record_history(report, out_dir)
    report = _one_line_messages(report)
    written: list[Path] = []
    for fmt in formats:
        shown = report
        if history and fmt == "html":
            shown = replace(report, extra={**report.extra, "history": load_history(out_dir)})
        written.append(_write_format(shown, fmt, output, out_dir))
    return written


def _write_format(report: Report, fmt: str, output: str | None, out_dir: Path) -> Path:
    """One format with its renderer, to ``output`` or to its default name in ``out_dir``."""
    renderer, default_name = RENDERERS[fmt]
    path = Path(output) if output else out_dir / default_name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = encodable(renderer(report))
        path.write_text(for_xml(text) if fmt in XML_FORMATS else text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _one_line_messages(report: Report) -> Report:
    """The report with every finding's message on one line, as the schema says, whatever names it quotes."""
    def fix(f: Finding) -> Finding:
        related = tuple(replace(r, message=one_line(r.message)) for r in f.related)
        return replace(f, message=one_line(f.message), related=related)

    return replace(report, findings=tuple(fix(f) for f in report.findings))

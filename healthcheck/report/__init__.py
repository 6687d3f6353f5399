"""One renderer per output format. Each takes a :class:`~healthcheck.model.Report` and returns text.

``RENDERERS`` maps a ``--format`` name to its renderer and default file name,
so adding a format is adding a module and a line here.
"""

from __future__ import annotations

from typing import Callable

from healthcheck.model import Report
from healthcheck.report.json_report import render_json
from healthcheck.report.markdown import render_markdown

Renderer = Callable[[Report], str]

RENDERERS: dict[str, tuple[Renderer, str]] = {
    "json": (render_json, "healthcheck.json"),
    "markdown": (render_markdown, "healthcheck.md"),
}

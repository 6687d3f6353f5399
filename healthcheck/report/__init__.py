"""One renderer per output format. Each takes a :class:`~healthcheck.model.Report` and returns text.

``RENDERERS`` maps a ``--format`` name to its renderer and default file name,
so adding a format is adding a module and a line here.
"""

from __future__ import annotations

from typing import Callable

from healthcheck.model import Report
from healthcheck.report.html import render_html
from healthcheck.report.json_report import render_json
from healthcheck.report.junit import render_junit
from healthcheck.report.markdown import render_markdown
from healthcheck.report.sarif import render_sarif

Renderer = Callable[[Report], str]

RENDERERS: dict[str, tuple[Renderer, str]] = {
    "json": (render_json, "healthcheck.json"),
    "markdown": (render_markdown, "healthcheck.md"),
    "sarif": (render_sarif, "healthcheck.sarif"),
    "junit": (render_junit, "healthcheck.junit.xml"),
    "html": (render_html, "healthcheck.html"),
}

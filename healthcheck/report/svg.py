"""Pictures for the HTML report, drawn as inline SVG so the report needs nothing from the network.

Three kinds: an import cycle (modules on a circle, each import an arrow
labelled with its line, runtime imports drawn bold and red because they are
the ones that break at import time), the package dependency graph (packages on
a circle, arrows between them, mutual dependencies in red) and a sparkline of
one metric over the kept runs. A circle is a plain layout, but a cycle *is* a
circle, and for a few dozen packages it keeps every arrow visible.
"""

from __future__ import annotations

import math
from html import escape
from itertools import count
from typing import Any, Mapping, Sequence

_ids = count(1)
KIND_STYLE: Mapping[str, tuple[str, str, float]] = {
    # kind: (colour, dash pattern, stroke width)
    "runtime": ("#c62828", "", 2.4),
    "deferred": ("#ef8f00", "7 4", 1.6),
    "typing": ("#78909c", "2 4", 1.4),
}
CHAR_W = 6.6  # average width of a 11px sans-serif character


def _short(module: str, parts: int = 2) -> str:
    return ".".join(module.split(".")[-parts:])


def _markers(prefix: str, colours: Sequence[str]) -> str:
    out = []
    for i, colour in enumerate(colours):
        out.append(
            f'<marker id="{prefix}-m{i}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    return "<defs>" + "".join(out) + "</defs>"


def _circle(n: int, radius: float, cx: float, cy: float) -> list[tuple[float, float]]:
    start = math.pi if n == 2 else -math.pi / 2  # two nodes side by side leave room for both labels
    return [(cx + radius * math.cos(start + 2 * math.pi * i / n), cy + radius * math.sin(start + 2 * math.pi * i / n))
            for i in range(n)]


def _trim(x1: float, y1: float, x2: float, y2: float, gap1: float, gap2: float) -> tuple[float, float, float, float]:
    """The segment shortened at both ends, so arrows start and stop at the boxes' edges."""
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    return x1 + ux * gap1, y1 + uy * gap1, x2 - ux * gap2, y2 - uy * gap2


def _box_gap(width: float, height: float, dx: float, dy: float) -> float:
    """Distance from a box's centre to its border along direction (dx, dy)."""
    length = math.hypot(dx, dy) or 1.0
    ux, uy = abs(dx / length), abs(dy / length)
    tx = (width / 2) / ux if ux > 1e-9 else math.inf
    ty = (height / 2) / uy if uy > 1e-9 else math.inf
    return min(tx, ty) + 3


def _curve(x1: float, y1: float, x2: float, y2: float, bend: float) -> tuple[str, float, float]:
    """A quadratic curve bent sideways by ``bend`` (so A->B and B->A do not overlap) and its midpoint."""
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    nx, ny = -(y2 - y1) / length, (x2 - x1) / length
    qx, qy = mx + nx * bend, my + ny * bend
    label_x, label_y = (x1 + 2 * qx + x2) / 4, (y1 + 2 * qy + y2) / 4
    return f"M{x1:.1f},{y1:.1f} Q{qx:.1f},{qy:.1f} {x2:.1f},{y2:.1f}", label_x, label_y


def _node(x: float, y: float, label: str, title: str, width: float, fill: str, stroke: str) -> str:
    return (
        f'<g><title>{escape(title)}</title>'
        f'<rect x="{x - width / 2:.1f}" y="{y - 13:.1f}" width="{width:.1f}" height="26" rx="6" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="1.2"/>'
        f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="11">{escape(label)}</text></g>'
    )


def cycle_svg(modules: Sequence[str], edges: Sequence[Mapping[str, Any]]) -> str:
    """One import cycle: modules on a circle, imports as arrows labelled ``line N`` (runtime ones bold red)."""
    prefix = f"cy{next(_ids)}"
    names = sorted(set(modules) | {str(e.get("importer")) for e in edges} | {str(e.get("imported")) for e in edges})
    n = max(len(names), 1)
    labels = {m: _short(m) for m in names}
    widths = {m: len(labels[m]) * CHAR_W + 16 for m in names}
    widest = max(widths.values(), default=60)
    radius = max(70.0, n * widest / (2 * math.pi) + 30) if n > 2 else widest / 2 + 70 if n == 2 else 0.0
    margin = widest / 2 + 20
    size_w = max(2 * (radius + margin), 360.0)
    size_h = (2 * (radius + 40) if n > 2 else 110.0) + 30
    cx, cy = size_w / 2, (radius + 40 if n > 2 else 55.0)
    where = dict(zip(names, _circle(n, radius, cx, cy)))
    kinds = list(KIND_STYLE)
    parts = [_markers(prefix, [KIND_STYLE[k][0] for k in kinds])]
    for e in edges:
        a, b = str(e.get("importer")), str(e.get("imported"))
        if a not in where or b not in where or a == b:
            continue
        kind = str(e.get("kind", "runtime"))
        colour, dash, width = KIND_STYLE.get(kind, KIND_STYLE["runtime"])
        (x1, y1), (x2, y2) = where[a], where[b]
        x1, y1, x2, y2 = _trim(x1, y1, x2, y2, _box_gap(widths[a], 26, x2 - x1, y2 - y1),
                               _box_gap(widths[b], 26, x2 - x1, y2 - y1))
        path, lx, ly = _curve(x1, y1, x2, y2, 28 if n <= 2 else 10)
        marker = kinds.index(kind) if kind in kinds else 0
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        line = e.get("line")
        label = f"line {line}" if line else kind
        tip = f"{a} imports {b} ({kind})" + (f" at {e.get('path')}:{line}: {e.get('text', '')}" if line else "")
        parts.append(
            f'<g class="edge {escape(kind)}"><title>{escape(tip)}</title>'
            f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width}"{dash_attr} '
            f'marker-end="url(#{prefix}-m{marker})"/>'
            f'<text x="{lx:.1f}" y="{ly - 4:.1f}" text-anchor="middle" font-size="10" fill="{colour}" '
            f'class="label">{escape(label)}</text></g>'
        )
    for m in names:
        x, y = where[m]
        parts.append(_node(x, y, labels[m], m, widths[m], "#fff8e1", "#8d6e63"))
    parts.append(_legend(10, size_h - 14))
    return _svg(size_w, size_h, parts, "import cycle: " + " -> ".join(names))


def _legend(x: float, y: float) -> str:
    items = []
    for i, (kind, (colour, dash, width)) in enumerate(KIND_STYLE.items()):
        ox = x + i * 110
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        items.append(
            f'<line x1="{ox}" y1="{y}" x2="{ox + 28}" y2="{y}" stroke="{colour}" stroke-width="{width}"{dash_attr}/>'
            f'<text x="{ox + 34}" y="{y + 4}" font-size="10">{kind}</text>'
        )
    return "<g class=\"legend\">" + "".join(items) + "</g>"


def _svg(width: float, height: float, parts: Sequence[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(label)}" '
        f'font-family="system-ui, sans-serif">' + "".join(parts) + "</svg>"
    )


def package_graph_svg(nodes: Sequence[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]], limit: int = 60) -> str:
    """Packages on a circle; an arrow per dependency; mutual dependencies (package cycles) in red."""
    prefix = f"pg{next(_ids)}"
    ranked = sorted(nodes, key=lambda n: (-int(n.get("modules", 1)), str(n.get("name"))))[:limit]
    names = sorted(str(n.get("name")) for n in ranked)
    if not names:
        return ""
    sizes = {str(n.get("name")): int(n.get("modules", 1)) for n in ranked}
    labels = {m: f"{m} ({sizes[m]})" for m in names}
    widths = {m: len(labels[m]) * CHAR_W + 16 for m in names}
    n = len(names)
    # Room on the circle for every label, and for the widest ones across the top and bottom.
    radius = max(120.0, sum(widths.values()) * 1.15 / (2 * math.pi), max(widths.values()) * 1.1) if n > 1 else 0.0
    margin = max(widths.values()) / 2 + 20
    size = 2 * (radius + margin)
    where = dict(zip(names, _circle(n, radius, size / 2, size / 2)))
    pairs = {(str(e.get("from")), str(e.get("to"))) for e in edges}
    parts = [_markers(prefix, ["#c62828", "#546e7a", "#90a4ae"])]
    for e in edges:
        a, b = str(e.get("from")), str(e.get("to"))
        if a not in where or b not in where:
            continue
        mutual = (b, a) in pairs
        runtime = bool(e.get("runtime"))
        colour, marker = ("#c62828", 0) if mutual else (("#546e7a", 1) if runtime else ("#90a4ae", 2))
        (x1, y1), (x2, y2) = where[a], where[b]
        x1, y1, x2, y2 = _trim(x1, y1, x2, y2, _box_gap(widths[a], 26, x2 - x1, y2 - y1),
                               _box_gap(widths[b], 26, x2 - x1, y2 - y1))
        path, _, _ = _curve(x1, y1, x2, y2, 12 if mutual else 0)
        dash = "" if runtime else ' stroke-dasharray="5 4"'
        tip = f"{a} imports {b}: {e.get('imports', 1)} module import(s){' (mutual)' if mutual else ''}"
        parts.append(
            f'<g><title>{escape(tip)}</title><path d="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="{1.0 + min(3.0, math.log1p(float(e.get("imports", 1))))}"{dash} '
            f'marker-end="url(#{prefix}-m{marker})" opacity="0.85"/></g>'
        )
    for m in names:
        x, y = where[m]
        parts.append(_node(x, y, labels[m], f"{m}: {sizes[m]} module(s)", widths[m], "#e3f2fd", "#1565c0"))
    return _svg(size, size, parts, "package dependency graph")


def sparkline_svg(values: Sequence[float], width: int = 220, height: int = 48) -> str:
    """A metric over the kept runs, oldest on the left; the last value is marked."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (width - 12) / max(len(values) - 1, 1)
    points = [(6 + i * step, height - 8 - (v - low) / span * (height - 16)) for i, v in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    lx, ly = points[-1]
    parts = [
        f'<polyline points="{path}" fill="none" stroke="#1565c0" stroke-width="1.8"/>',
        f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="3" fill="#1565c0"/>',
        f'<text x="2" y="10" font-size="9" fill="#666">{high:g}</text>',
        f'<text x="2" y="{height - 1}" font-size="9" fill="#666">{low:g}</text>',
    ]
    return _svg(width, height, parts, f"trend over {len(values)} runs")

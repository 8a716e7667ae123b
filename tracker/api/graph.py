"""Supply-chain answers as a graph (nodes and edges) and as an SVG picture a person can read."""

from __future__ import annotations

import re
from xml.sax import saxutils

from rest_framework import renderers

# Characters XML 1.0 does not allow in a document, even escaped: C0 controls other than tab, LF
# and CR, surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text: str) -> str:
    """Text for an SVG element or attribute: XML-escaped, characters XML forbids replaced."""
    return saxutils.escape(_NOT_XML.sub("\ufffd", text), {'"': "&quot;"})


def graph_add_node(graph: dict, node_id: str, label: str, kind: str, column: int) -> None:
    if node_id not in graph["_index"]:
        graph["_index"][node_id] = len(graph["nodes"])
        graph["nodes"].append({"id": node_id, "label": label, "kind": kind, "column": column})


def graph_new() -> dict:
    return {"nodes": [], "edges": [], "_index": {}}


def graph_finish(graph: dict) -> dict:
    graph.pop("_index", None)
    return graph


NODE_W, NODE_H, COL_GAP, ROW_GAP, MARGIN = 210, 44, 130, 26, 20
COLOURS = {
    "state": "#dbeafe",
    "item": "#fef3c7",
    "decision": "#fee2e2",
    "conflict": "#e5e7eb",
    "party": "#dcfce7",
    "unknown": "#f3f4f6",
}


def _wrap(text: str, width: int = 28) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return lines[:2] if len(lines) <= 2 else [lines[0], lines[1][: width - 1] + "…"]


def graph_to_svg(graph: dict, title: str = "") -> str:
    """Columns left to right (origin to destination), nodes stacked in each column."""
    rows: dict[int, int] = {}
    position = {}
    for node in graph["nodes"]:
        column = node.get("column", 0)
        row = rows.get(column, 0)
        rows[column] = row + 1
        x = MARGIN + column * (NODE_W + COL_GAP)
        y = MARGIN + 30 + row * (NODE_H + ROW_GAP)
        position[node["id"]] = (x, y)
    width = MARGIN * 2 + (max(rows) + 1 if rows else 1) * (NODE_W + COL_GAP)
    height = MARGIN * 2 + 30 + max(rows.values() or [1]) * (NODE_H + ROW_GAP)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#374151"/></marker></defs>',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 8}" font-size="14" font-weight="bold">'
        f"{escape(title)}</text>",
    ]
    for edge in graph["edges"]:
        if edge["source"] not in position or edge["target"] not in position:
            continue
        x1, y1 = position[edge["source"]]
        x2, y2 = position[edge["target"]]
        sx, sy, tx, ty = x1 + NODE_W, y1 + NODE_H / 2, x2, y2 + NODE_H / 2
        if x2 <= x1:  # same or earlier column: go from the bottom edge
            sx, sy, tx, ty = x1 + NODE_W / 2, y1 + NODE_H, x2 + NODE_W / 2, y2
        dashed = (
            ' stroke-dasharray="5,3"'
            if edge.get("claim_status") in ("alleged", "disputed", "denied")
            else ""
        )
        parts.append(
            f'<line x1="{sx}" y1="{sy}" x2="{tx}" y2="{ty}" stroke="#374151" '
            f'stroke-width="1.5" marker-end="url(#arrow)"{dashed}/>'
        )
        label = edge["label"] + (f" ({edge['claim_status']})" if edge.get("claim_status") else "")
        parts.append(
            f'<text x="{(sx + tx) / 2}" y="{(sy + ty) / 2 - 6}" text-anchor="middle" '
            f'font-size="10" fill="#111827">{escape(label)}</text>'
        )
    for node in graph["nodes"]:
        x, y = position[node["id"]]
        fill = COLOURS.get(node["kind"], "#f3f4f6")
        parts.append(
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" fill="{fill}" '
            'stroke="#6b7280"/>'
        )
        lines = _wrap(node["label"])
        for index, line in enumerate(lines):
            dy = NODE_H / 2 + (index - (len(lines) - 1) / 2) * 14 + 4
            parts.append(
                f'<text x="{x + NODE_W / 2}" y="{y + dy}" text-anchor="middle">'
                f"{escape(line)}</text>"
            )
    parts.append("</svg>")
    return "\n".join(parts)


class GraphRenderer(renderers.JSONRenderer):
    """``?format=graph``: only the nodes and edges of the answer."""

    format = "graph"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and "graph" in data:
            data = data["graph"]
        return super().render(data, accepted_media_type, renderer_context)


class SVGRenderer(renderers.BaseRenderer):
    """``?format=svg``: the answer drawn as a picture."""

    media_type = "image/svg+xml"
    format = "svg"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not (isinstance(data, dict) and "graph" in data):
            message = escape(str(data))
            return (
                '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="40">'
                f'<text x="10" y="25" fill="#b91c1c">{message}</text></svg>'
            ).encode()
        return graph_to_svg(data["graph"], data.get("title", "")).encode(self.charset)

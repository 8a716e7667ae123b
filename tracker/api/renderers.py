"""CSV and JSON lines for every answer, so researchers can take the data to a spreadsheet or a
script. Whole lists stream through :mod:`tracker.api.export`."""

from __future__ import annotations

import csv
import io
import json

from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder


def flatten(value, prefix: str = "") -> dict[str, str]:
    """Nested objects become dotted columns; lists are joined with " | " per column."""
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list):
        columns: dict[str, list[str]] = {}
        for element in value:
            for key, text in flatten(element, prefix).items():
                columns.setdefault(key, []).append(text)
        return {key: " | ".join(texts) for key, texts in columns.items()} or {prefix: ""}
    return {prefix: "" if value is None else str(value)}


#: A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(text: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula, so it shows as text."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data]
        flat = [
            {key: defuse(text) for key, text in flatten(row).items()}
            if isinstance(row, dict)
            else {"value": defuse(str(row))}
            for row in rows
        ]
        header: list[str] = []
        for row in flat:
            header.extend(key for key in row if key not in header)
        buffer = io.StringIO()
        # CRLF as RFC 4180 says; it also makes the writer quote a cell holding a bare CR.
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(flat)
        return buffer.getvalue().encode(self.charset)


def json_line(value) -> str:
    return json.dumps(value, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":")) + "\n"


class JSONLinesRenderer(renderers.BaseRenderer):
    """JSON lines (one JSON value per line, ``application/x-ndjson``). Lists stream through
    :class:`~tracker.api.export.ExportMixin`; any other answer (a record, an error) is rendered
    here: a list as one line per element, anything else as one line."""

    media_type = "application/x-ndjson"
    format = "jsonl"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        return "".join(json_line(row) for row in rows).encode(self.charset)

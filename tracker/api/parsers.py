"""Request body parsers that refuse what would otherwise reach the code as a 500: JSON nested
deeper than any record needs (Python's decoder recurses), and NUL characters in any key or value
(PostgreSQL refuses them in text). Both answer 400; a NUL names the field that holds it."""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from .inputs import NUL, NUL_MESSAGE, check_query_text

#: No record is deeper than a list of objects inside an object; leave room, refuse the absurd.
MAX_JSON_DEPTH = 32


def _check_tree(data) -> None:
    """Walk the decoded document without recursion: depth and NUL characters."""
    errors: dict[str, list[str]] = {}
    stack = [(data, 1, None)]
    while stack:
        value, depth, top = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ParseError(f"JSON nested too deep (more than {MAX_JSON_DEPTH} levels).")
        if isinstance(value, dict):
            for key, item in value.items():
                name = top if top is not None else key.replace(NUL, "\\x00")
                if NUL in key:
                    errors[name] = [NUL_MESSAGE]
                stack.append((item, depth + 1, name))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, top) for item in value)
        elif isinstance(value, str) and NUL in value:
            errors[top if top is not None else "non_field_errors"] = [NUL_MESSAGE]
    if errors:
        raise ValidationError(errors)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a depth limit and NUL check."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
            data = json.loads(text, parse_constant=self._refuse_constant)
        except RecursionError:
            raise ParseError(f"JSON nested too deep (more than {MAX_JSON_DEPTH} levels).") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        _check_tree(data)
        return data

    @staticmethod
    def _refuse_constant(name):
        raise ValueError(f"{name} is not valid JSON")


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_query_text(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        check_query_text(result.data)
        return result

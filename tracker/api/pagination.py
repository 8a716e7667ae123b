"""Pagination of the API's lists, and counts that say when they are estimates.

- Large lists (transfers, evidence) page with keyset cursors (:class:`KeysetCursorPagination`,
  DRF's ``CursorPagination`` made exact under ties): every page, however deep, is one index range
  scan on a non-null sort key with the id as tie-break.
- Small lists keep page numbers (:class:`StrictPageNumberPagination`).

Both answer ``count`` with ``count_is_estimate``. A count is exact when it is cheap: on SQLite
always, on PostgreSQL when at most ``exact_count_limit`` rows match (counted with a bounded
query); past that it is PostgreSQL's planner estimate and ``count_is_estimate`` is true.
"""

from __future__ import annotations

import json
from base64 import b64decode, b64encode
from binascii import Error as Base64Error
from urllib import parse

from django.core.exceptions import EmptyResultSet
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

#: Past this many matching rows, PostgreSQL answers the planner's estimate instead of a count.
EXACT_COUNT_LIMIT = 1000


def planner_estimate(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of the number of rows ``queryset`` returns (no rows are read)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def bounded_count(queryset: QuerySet, *, limit: int = EXACT_COUNT_LIMIT) -> tuple[int, bool]:
    """``(count, is_estimate)``: the exact count when it is cheap, else the planner's estimate.

    On PostgreSQL the rows are counted only up to ``limit + 1`` (one bounded query); when more
    match, the answer is the planner's estimate (never below ``limit + 1``, which is known).
    Other databases (SQLite, the embedded default) count exactly."""
    ids = queryset.order_by().values("pk")
    if connections[queryset.db].vendor != "postgresql":
        return count_rows(ids), False
    counted = count_rows(ids[: limit + 1])
    if counted <= limit:
        return counted, False
    return max(planner_estimate(queryset), limit + 1), True


def count_rows(queryset: QuerySet) -> int:
    """``SELECT COUNT(*)`` over the rows of ``queryset`` (ids only, no joins for display).
    Written out rather than ``QuerySet.count()``, whose aggregation set-up walks the whole
    visibility condition again (tens of milliseconds of Python per page)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a condition no row can meet (``pk__in=[]``)
        return 0
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS counted", params)
        return cursor.fetchone()[0]


COUNT_SCHEMA = {
    "count": {
        "type": "integer",
        "example": 123,
        "description": "How many records match: exact unless count_is_estimate is true.",
    },
    "count_is_estimate": {
        "type": "boolean",
        "description": "True when count is the database's estimate (many records match and "
        "counting them exactly would be slow); false when it is exact.",
    },
}


class StrictPageNumberPagination(pagination.PageNumberPagination):
    """Page numbers for the small lists. A page number that is not a positive integer, or past
    the last page, answers 400; ``count`` is exact (``count_is_estimate`` is false)."""

    def get_page_number(self, request, paginator):
        text = request.query_params.get(self.page_query_param)
        if text is None or text in self.last_page_strings:
            return super().get_page_number(request, paginator)
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise ValidationError(
                {self.page_query_param: ["A page number is a positive integer (1, 2, ...)."]}
            )
        return text

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:  # DRF's answer to a page past the end
            raise ValidationError(
                {self.page_query_param: [f"There is no such page ({exc.detail})."]}
            ) from None

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_is_estimate": False,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"] = {**COUNT_SCHEMA, **answer["properties"]}
        answer["required"] = ["count", "count_is_estimate", "results"]
        return answer


class KeysetCursorPagination(pagination.CursorPagination):
    """Cursor pagination on ``(key, id)``: the view lists its sort keys in ``order_keys`` (the
    model's, each a non-null expression indexed with the id) and its default in ``ordering``;
    ``?ordering=`` picks one key (``-`` to reverse).

    A cursor is the position of a row: ``base64("k=<ordering>&p=<key value>&i=<id>")``, with
    ``r=1`` for "the page before". The next page holds the rows strictly after the last row
    shown, whatever rows share its key, so following ``next`` visits every row exactly once even
    under ties. A client may write a cursor itself to start at any position, e.g.
    ``k=-order_date&p=2005-06-01&i=0`` for the transfers ordered on or before 2005-06-01 (ids
    are positive, so ``i=0`` with a descending order starts at the first row of that date...
    ``i`` is compared after the key), or narrow the list with filters such as ``date_before``.
    """

    cursor_query_description = (
        "The position to continue from, as given in next/previous. It is "
        'base64("k=<ordering>&p=<sort key value>&i=<id>"): a client may write one to start '
        "at any position (rows strictly after it in the ordering)."
    )
    invalid_cursor_message = "Invalid cursor: use a next or previous link as given"
    exact_count_limit = EXACT_COUNT_LIMIT
    template = None  # the browsable API shows the links in the JSON

    def get_ordering(self, request, queryset, view):
        terms = super().get_ordering(request, queryset, view)
        keys = view.order_keys
        if len(terms) != 1 or terms[0].lstrip("-") not in keys:
            listing = ", ".join(sorted(keys))
            raise ValidationError(
                {
                    "ordering": [
                        "This list is ordered by one key at a time (prefix - to reverse), the "
                        f"id breaking ties. Accepted: {listing}."
                    ]
                }
            )
        return terms

    def _fail(self, why: str):
        raise ValidationError({self.cursor_query_param: [f"{self.invalid_cursor_message}: {why}."]})

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            text = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse.parse_qs(text, keep_blank_values=True, strict_parsing=True)
        except (UnicodeError, ValueError, Base64Error):
            self._fail("not a cursor")
        if set(tokens) - {"k", "p", "i", "r"} or not {"k", "p", "i"} <= set(tokens):
            self._fail("not a cursor")
        if any(len(values) != 1 for values in tokens.values()):
            self._fail("not a cursor")
        if tokens["k"][0] != self.term:
            self._fail(f"it continues the ordering {tokens['k'][0]}, not {self.term}")
        ident = tokens["i"][0]
        if not (ident.isascii() and ident.isdigit()) or int(ident) > 2**63 - 1:
            self._fail("i is not an id")
        try:
            value = self.key_field.to_python(tokens["p"][0])
        except (DjangoValidationError, ValueError, TypeError):
            self._fail(f"p is not a value of {self.term.lstrip('-')}")
        if value is None:
            self._fail(f"p is not a value of {self.term.lstrip('-')}")
        return pagination.Cursor(
            offset=0,
            reverse=tokens.get("r", ["0"])[0] == "1",
            position=(value, int(ident)),
        )

    def encode_cursor(self, cursor):
        value, ident = cursor.position
        tokens = {"k": self.term, "p": str(value), "i": str(ident)}
        if cursor.reverse:
            tokens["r"] = "1"
        encoded = b64encode(parse.urlencode(tokens).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        (self.term,) = self.get_ordering(request, queryset, view)
        name = self.term.lstrip("-")
        queryset = queryset.annotate(cursor_key=view.order_keys[name])
        self.key_field = queryset.query.annotations["cursor_key"].output_field
        self.cursor = self.decode_cursor(request)
        self.count, self.count_is_estimate = bounded_count(queryset, limit=self.exact_count_limit)

        reverse = self.cursor is not None and self.cursor.reverse
        descending = self.term.startswith("-") != reverse  # the direction rows are read in
        queryset = queryset.order_by(
            *(("-cursor_key", "-id") if descending else ("cursor_key", "id"))
        )
        if self.cursor is not None:
            after = TupleLessThan if descending else TupleGreaterThan
            queryset = queryset.filter(after(Tuple(F("cursor_key"), F("id")), self.cursor.position))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, self.cursor is not None
        return self.page

    def _position(self, row):
        return (row.cursor_key, row.pk)

    def get_next_link(self):
        if not self.has_next:
            return None
        if not self.page:  # the rows before a position were all deleted: start again
            return remove_query_param(self.base_url, self.cursor_query_param)
        cursor = pagination.Cursor(offset=0, reverse=False, position=self._position(self.page[-1]))
        return self.encode_cursor(cursor)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.page:
            return remove_query_param(self.base_url, self.cursor_query_param)
        cursor = pagination.Cursor(offset=0, reverse=True, position=self._position(self.page[0]))
        return self.encode_cursor(cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_is_estimate": self.count_is_estimate,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"] = {**COUNT_SCHEMA, **answer["properties"]}
        answer["required"] = ["count", "count_is_estimate", "results"]
        return answer

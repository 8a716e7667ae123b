"""Checks every API request passes before a view reads its input: 400 naming the parameter (or
404 for a key in the path), never 500 and never a silently ignored parameter.

- NUL characters: PostgreSQL refuses them in text ("A string literal cannot contain NUL"), so a
  query parameter, a path key or a body value holding one would reach the database as a 500.
  Query parameters and path keys are checked here (``InputCheckedMixin``), request bodies by the
  parsers (``tracker.api.parsers``).
- Unknown query parameters and unknown ``ordering`` values answer 400 listing what is accepted
  (``KnownParametersFilterBackend``, ``StrictOrderingFilter``); page numbers that name no page
  and cursors that are no cursor answer 400 too (``tracker.api.pagination``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

NUL = "\x00"
NUL_MESSAGE = "Null characters are not allowed."


def check_query_text(query_params) -> None:
    """400 naming every query parameter whose name or value holds a NUL character."""
    errors = {}
    for name, values in query_params.lists():
        if NUL in name or any(NUL in value for value in values):
            errors[name.replace(NUL, "\\x00")] = [NUL_MESSAGE]
    if errors:
        raise ValidationError(errors)


#: The largest id a database column holds (64-bit).
MAX_ID = 2**63 - 1


def is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID


def check_path_keys(kwargs: dict, id_kwarg: str | None = None) -> None:
    """A key holding a NUL character, or an id that is no id (``abc``, a number too large for the
    column), names no record: 404, as any other unknown key, before the database sees it."""
    if any(isinstance(value, str) and NUL in value for value in kwargs.values()):
        raise Http404("No record has this key.")
    if id_kwarg and id_kwarg in kwargs and not is_id(str(kwargs[id_kwarg])):
        raise Http404("No record has this id.")


def reject_unknown_parameters(query_params, accepted: Iterable[str]) -> None:
    """400 naming each query parameter the endpoint does not know, listing the accepted ones."""
    accepted = set(accepted) | {api_settings.URL_FORMAT_OVERRIDE}
    unknown = sorted(name for name in query_params if name not in accepted)
    if unknown:
        listing = ", ".join(sorted(accepted))
        raise ValidationError(
            {name: [f"Unknown query parameter. Accepted: {listing}."] for name in unknown}
        )


class InputCheckedMixin:
    """For every API view: NUL characters in query parameters (400) or path keys (404)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        lookup = getattr(self, "lookup_field", None)
        id_kwarg = getattr(self, "lookup_url_kwarg", None) or lookup
        check_path_keys(kwargs, id_kwarg if lookup in ("pk", "id") else None)
        check_query_text(request.query_params)


def _schema_parameter_names(component, view) -> set[str]:
    try:
        parameters = component.get_schema_operation_parameters(view)
    except (AttributeError, NotImplementedError):
        return set()
    return {parameter["name"] for parameter in parameters}


class KnownParametersFilterBackend(DjangoFilterBackend):
    """django-filter's backend that also refuses query parameters no part of the view documents:
    its FilterSet's filters, the other filter backends' parameters (``ordering``) and the
    paginator's (``page``)."""

    def filter_queryset(self, request, queryset, view):
        accepted: set[str] = set()
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            accepted |= set(filterset_class.base_filters)
        for backend in getattr(view, "filter_backends", ()):
            if not issubclass(backend, DjangoFilterBackend):
                accepted |= _schema_parameter_names(backend(), view)
        paginator = getattr(view, "paginator", None)
        if paginator is not None:
            accepted |= _schema_parameter_names(paginator, view)
        # Parameters of one action that are not filters (``?cascade=1`` on DELETE).
        accepted |= set(getattr(view, "action_parameters", {}).get(getattr(view, "action", ""), ()))
        reject_unknown_parameters(request.query_params, accepted)
        return super().filter_queryset(request, queryset, view)


class StrictOrderingFilter(filters.OrderingFilter):
    """``?ordering=`` with a field the view does not order by answers 400 listing the accepted
    ones (DRF's filter silently drops it)."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
        unknown = [term for term in fields if term.lstrip("-") not in valid]
        if unknown:
            listing = ", ".join(sorted(valid))
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Unknown ordering {', '.join(unknown)}. Accepted (prefix - to reverse): "
                        f"{listing}."
                    ]
                }
            )
        return [term for term in fields if term]

"""One error shape for the whole API: ``{"code": ..., "detail": ..., "fields": {...}}``."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from servicedesk.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = {
            "code": "invalid",
            "detail": str(_first_message(fields)),
            "fields": fields,
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else "error",
            "detail": str(exc.detail),
        }
    return response


def _first_message(fields) -> str:
    for value in fields.values() if isinstance(fields, dict) else [fields]:
        if isinstance(value, list | tuple) and value:
            first = value[0]
            return _first_message(first) if isinstance(first, dict) else str(first)
        if isinstance(value, dict):
            return _first_message(value)
        return str(value)
    return ""

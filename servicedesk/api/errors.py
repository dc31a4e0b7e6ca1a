"""One error shape for the whole API:
``{"code": ..., "detail": ..., "fields": {"items.0.product": [...]}, "request_id": ...}``.

``fields`` keys are dotted paths into the request body (list positions as numbers), however
deep the error: DRF's nested errors are flattened here and domain errors' ``[n]`` indices
rewritten, so a client handles one convention.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from servicedesk.errors import DomainError
from servicedesk.middleware import request_id

_INDEX = re.compile(r"\[(\d+)\]")


def field_key(path: str) -> str:
    """``targets[0].value`` -> ``targets.0.value``."""
    return _INDEX.sub(r".\1", path).lstrip(".")


def flatten_fields(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as ``{dotted path: [messages]}``."""
    flat: dict[str, list[str]] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list | tuple):
            if all(not isinstance(item, dict | list | tuple) for item in value):
                if value:
                    flat.setdefault(path or "non_field_errors", []).extend(map(str, value))
                return
            for index, item in enumerate(value):
                if isinstance(item, dict | list | tuple):
                    walk(item, f"{path}.{index}" if path else str(index))
                else:
                    flat.setdefault(path or "non_field_errors", []).append(str(item))
        else:
            flat.setdefault(path or "non_field_errors", []).append(str(value))

    walk(errors, prefix)
    return flat


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, DomainError):
        data = exc.as_dict()
        if "fields" in data:
            data["fields"] = {field_key(key): value for key, value in data["fields"].items()}
        return Response(_with_request_id(data, request), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_fields(exc.detail)
        response.data = {
            "code": "invalid",
            "detail": next((messages[0] for messages in fields.values() if messages), ""),
            "fields": fields,
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else "error",
            "detail": str(exc.detail),
            **getattr(exc, "extra", {}),
        }
    response.data = _with_request_id(response.data, request)
    return response


def _with_request_id(data: dict[str, Any], request) -> dict[str, Any]:
    if request is not None:
        data["request_id"] = request_id(request)
    return data

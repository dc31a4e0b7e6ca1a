"""Domain errors raised by services; the API and pages map them to 4xx responses.

Each carries a machine-readable ``code`` and a translated human ``message``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "invalid"
    status = 400

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "detail": str(self.message)}
        if self.fields:
            data["fields"] = {k: [str(m) for m in v] for k, v in self.fields.items()}
        data.update(self.extra)
        return data


class ValidationFailed(DomainError):
    code = "invalid"
    status = 400


class NotAllowed(DomainError):
    code = "permission_denied"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class InvalidTransition(Conflict):
    code = "invalid_transition"


class StaleVersion(Conflict):
    code = "stale_version"

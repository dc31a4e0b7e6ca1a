"""``Idempotency-Key`` on every POST: a retry gets the first response, never a duplicate.

A keyed POST runs in one transaction: reserve the key (a unique row per caller and key),
run the handler, store the response, commit once. A concurrent request with the same key
waits on the unique index until the first commits, then replays its response; a different
body under a used key is 422. An unhandled error rolls everything back, key included.
"""

from __future__ import annotations

import hashlib
import json

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from servicedesk.models import ApiToken, IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 200


class IdempotencyError(APIException):
    def __init__(self, status_code: int, code: str, detail) -> None:
        self.status_code = status_code
        super().__init__(detail=detail, code=code)


class _Replay(Exception):
    def __init__(self, record: IdempotencyRecord) -> None:
        self.record = record


def _owner(request) -> str:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    return f"user:{request.user.pk}"


def _body_hash(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.path.encode())
    content_type = request.content_type or ""
    if content_type.startswith("multipart/") or content_type.startswith(
        "application/x-www-form-urlencoded"
    ):
        items = sorted((k, str(v)) for k, v in request.data.items())
        digest.update(json.dumps(items).encode())
        for name, upload in sorted(request.FILES.items()):
            digest.update(name.encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _reserve(record: IdempotencyRecord) -> IdempotencyRecord | None:
    """Insert the key's row, or None when the caller already used the key.

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: one statement, no savepoint. A
    concurrent insert of the same key waits on the unique index until the first
    transaction ends; if that one committed, nothing is inserted here and the caller reads
    and replays its row, if it rolled back, this insert goes ahead.
    """
    fields = ["owner_key", "key", "method", "path", "body_hash", "created_at"]
    opts = IdempotencyRecord._meta
    qn = connection.ops.quote_name
    columns = [opts.get_field(name).column for name in fields]
    sql = (
        f"INSERT INTO {qn(opts.db_table)} ({', '.join(map(qn, columns))}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({qn('owner_key')}, {qn('key')}) DO NOTHING RETURNING {qn(opts.pk.column)}"
    )
    params = [
        opts.get_field(name).get_db_prep_save(getattr(record, name), connection) for name in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    record.pk = row[0]
    record._state.adding = False
    return record


class IdempotentMixin:
    """Mix into an APIView/ViewSet to make its POSTs idempotent under ``Idempotency-Key``."""

    _idempotency_record: IdempotencyRecord | None = None

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and request.META.get(HEADER):
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self._idempotency_record = None
        key = request.META.get(HEADER)
        if request.method != "POST" or not key:
            return
        if len(key) > MAX_KEY_LENGTH:
            raise IdempotencyError(
                400,
                "invalid_idempotency_key",
                _("The Idempotency-Key is longer than 200 characters."),
            )
        body_hash = _body_hash(request)
        owner = _owner(request)
        reserved = _reserve(
            IdempotencyRecord(
                owner_key=owner,
                key=key,
                method=request.method,
                path=request.path,
                body_hash=body_hash,
                created_at=timezone.now(),
            )
        )
        if reserved is not None:
            self._idempotency_record = reserved
            return
        record = IdempotencyRecord.objects.get(owner_key=owner, key=key)
        if record.body_hash != body_hash:
            raise IdempotencyError(
                422,
                "idempotency_key_reused",
                _("This Idempotency-Key was already used with a different request."),
            )
        if record.status_code is None:
            raise IdempotencyError(
                409,
                "idempotency_in_progress",
                _("A request with this Idempotency-Key is still being processed."),
            )
        raise _Replay(record)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            response = Response(exc.record.response_body, status=exc.record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        record = self._idempotency_record
        if record is not None:
            self._idempotency_record = None
            if response.status_code >= status.HTTP_500_INTERNAL_SERVER_ERROR:
                transaction.set_rollback(True)
            else:
                record.status_code = response.status_code
                record.response_body = getattr(response, "data", None)
                record.save(update_fields=["status_code", "response_body"])
        return response

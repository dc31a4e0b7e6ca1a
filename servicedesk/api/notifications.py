"""The caller's own notifications and notification preferences (docs/NOTIFICATIONS.md).

Everything here is the signed-in user's: the queryset is filtered by ``request.user``, so
another user's notification is a 404 and cannot be marked read.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.filters import StrictBooleanFilter
from servicedesk.api.openapi import ERRORS
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.serializers import InputSerializer, OutputSerializer
from servicedesk.api.versions import validated
from servicedesk.errors import ValidationFailed
from servicedesk.models import Notification, NotificationChannel
from servicedesk.notifications import (
    UNREAD_CAP,
    PreferenceError,
    notification_list,
    notification_mark_read,
    preferences_of,
    preferences_set,
    unread_count,
)


class NotificationSerializer(OutputSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "topic", "subject", "text", "url", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_unread(self, obj: Notification) -> bool:
        return obj.read_at is None


class MarkReadSerializer(InputSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=200,
        help_text=_("The notifications to mark read; leave out with all=true."),
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("all") == ("ids" in attrs):
            raise serializers.ValidationError(
                {"ids": [_("Send either ids or all=true, not both or neither.")]}
            )
        return attrs


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class UnreadSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text=f"Counted up to {UNREAD_CAP}.")
    capped = serializers.BooleanField(help_text=f"True when there are {UNREAD_CAP} or more.")


class PreferenceSerializer(serializers.Serializer):
    topic = serializers.CharField()
    label = serializers.CharField()
    mandatory = serializers.BooleanField()
    channel = serializers.ChoiceField(choices=NotificationChannel.choices)


class PreferenceChoiceSerializer(InputSerializer):
    topic = serializers.CharField(max_length=60)
    channel = serializers.ChoiceField(choices=NotificationChannel.choices)


class PreferencesInputSerializer(InputSerializer):
    preferences = PreferenceChoiceSerializer(many=True, max_length=50, allow_empty=False)


class NotificationFilter(django_filters.FilterSet):
    unread = StrictBooleanFilter(
        label=_("Unread"), method="filter_unread", help_text=_("true: only unread ones.")
    )

    class Meta:
        model = Notification
        fields: list[str] = []

    def filter_unread(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(read_at__isnull=value)


class NewestFirst(CursorPagination):
    ordering = "-id"


@extend_schema_view(
    list=extend_schema(summary="My notifications, newest first (e.g. ?unread=true)"),
    retrieve=extend_schema(summary="One of my notifications"),
)
class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NotificationSerializer
    pagination_class = NewestFirst
    filterset_class = NotificationFilter
    queryset = Notification.objects.none()

    def get_queryset(self) -> QuerySet[Notification]:
        return notification_list(self.request.user)

    @extend_schema(
        summary="How many of my notifications are unread (the header's badge)",
        responses={200: UnreadSerializer, **ERRORS},
    )
    @action(detail=False, methods=["get"], url_path="unread-count", filter_backends=[])
    def unread_count(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        count = unread_count(request.user)
        return Response({"unread": count, "capped": count >= UNREAD_CAP})

    @extend_schema(
        summary="Mark notifications read: the given ids, or all",
        request=MarkReadSerializer,
        responses={200: MarkReadResultSerializer, **ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="read", filter_backends=[])
    def mark_read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(MarkReadSerializer, request, self)
        ids = None if data.get("all") else data["ids"]
        marked = notification_mark_read(request.user, ids)
        return Response({"marked": marked, "unread": unread_count(request.user)})

    @extend_schema(
        methods=["GET"],
        summary="My notification preferences: one channel per event type",
        request=None,
        responses={200: PreferenceSerializer(many=True), **ERRORS},
    )
    @extend_schema(
        methods=["PUT"],
        summary="Choose channels per event type (email, in_app, off; mandatory ones stay email)",
        request=PreferencesInputSerializer,
        responses={200: PreferenceSerializer(many=True), **ERRORS},
    )
    @action(
        detail=False,
        methods=["get", "put"],
        url_path="preferences",
        filter_backends=[],
        pagination_class=None,
    )
    def preferences(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if request.method == "PUT":
            data = validated(PreferencesInputSerializer, request, self)
            choices = {row["topic"]: row["channel"] for row in data["preferences"]}
            try:
                return Response(preferences_set(request.user, choices))
            except PreferenceError as exc:
                raise ValidationFailed(
                    _("Some preferences cannot be set."), fields=exc.errors
                ) from None
        return Response(preferences_of(request.user))

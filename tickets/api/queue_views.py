"""Queue views through the API: the default views and one's saved views with their counts;
saving and deleting a view. Staff only; the tickets of a view are
``GET /api/v1/tickets/?view=<key>`` (default) or ``?<query>`` (saved)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.openapi import write_errors
from servicedesk.api.parsers import JSONParser
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaff
from servicedesk.api.serializers import InputSerializer
from servicedesk.api.versions import validated
from servicedesk.models import Team

from .. import selectors, services
from ..models import SavedView
from ..queue_views import views_for


class QueueViewSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="`mine`, `team`, ... or `saved-<id>`.")
    id = serializers.IntegerField(allow_null=True, help_text="A saved view's id; null: default.")
    name = serializers.CharField()
    query = serializers.CharField(
        help_text="The ticket list's filter: GET /api/v1/tickets/?<query>."
    )
    team = serializers.IntegerField(
        allow_null=True, help_text="The service group a saved view is shared with; null: private."
    )
    mine = serializers.BooleanField(help_text="A saved view of the caller's own.")
    count = serializers.IntegerField(
        allow_null=True,
        help_text="Tickets in the view now; a saved view's count stops at 1000; null: not counted.",
    )


class SavedViewCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=80)
    query = serializers.CharField(
        max_length=1000,
        allow_blank=True,
        help_text="The filter as a query string of the ticket list, e.g. `status=new&severity=L1`.",
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )


def _saved_row(item: Any, user: Any, count: int | None) -> dict[str, Any]:
    return {
        "key": f"saved-{item.pk}",
        "id": item.pk,
        "name": item.name,
        "query": item.query,
        "team": item.team_id,
        "mine": item.owner_id == user.pk,
        "count": count,
    }


class QueueViewList(generics.GenericAPIView):
    permission_classes = [IsAuthenticatedWithScope, IsStaff]
    parser_classes = [JSONParser]
    serializer_class = QueueViewSerializer
    pagination_class = None
    queryset = SavedView.objects.none()  # for the schema: the rows come from the selectors

    @extend_schema(summary="Queue views and their counts", responses=QueueViewSerializer(many=True))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        saved = list(selectors.saved_views_for(user))
        counts = selectors.view_counts(user, saved)
        rows = [
            {
                "key": view.key,
                "id": None,
                "name": str(view.label),
                "query": f"view={view.key}",
                "team": None,
                "mine": False,
                "count": counts.get(view.key),
            }
            for view in views_for(user)
        ]
        rows += [_saved_row(item, user, counts.get(f"saved-{item.pk}")) for item in saved]
        return Response(QueueViewSerializer(rows, many=True).data)

    @extend_schema(
        summary="Save a named queue view (private, or shared with a service group)",
        request=SavedViewCreateSerializer,
        responses={201: QueueViewSerializer, **write_errors("Not used.")},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(SavedViewCreateSerializer, request, self)
        item = services.saved_view_create(
            actor=request.user,
            name=data["name"],
            params=QueryDict(data["query"]),
            team=data["team"],
        )
        row = _saved_row(item, request.user, None)
        return Response(QueueViewSerializer(row).data, status=status.HTTP_201_CREATED)


class SavedViewDetail(generics.GenericAPIView):
    permission_classes = [IsAuthenticatedWithScope, IsStaff]
    serializer_class = QueueViewSerializer
    queryset = SavedView.objects.none()

    @extend_schema(summary="Delete a saved view of one's own", responses={204: None})
    def delete(self, request: Request, pk: int, *args: Any, **kwargs: Any) -> Response:
        services.saved_view_delete(pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

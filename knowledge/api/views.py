"""The knowledge API: articles (list, search, detail, create, edit, transitions) and
feedback. Thin views over ``knowledge.selectors`` (the one visibility rule: customers read
published public articles for their products; anything else is a 404) and
``knowledge.services`` (writes: staff who may draft; publishing: engineers and managers).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.filters import FilterBackend, TextFilter
from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.openapi import ERRORS, IDEMPOTENCY_KEY, write_errors
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.versions import validated
from servicedesk.errors import ValidationFailed

from .. import selectors, services
from ..choices import ArticleStatus, Audience
from ..models import Article
from .serializers import (
    ArticleCreateSerializer,
    ArticleListSerializer,
    ArticleSerializer,
    ArticleTransitionSerializer,
    ArticleUpdateSerializer,
    DeflectionCreateSerializer,
    DeflectionSerializer,
    FeedbackSerializer,
)

ARTICLE_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Article id."
)
WRITE_ERRORS = write_errors("invalid_transition, article_not_editable or article_not_published.")
SOLVED_ERRORS = write_errors("article_not_published.")
SEARCH_LIMIT = 20


class NewestFirstPagination(CursorPagination):
    ordering = "-id"


class ArticleFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ArticleStatus.choices, label=_("Status"))
    audience = django_filters.ChoiceFilter(choices=Audience.choices, label=_("Audience"))
    language = django_filters.ChoiceFilter(choices=settings.LANGUAGES, label=_("Language"))
    q = TextFilter(method="search", max_length=200, label=_("Search"))

    class Meta:
        model = Article
        fields: list[str] = []

    def search(self, queryset, name: str, value: str):
        return selectors.text_filter(queryset, value)


class ArticleViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Articles the caller may read: staff every article; customers published public ones
    (those limited to products: only for a product their organization's contracts cover)."""

    serializer_class = ArticleSerializer
    pagination_class = NewestFirstPagination
    filter_backends = [FilterBackend]
    filterset_class = ArticleFilter

    def get_queryset(self):
        return selectors.articles_for(self.request.user)

    def _respond(self, article: Article, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.article_get_for(self.request.user, article.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        summary="Articles (知识库), newest first",
        description="`q`: every word must occur in the title, problem, cause, solution or tags "
        "(substrings, so Chinese text matches without spaces); ordered by id for paging. "
        "For the best matches first, use `/articles/search/`.",
        responses={200: ArticleListSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ArticleListSerializer(page, many=True).data)

    @extend_schema(
        summary="Search published articles, best matches first",
        description="At most 20 published articles the caller may read holding every word of "
        "`q`: title matches first, then the most helpful, then the newest. An empty `q` "
        "lists nothing.",
        parameters=[
            OpenApiParameter(
                "q", {"type": "string", "maxLength": 200}, OpenApiParameter.QUERY, required=True
            )
        ],
        responses={200: ArticleListSerializer(many=True), **ERRORS},
    )
    def search(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = request.query_params.get("q", "")
        if len(query) > selectors.SEARCH_MAX_LENGTH:
            message = _("At most %(limit)d characters.") % {"limit": selectors.SEARCH_MAX_LENGTH}
            raise ValidationFailed(message, fields={"q": [message]})
        rows: list[Article] = []
        if selectors.search_terms(query):
            rows = list(
                selectors.article_search(
                    request.user, query, published_only=True, limit=SEARCH_LIMIT
                )
            )
        return Response(ArticleListSerializer(rows, many=True).data)

    @extend_schema(
        summary="One article",
        parameters=[ARTICLE_ID],
        responses={200: ArticleSerializer, **ERRORS},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(selectors.article_get_for(request.user, kwargs["pk"]))

    @extend_schema(
        summary="Write an article (a draft)",
        description="Agents, engineers, managers, admins. Internal unless `audience` says "
        "public; the language defaults to the request's.",
        parameters=[IDEMPOTENCY_KEY],
        request=ArticleCreateSerializer,
        responses={201: ArticleSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(ArticleCreateSerializer, request, self)
        article = services.article_create(actor=request.user, **data)
        return self._respond(article, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit an article (draft or in review)",
        description="Only the fields sent change; `products` is the whole new list. A "
        "published article is moved back to draft first (409 `article_not_editable`).",
        parameters=[ARTICLE_ID, IDEMPOTENCY_KEY],
        request=ArticleUpdateSerializer,
        responses={200: ArticleSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = selectors.article_get_for(request.user, kwargs["pk"])
        changes = validated(ArticleUpdateSerializer, request, self)
        return self._respond(services.article_update(article, actor=request.user, changes=changes))

    @extend_schema(
        summary="Move an article through its lifecycle",
        description="draft → in_review (authors) → published (engineers, managers) → "
        "archived; in_review → draft sends it back; published → draft takes it down for an "
        "edit. Another step is 409 with the allowed targets.",
        parameters=[ARTICLE_ID, IDEMPOTENCY_KEY],
        request=ArticleTransitionSerializer,
        responses={200: ArticleSerializer, **WRITE_ERRORS},
    )
    def transition(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = selectors.article_get_for(request.user, kwargs["pk"])
        data = validated(ArticleTransitionSerializer, request, self)
        article = services.article_transition(
            article, actor=request.user, to_status=data["status"], note=data["note"]
        )
        return self._respond(article)

    @extend_schema(
        summary="Was this article helpful?",
        description="One vote per reader on a published article; voting again replaces it.",
        parameters=[ARTICLE_ID, IDEMPOTENCY_KEY],
        request=FeedbackSerializer,
        responses={200: ArticleSerializer, **WRITE_ERRORS},
    )
    def feedback(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = selectors.article_get_for(request.user, kwargs["pk"])
        data = validated(FeedbackSerializer, request, self)
        article = services.article_feedback(article, actor=request.user, helpful=data["helpful"])
        return self._respond(article)

    @extend_schema(
        summary="This solved my problem (a request avoided)",
        description="Customers only (403 for staff), on a published article they may read "
        "(404 otherwise), as the portal's new-request form does: no ticket is created, the "
        "article counts one request avoided. Counted once per article and `draft` key: "
        "201 the first time, 200 with the same deflection (`counted` false) after.",
        parameters=[ARTICLE_ID, IDEMPOTENCY_KEY],
        request=DeflectionCreateSerializer,
        responses={201: DeflectionSerializer, 200: DeflectionSerializer, **SOLVED_ERRORS},
    )
    def solved(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = selectors.article_get_for(request.user, kwargs["pk"])
        data = validated(DeflectionCreateSerializer, request, self)
        deflection, counted = services.deflection_record(
            article, actor=request.user, query=data["query"], key=data["draft"]
        )
        deflection.counted = counted
        return Response(
            DeflectionSerializer(deflection).data,
            status=status.HTTP_201_CREATED if counted else status.HTTP_200_OK,
        )

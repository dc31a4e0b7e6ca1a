"""Serializers of the knowledge API: what a client may send kept apart from what it gets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from servicedesk.api.serializers import (
    InputSerializer,
    OutputSerializer,
    ProductRefSerializer,
)
from servicedesk.models import Product
from servicedesk.permissions import is_staff_user

from ..choices import ArticleStatus, Audience
from ..models import Article, Deflection
from ..services import DEFLECTION_KEY_LIMIT, TEXT_LIMITS


class ArticleListSerializer(OutputSerializer):
    class Meta:
        model = Article
        fields = ["id", "title", "language", "audience", "status", "tags"]
        fields += ["helpful_count", "not_helpful_count", "updated_at", "published_at"]
        read_only_fields = fields


class ArticleSerializer(OutputSerializer):
    products = ProductRefSerializer(many=True, read_only=True)
    source_ticket = serializers.SlugRelatedField(
        slug_field="number",
        read_only=True,
        allow_null=True,
        help_text="Staff only: the ticket the article was drafted from (null for customers).",
    )

    class Meta:
        model = Article
        fields = ["id", "title", "problem", "cause", "solution", "tags", "language"]
        fields += ["translation_of", "audience", "status", "products", "source_ticket", "author"]
        fields += ["helpful_count", "not_helpful_count", "deflection_count"]
        fields += ["created_at", "updated_at", "published_at"]
        read_only_fields = fields

    def to_representation(self, instance: Article) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not is_staff_user(getattr(request, "user", None)):
            # the source ticket may be another organization's; the author is staff's business
            data["source_ticket"] = None
            data["author"] = None
        return data


def _text(name: str, *, required: bool) -> serializers.CharField:
    return serializers.CharField(
        max_length=TEXT_LIMITS[name], required=required, allow_blank=not required
    )


class ArticleCreateSerializer(InputSerializer):
    title = _text("title", required=True)
    problem = _text("problem", required=True)
    cause = _text("cause", required=False)
    solution = _text("solution", required=True)
    tags = _text("tags", required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    audience = serializers.ChoiceField(choices=Audience.choices, default=Audience.INTERNAL)
    products = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), many=True, required=False
    )
    translation_of = serializers.PrimaryKeyRelatedField(
        queryset=Article.objects.all(),
        required=False,
        allow_null=True,
        help_text="The original article this one translates.",
    )


class ArticleUpdateSerializer(InputSerializer):
    title = _text("title", required=False)
    problem = _text("problem", required=False)
    cause = _text("cause", required=False)
    solution = _text("solution", required=False)
    tags = _text("tags", required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    products = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), many=True, required=False
    )
    translation_of = serializers.PrimaryKeyRelatedField(
        queryset=Article.objects.all(), required=False, allow_null=True
    )


class ArticleTransitionSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=ArticleStatus.choices)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class FeedbackSerializer(InputSerializer):
    helpful = serializers.BooleanField()


class DeflectionCreateSerializer(InputSerializer):
    draft = serializers.CharField(
        max_length=DEFLECTION_KEY_LIMIT,
        help_text="The client's key of the request being written (e.g. a UUID per new-request "
        "draft): the same article and key count once.",
    )
    query = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="What the customer had typed (the request's title).",
    )


class DeflectionSerializer(OutputSerializer):
    counted = serializers.BooleanField(
        read_only=True,
        help_text="True if this call counted the request avoided; false if the same draft "
        "key had already counted it (the first deflection is returned).",
    )

    class Meta:
        model = Deflection
        fields = ["id", "article", "query", "created_at", "counted"]
        read_only_fields = fields

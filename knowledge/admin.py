"""Django admin for the knowledge base: read-only, since every change writes its audit event
through ``knowledge.services`` (the knowledge pages and the API)."""

from __future__ import annotations

from django.contrib import admin

from servicedesk.admin import ReadOnlyAdmin

from .models import Article, ArticleEvent, ArticleFeedback, Deflection


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ["title", "language", "status", "audience", "helpful_count", "updated_at"]
    list_filter = ["status", "audience", "language"]
    search_fields = ["title"]
    raw_id_fields = ["translation_of", "source_ticket"]


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ReadOnlyAdmin):
    list_display = ["article", "user", "helpful", "created_at"]
    raw_id_fields = ["article"]


@admin.register(Deflection)
class DeflectionAdmin(ReadOnlyAdmin):
    list_display = ["article", "organization", "query", "created_at"]
    raw_id_fields = ["article"]


@admin.register(ArticleEvent)
class ArticleEventAdmin(ReadOnlyAdmin):
    list_display = ["article", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["article"]

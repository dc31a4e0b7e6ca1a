"""The knowledge base (知识库): troubleshooting articles drafted from resolved tickets,
reviewed, published to customers or kept for staff; the feedback and deflections they earn.

Writes go through ``knowledge.services`` only; reads through ``knowledge.selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.events import AuditEvent
from servicedesk.models import Organization, Product

from .choices import ArticleStatus, Audience


class Article(models.Model):
    """One troubleshooting article in one language; its other-language version points to
    the same original through ``translation_of``."""

    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"))
    cause = models.TextField(_("cause"), blank=True)
    solution = models.TextField(_("solution"))
    tags = models.CharField(_("tags"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    translation_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name=_("translation of"),
    )
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.INTERNAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    products = models.ManyToManyField(
        Product,
        blank=True,
        related_name="+",
        verbose_name=_("products"),
        help_text=_("Customers see the article only if they have one of these; none: everyone."),
    )
    source_ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("drafted from ticket"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    # lower-cased title, problem, cause, solution and tags: what search reads (written by
    # the services; SQLite scans it, PostgreSQL indexes its tokens in ``ArticleSearch``)
    search_text = models.TextField(editable=False, default="")
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)
    deflection_count = models.PositiveIntegerField(_("requests avoided"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            # PostgreSQL only (the migration skips it elsewhere): trigrams of the title for the
            # similar-title check
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="article_title_trgm"),
            models.Index(fields=["status", "audience"], name="article_status_audience"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["translation_of", "language"], name="article_one_translation_per_language"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ArticleSearch(models.Model):
    """The narrow row a search reads (PostgreSQL only; no rows on other databases): one per
    article, its vector and its helpful count, and nothing else.

    The vector (``knowledge.search.lexemes``) holds the text's tokens and the marks of the
    title, status, audience and products, so the GIN index alone answers a customer's
    search with its visibility rule; ranking reads these rows (~60 bytes each, the vector
    in TOAST storage), not the articles. Written by ``knowledge.services`` in the
    transaction of every change to the article's text, status, audience, products or
    helpful votes (``knowledge.postgres.search_rows_write``)."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    vector = SearchVectorField()
    helpful_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [GinIndex(fields=["vector"], name="article_search_row_vector")]

    def __str__(self) -> str:
        return str(self.article_id)


class ArticleFeedback(models.Model):
    """One reader's vote on an article (helpful or not); voting again replaces it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField(_("helpful"))
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="article_feedback_once")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.user_id} {self.helpful}"


class Deflection(models.Model):
    """A request the customer did not submit because an article solved the problem."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    query = models.CharField(_("what the customer typed"), max_length=200, blank=True)
    # the request being written when the article solved it: the portal's session key, or the
    # API client's draft key; one deflection per article, customer and key
    key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user", "key"],
                condition=~models.Q(key=""),
                name="deflection_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.created_at:%Y-%m-%d}"


class ArticleEvent(AuditEvent):
    """Append-only audit trail of an article: created, edited (old -> new), transitions."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["article", "created_at"], name="article_event_time")]

    def __str__(self) -> str:
        return f"{self.article_id} {self.kind}"

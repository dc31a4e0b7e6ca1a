"""Reads of the knowledge base for pages, API and reports.

Visibility (one rule, ``articles_for``): staff see every article in every status; a customer
sees published public articles, and of those limited to products only the ones for a
product their organization's current contracts cover. Anything else is a 404, exactly as if
it did not exist. Anonymous users and other roles see nothing.

Search (``article_search``): every whitespace-separated term must occur in the article's
title, problem, cause, solution or tags. On PostgreSQL through the full-text index of
``search_vector``, tokenized by ``knowledge.search`` so that Chinese text, which has no
spaces for PostgreSQL's parser to split words on, is found by any substring of two or more
characters; elsewhere (SQLite, the embedded default) an ``icontains`` scan of
``search_text``. When nothing matches, ``article_similar_titles`` offers titles that look
alike (trigrams, ``pg_trgm``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery, TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext as _

from releases.selectors import covered_products
from servicedesk.errors import NotFound
from servicedesk.ids import parse_id
from servicedesk.permissions import is_customer_user, is_staff_user

from . import search
from .choices import ArticleStatus, Audience
from .models import Article, ArticleFeedback, Deflection

SEARCH_MAX_TERMS = 5
SEARCH_MAX_LENGTH = 200


def _visibility_q(user: Any) -> Q | None:
    """None for staff (everything); the customer's rule; nothing for anyone else."""
    if is_staff_user(user):
        return None
    if not is_customer_user(user):
        return Q(pk__in=[])
    links = Article.products.through.objects.filter(article_id=OuterRef("pk"))
    covered = covered_products(user).values("pk")
    return Q(status=ArticleStatus.PUBLISHED, audience=Audience.PUBLIC) & (
        ~Exists(links) | Exists(links.filter(product_id__in=covered))
    )


def articles_for(user: Any) -> QuerySet[Article]:
    """Articles the user may read, newest first."""
    rows = Article.objects.order_by("-updated_at", "-id")
    visible = _visibility_q(user)
    return rows if visible is None else rows.filter(visible)


def article_get_for(user: Any, pk: Any) -> Article:
    article_id = parse_id(pk)
    if article_id is None:
        raise NotFound(_("Article not found."))
    try:
        return articles_for(user).select_related("author", "source_ticket").get(pk=article_id)
    except Article.DoesNotExist:
        raise NotFound(_("Article not found.")) from None


def search_terms(query: str) -> list[str]:
    """The lower-cased terms of ``query`` (at most five, the query cut to 200 characters)."""
    return (query or "")[:SEARCH_MAX_LENGTH].lower().split()[:SEARCH_MAX_TERMS]


def text_filter(rows: QuerySet[Article], query: str) -> QuerySet[Article]:
    """``rows`` holding every term of ``query`` (all of them if it has none).

    PostgreSQL: the full-text index over ``search_vector`` (``knowledge.search``: Chinese
    terms as phrases of character pairs, other words as prefixes). Elsewhere: every term
    is a substring of ``search_text`` (``icontains``, a scan)."""
    terms = search_terms(query)
    if not terms:
        return rows
    if connection.vendor == "postgresql":
        raw = search.tsquery(terms)
        if raw is None:  # punctuation only: nothing to look for
            return rows.none()
        return rows.filter(search_vector=SearchQuery(raw, search_type="raw", config="simple"))
    for term in terms:
        rows = rows.filter(search_text__icontains=term)
    return rows


def article_search(user: Any, query: str, *, published_only: bool = False) -> QuerySet[Article]:
    """Articles the user may read whose text holds every term of ``query``: title matches
    first, then the most helpful, then the newest. An empty query matches everything."""
    rows = articles_for(user)
    if published_only:
        rows = rows.filter(status=ArticleStatus.PUBLISHED)
    terms = search_terms(query)
    if not terms:
        return rows
    return (
        text_filter(rows, query)
        .annotate(
            in_title=Case(
                When(title__icontains=terms[0], then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-in_title", "-helpful_count", "-id")
    )


def article_similar_titles(user: Any, query: str, *, limit: int = 5) -> list[Article]:
    """Published articles the user may read whose title resembles ``query`` (a typo, another
    word form): the fallback when ``article_search`` finds nothing. PostgreSQL's trigram
    word similarity over the title's trigram index; nothing elsewhere."""
    text = " ".join(search_terms(query))
    if connection.vendor != "postgresql" or len(text) < 3:
        return []
    similar = TrigramWordSimilar(F("title"), Value(text))  # title %> text: the trigram index
    rows = articles_for(user).filter(similar, status=ArticleStatus.PUBLISHED)
    return list(
        rows.annotate(score=TrigramWordSimilarity(text, "title")).order_by("-score", "-id")[:limit]
    )


def article_translations(article: Article) -> list[Article]:
    """The article's other-language versions (siblings and the original), any status: the
    caller filters by what the user may read."""
    root = article.translation_of_id or article.pk
    return list(
        Article.objects.filter(Q(pk=root) | Q(translation_of_id=root))
        .exclude(pk=article.pk)
        .only("id", "title", "language", "status", "audience")
    )


def feedback_of(user: Any, article: Article) -> bool | None:
    """The user's vote on the article (True helpful, False not), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        ArticleFeedback.objects.filter(article=article, user=user)
        .values_list("helpful", flat=True)
        .first()
    )


def deflection_counts(period: Any, scope: Any = None) -> dict[str, int]:
    """What the knowledge base saved in ``period`` (anything with aware ``start`` and
    exclusive ``end``, e.g. ``reports.periods.Period``): requests not submitted because an
    article solved them, and the helpful / not helpful votes cast.

    ``scope`` (e.g. ``reports.scope.Scope``) narrows by its ``organization`` (the customer's
    deflections and votes) and ``product`` (articles about that product); other scope fields
    (service group, engineer, channel...) do not apply to articles and are ignored. The
    permission step is the caller's (``Scope.for_user``)."""
    deflections = Deflection.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    votes = ArticleFeedback.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    organization = getattr(scope, "organization", None)
    if organization:
        deflections = deflections.filter(organization_id=organization)
        votes = votes.filter(user__organization_id=organization)
    product = getattr(scope, "product", None)
    if product:
        deflections = deflections.filter(article__products=product)
        votes = votes.filter(article__products=product)
    counted = votes.values("helpful").order_by().annotate(n=Count("id"))
    by_vote = {row["helpful"]: row["n"] for row in counted}
    return {
        "deflections": deflections.count(),
        "helpful": by_vote.get(True, 0),
        "not_helpful": by_vote.get(False, 0),
    }

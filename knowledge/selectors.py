"""Reads of the knowledge base for pages, API and reports.

Visibility (one rule, ``articles_for``): staff see every article in every status; a customer
sees published public articles, and of those limited to products only the ones for a
product their organization's current contracts cover. Anything else is a 404, exactly as if
it did not exist. Anonymous users and other roles see nothing.

Search (``article_search``): every whitespace-separated term must occur in the article's
title, problem, cause, solution or tags. On PostgreSQL through the full-text index of the
narrow search rows (``ArticleSearch``), tokenized by ``knowledge.search`` so that Chinese
text, which has no spaces for PostgreSQL's parser to split words on, is found by any
substring of two or more characters, and marked with the status and with what customers
may read, so that the index applies the visibility rule too; elsewhere (SQLite, the
embedded default) an ``icontains`` scan of ``search_text``. When nothing matches,
``article_similar_titles`` offers titles that look alike (trigrams, ``pg_trgm``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    BooleanField,
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
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from releases.selectors import covered_products, covered_q
from servicedesk.errors import NotFound
from servicedesk.ids import parse_id
from servicedesk.models import Product
from servicedesk.permissions import is_customer_user, is_staff_user

from . import search
from .choices import ArticleStatus, Audience
from .models import Article, ArticleFeedback, Deflection

SEARCH_MAX_TERMS = 5
SEARCH_MAX_LENGTH = 200
SEARCH_LIMIT = 50


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


def _tsquery_filter(tsquery: str) -> RawSQL:
    # the tsquery as a subquery: the planner keeps the GIN index whatever the words (_wanted)
    return RawSQL(
        "SELECT article_id FROM knowledge_articlesearch WHERE vector @@ (SELECT %s::tsquery)",
        [tsquery],
    )


def text_filter(rows: QuerySet[Article], query: str) -> QuerySet[Article]:
    """``rows`` holding every term of ``query`` (all of them if it has none).

    PostgreSQL: the full-text index of the search rows (``knowledge.search``: Chinese terms
    as character pairs, other words as prefixes). Elsewhere: every term is a substring of
    ``search_text`` (``icontains``, a scan)."""
    terms = search_terms(query)
    if not terms:
        return rows
    if connection.vendor == "postgresql":
        raw = search.match_query(terms)
        if raw is None:  # punctuation only: nothing to look for
            return rows.none()
        return rows.filter(pk__in=_tsquery_filter(raw))
    for term in terms:
        rows = rows.filter(search_text__icontains=term)
    return rows


# The best ``limit`` matches: those whose title holds the first term, then the others, each
# by helpful votes, then newest. ``{wanted}`` is the tsquery of the words and the marks the
# user may read (for a customer a subquery adding the products their contracts cover),
# computed once; two scans of the search rows' GIN index, each sorted top-N on the narrow
# rows; the article rows are read only for the ids that come out. One statement.
_RANKED = """
WITH wanted AS MATERIALIZED ({wanted})
SELECT article_id FROM (
    (SELECT article_id, 1 AS in_title, helpful_count FROM knowledge_articlesearch
     WHERE vector @@ ((SELECT query FROM wanted) && %s::tsquery)
     ORDER BY helpful_count DESC, article_id DESC LIMIT %s)
    UNION ALL
    (SELECT article_id, 0, helpful_count FROM knowledge_articlesearch
     WHERE vector @@ ((SELECT query FROM wanted) && %s::tsquery)
     ORDER BY helpful_count DESC, article_id DESC LIMIT %s)
) AS found
ORDER BY in_title DESC, helpful_count DESC, article_id DESC LIMIT %s
"""
# a customer's marks: no product, or one of the products their contracts cover today
_CUSTOMER = """
SELECT (%s || ' & (' || string_agg(quote_literal(mark), ' | ') || ')')::tsquery AS query
FROM (
    SELECT %s AS mark
    UNION ALL SELECT %s || covered.id FROM ({covered}) AS covered (id)
) AS marks
"""


def _wanted(user: Any, status: str | None, text: str) -> tuple[str, list[Any]] | None:
    """SQL selecting the tsquery of ``text`` and the marks the user's search requires
    (``knowledge.search``), and its params; None when the user can find nothing.

    The tsquery is computed in the statement, so the planner does not see its words and
    plans the GIN index for any of them. Seeing a common word, it would read the whole
    table instead, since the rows are narrow, without counting the decompression of each
    row's vector from TOAST that this costs (20 times slower; docs/PERFORMANCE.md)."""
    if is_staff_user(user):
        marks = search.status_query([status] if status else [])
        return "SELECT %s::tsquery AS query", [f"({text}) & {marks}" if marks else text]
    if not is_customer_user(user) or (status and status != ArticleStatus.PUBLISHED):
        return None
    products = Product.objects.filter(covered_q(user)).order_by().values("pk")
    covered, params = products.query.sql_with_params()
    sql = _CUSTOMER.format(covered=covered)
    return sql, [f"({text})", search.customer_mark(None), search.CUSTOMERS, *params]


def _ranked(user: Any, terms: list[str], status: str | None, limit: int) -> RawSQL | None:
    """The ids of the best ``limit`` matches, as a subquery; None if nothing can match."""
    text = search.match_query(terms)
    wanted = _wanted(user, status, text) if text is not None else None
    if wanted is None:
        return None
    # the first term with a word in it (there is one: ``text`` is not None)
    in_title = next(filter(None, map(search.title_query, terms)))
    # our own SQL text; the user's words are only ever params
    sql = _RANKED.format(wanted=wanted[0])
    params = [*wanted[1], in_title, limit, f"!({in_title})", limit, limit]
    return RawSQL(sql, params)  # noqa: S611


def article_search(
    user: Any,
    query: str,
    *,
    published_only: bool = False,
    status: str | None = None,
    limit: int = SEARCH_LIMIT,
) -> QuerySet[Article]:
    """The best ``limit`` articles the user may read whose text holds every term of
    ``query`` (and of ``status``, or published with ``published_only``): title matches
    first, then the most helpful, then the newest. An empty query matches every article
    the user may read (newest first, not limited).

    PostgreSQL: the search rows' index answers the terms and the visibility rule, and the
    ranking reads only those narrow rows; the articles shown are then read through
    ``articles_for``, so the one rule decides again what the user gets. Elsewhere: a scan."""
    if published_only:
        if status and status != ArticleStatus.PUBLISHED:
            return Article.objects.none()
        status = ArticleStatus.PUBLISHED
    rows = articles_for(user)
    if status:
        rows = rows.filter(status=status)
    terms = search_terms(query)
    if not terms:
        return rows
    if connection.vendor != "postgresql":
        return (
            text_filter(rows, query)
            .annotate(
                in_title=Case(
                    When(title__icontains=terms[0], then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("-in_title", "-helpful_count", "-id")[:limit]
        )
    ranked = _ranked(user, terms, status, limit)
    if ranked is None:
        return rows.none()
    title_query = next(filter(None, map(search.title_query, terms)))
    in_title = RawSQL(
        "EXISTS (SELECT 1 FROM knowledge_articlesearch WHERE article_id = knowledge_article.id "
        "AND vector @@ %s::tsquery)",
        [title_query],
        output_field=BooleanField(),
    )
    return (
        rows.filter(pk__in=ranked)
        .annotate(in_title=in_title)
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

"""Portal pages of the knowledge base (知识库): articles and search, one article with its
feedback, the suggestions shown while a customer types a new request, and "this solved my
problem", which records a deflection and leaves the form without creating a ticket.

Every read goes through ``knowledge.selectors.articles_for``: a customer reads published
public articles (for their products); any other article is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicedesk.errors import DomainError
from servicedesk.pages import found_or_404
from servicedesk.permissions import is_customer_user, is_staff_user

from .. import selectors, services
from ..models import Article

LIST_SIZE = 30
SUGGESTIONS = 5


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in customers; staff go to the staff knowledge pages."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_customer_user(request.user):
            return view(request, *args, **kwargs)
        if is_staff_user(request.user):
            return redirect("knowledge:list")
        raise PermissionDenied

    return wrapper


@customer_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: selectors.SEARCH_MAX_LENGTH]
    if selectors.search_terms(query):
        rows = selectors.article_search(request.user, query, limit=LIST_SIZE)
    else:
        rows = selectors.articles_for(request.user)
    articles = list(rows[:LIST_SIZE])
    similar = [] if articles else selectors.article_similar_titles(request.user, query)
    return render(
        request,
        "knowledge/portal_list.html",
        {"articles": articles, "similar": similar, "query": query, "limit": LIST_SIZE},
    )


@customer_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article: Article = found_or_404(selectors.article_get_for, request.user, pk)
    readable = set(
        selectors.articles_for(request.user)
        .filter(pk__in=[a.pk for a in selectors.article_translations(article)])
        .values_list("pk", flat=True)
    )
    translations = [a for a in selectors.article_translations(article) if a.pk in readable]
    return render(
        request,
        "knowledge/portal_detail.html",
        {
            "article": article,
            "vote": selectors.feedback_of(request.user, article),
            "translations": translations,
        },
    )


@customer_required
@require_POST
def article_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    article = found_or_404(selectors.article_get_for, request.user, pk)
    helpful = request.POST.get("helpful")
    if helpful not in ("yes", "no"):
        messages.error(request, _("Choose whether the article helped."))
        return redirect("knowledge-portal:detail", pk=article.pk)
    try:
        services.article_feedback(article, actor=request.user, helpful=helpful == "yes")
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        messages.success(request, _("Thank you for your feedback."))
    return redirect("knowledge-portal:detail", pk=article.pk)


@customer_required
@require_GET
def suggestions(request: HttpRequest) -> HttpResponse:
    """The htmx fragment under the new-request form: published articles matching what the
    customer has typed in the title (and the description's first words)."""
    typed = " ".join(
        [request.GET.get("title", ""), " ".join(request.GET.get("description", "").split()[:3])]
    )
    typed = typed[: selectors.SEARCH_MAX_LENGTH]
    articles: list[Article] = []
    if selectors.search_terms(typed):
        articles = list(selectors.article_search(request.user, typed, limit=SUGGESTIONS))
        if not articles:  # the title alone, if the description's words found nothing
            title = request.GET.get("title", "")[: selectors.SEARCH_MAX_LENGTH]
            if selectors.search_terms(title):
                articles = list(selectors.article_search(request.user, title, limit=SUGGESTIONS))
                articles = articles or selectors.article_similar_titles(request.user, title)
    return render(request, "knowledge/_suggestions.html", {"articles": articles})


@customer_required
@require_POST
def solved(request: HttpRequest) -> HttpResponse:
    """ "This solved my problem": the request form's button posts here instead of to the
    form's own address. A deflection is recorded; no ticket is created."""
    article_id = request.POST.get("article", "")
    try:
        article = selectors.article_get_for(request.user, article_id)
    except DomainError:
        raise Http404 from None
    try:
        services.deflection_record(
            article,
            actor=request.user,
            query=request.POST.get("title", ""),
            key=request.session.session_key or "",
        )
    except DomainError as err:
        messages.error(request, str(err.message))
        return redirect("portal:ticket-create")
    messages.success(
        request,
        _("Glad “%(title)s” solved it. No request was submitted.") % {"title": article.title},
    )
    return redirect("knowledge-portal:detail", pk=article.pk)

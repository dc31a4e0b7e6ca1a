"""Staff pages of the knowledge base: the article list, writing and editing, review and
publication, and "Draft an article" from a resolved ticket.

Thin pages: reads through ``knowledge.selectors``, writes through ``knowledge.services``;
a domain error becomes the form's error (400) or a message, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.errors import DomainError, NotFound
from servicedesk.pages import apply_domain_error, forbidden, found_or_404, staff_required
from servicedesk.permissions import can_draft
from tickets.models import Ticket

from .. import selectors, services, workflow
from ..choices import ArticleStatus
from ..forms import ArticleFilterForm, ArticleForm
from ..models import Article

LIST_SIZE = 50


def _values(form: ArticleForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    original = data.pop("translation_of")
    data["translation_of"] = None
    if original:
        data["translation_of"] = Article.objects.filter(pk=original).first()
        if data["translation_of"] is None:
            raise NotFound(
                _("There is no article no. %(id)d.") % {"id": original},
                fields={"translation_of": [_("No such article.")]},
            )
    return data


@staff_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    filters = ArticleFilterForm(request.GET or None)
    chosen = filters.filters()
    status = chosen.get("status") or None
    if chosen.get("q"):
        rows = selectors.article_search(request.user, chosen["q"], status=status, limit=LIST_SIZE)
    else:
        rows = selectors.articles_for(request.user)
        if status:
            rows = rows.filter(status=status)
    articles = list(rows.select_related("author")[:LIST_SIZE])
    return render(
        request,
        "knowledge/staff_list.html",
        {
            "articles": articles,
            "filters": filters,
            "limit": LIST_SIZE,
            "can_write": can_draft(request.user),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    if not can_draft(request.user):
        return forbidden(request, _("Only agents, engineers and managers write articles."))
    form = ArticleForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(actor=request.user, **_values(form))
        except DomainError as err:
            apply_domain_error(form, err, {})
        else:
            messages.success(request, _("Draft saved."))
            return redirect("knowledge:edit", pk=article.pk)
    status = 400 if form.is_bound else 200
    return render(request, "knowledge/staff_edit.html", {"form": form}, status=status)


def _edit_context(request: HttpRequest, article: Article, form: ArticleForm) -> dict[str, Any]:
    roles = services.roles_of(request.user)
    return {
        "article": article,
        "form": form,
        "editable": article.status in workflow.EDITABLE and can_draft(request.user),
        "targets": [ArticleStatus(t) for t in workflow.allowed_targets(article.status, roles)],
        "events": list(article.events.select_related("actor")),
        "translations": selectors.article_translations(article),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = found_or_404(selectors.article_get_for, request.user, pk)
    initial = {
        "title": article.title,
        "problem": article.problem,
        "cause": article.cause,
        "solution": article.solution,
        "tags": article.tags,
        "language": article.language,
        "audience": article.audience,
        "products": list(article.products.all()),
        "translation_of": article.translation_of_id,
    }
    form = ArticleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.article_update(article, actor=request.user, changes=_values(form))
            except DomainError as err:
                apply_domain_error(form, err, {})
                status = err.status if err.status != 404 else 400
            else:
                messages.success(request, _("Article saved."))
                return redirect("knowledge:edit", pk=article.pk)
    return render(
        request, "knowledge/staff_edit.html", _edit_context(request, article, form), status=status
    )


@staff_required
@require_POST
def article_transition(request: HttpRequest, pk: int) -> HttpResponse:
    article = found_or_404(selectors.article_get_for, request.user, pk)
    target = request.POST.get("status", "")
    try:
        services.article_transition(
            article, actor=request.user, to_status=target, note=request.POST.get("note", "")
        )
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        messages.success(
            request, _("Article moved to “%(status)s”.") % {"status": ArticleStatus(target).label}
        )
    return redirect("knowledge:edit", pk=article.pk)


@staff_required
@require_POST
def article_from_ticket(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    """The ticket page's "Draft an article": a draft with the ticket's facts, opened to edit."""
    ticket = Ticket.objects.visible_to(request.user).filter(pk=ticket_pk).first()
    if ticket is None:
        raise Http404
    try:
        article = services.article_draft_from_ticket(ticket, actor=request.user)
    except DomainError as err:
        if err.status == 403:
            return forbidden(request, str(err.message))
        messages.error(request, str(err.message))
        return redirect("staff:ticket", pk=ticket.pk)
    messages.success(
        request, _("Draft article created from %(number)s.") % {"number": ticket.number}
    )
    return redirect("knowledge:edit", pk=article.pk)

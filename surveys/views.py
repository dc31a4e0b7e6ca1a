"""Survey pages: the public answer page behind a mail's link (/s/<token>/), and the
managers' campaign pages (/surveys/campaigns/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from servicedesk.errors import Conflict, DomainError, NotFound, ValidationFailed
from servicedesk.pages import apply_domain_error, forbidden, found_or_404
from servicedesk.permissions import is_manager, is_staff_user

from . import selectors, services
from .forms import AnswerForm, CampaignForm, PolicyForm
from .models import SurveyKind


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "?"


def rate_limited(request: HttpRequest) -> bool:
    """At most ``SURVEY_PAGE_RATE_PER_MINUTE`` survey requests per address and minute
    (a fixed window in the cache): guessing tokens is slow, answering never is."""
    minute = int(timezone.now().timestamp() // 60)
    key = f"surveys:rate:{_client_address(request)}:{minute}"
    if cache.add(key, 1, timeout=90):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=90)
        return False
    return count > settings.SURVEY_PAGE_RATE_PER_MINUTE


def _closed_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    status = getattr(error, "status", 400)
    return render(
        request,
        "surveys/closed.html",
        {"message": str(error.message), "answered": error.code == "already_answered"},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm and rate (per case) or answer a survey, without signing in, once. A token
    nobody issued: 404; expired: 410; answered already: the page says so (409 on POST)."""
    if rate_limited(request):
        response = render(
            request,
            "surveys/closed.html",
            {"message": _("Too many attempts. Please wait a minute and try again.")},
            status=429,
        )
        response["Retry-After"] = "60"
        return response
    now = timezone.now()
    try:
        invitation = services.invitation_by_token(token)
        services.invitation_check(invitation, viewer=request.user, now=now)
    except NotFound:
        raise Http404 from None
    except Conflict as error:
        if request.method != "POST" and error.code == "already_answered":
            # reading the link again is not an error: the page says it was answered
            return render(
                request, "surveys/closed.html", {"message": str(error.message), "answered": True}
            )
        return _closed_page(request, error)
    except DomainError as error:
        return _closed_page(request, error)
    campaign = invitation.kind == SurveyKind.CAMPAIGN
    form = AnswerForm(request.POST or None, campaign=campaign)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.survey_answer(token, viewer=request.user, **form.cleaned_data)
            except ValidationFailed as error:
                apply_domain_error(form, error, {})
                status = 400
            except NotFound:
                raise Http404 from None
            except DomainError as error:
                return _closed_page(request, error)
            else:
                return render(request, "surveys/thanks.html", {"invitation": invitation})
        else:
            status = 400
    return render(
        request,
        "surveys/answer.html",
        {"invitation": invitation, "form": form, "campaign": campaign},
        status=status,
    )


def managers_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Customers get 404 (they learn nothing); other staff the 403 page with the reason."""

    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user):
            raise Http404
        if not is_manager(request.user):
            return forbidden(request, _("Only managers run satisfaction surveys."))
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


@managers_only
@require_http_methods(["GET", "HEAD"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "surveys/campaign_list.html", {"campaigns": selectors.campaigns(request.user)}
    )


@managers_only
@require_http_methods(["GET", "HEAD", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(
        request.POST or None,
        initial={"starts_on": timezone.localdate(), "reminder_days": settings.SURVEY_REMINDER_DAYS},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=request.user,
                data=services.CampaignInput(
                    title=data["title"],
                    organizations=list(data["organizations"]),
                    schedule=data["schedule"],
                    starts_on=data["starts_on"],
                    reminder_days=data["reminder_days"],
                ),
            )
        except DomainError as error:
            apply_domain_error(form, error, {})
        else:
            return redirect("surveys:campaign", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/campaign_form.html", {"form": form}, status=status)


@managers_only
@require_http_methods(["GET", "HEAD"])
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = found_or_404(selectors.campaign_get, request.user, pk)
    return render(
        request,
        "surveys/campaign_detail.html",
        {
            "campaign": campaign,
            "results": selectors.campaign_results(campaign),
            "comments": selectors.campaign_comments(campaign),
        },
    )


@managers_only
@require_http_methods(["GET", "HEAD", "POST"])
def random_policy(request: HttpRequest) -> HttpResponse:
    """Each organization's share of random surveys after closing, and a form to set one."""
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_policy_set(
                actor=request.user,
                organization=form.cleaned_data["organization"],
                random_percent=form.cleaned_data["random_percent"],
            )
        except DomainError as error:
            apply_domain_error(form, error, {})
        else:
            return redirect("surveys:random")
    return render(
        request,
        "surveys/random.html",
        {
            "form": form,
            "rows": selectors.organizations_with_policy(request.user),
            "default_percent": settings.SURVEY_RANDOM_PERCENT,
            "cooldown_days": settings.SURVEY_COOLDOWN_DAYS,
        },
        status=400 if request.method == "POST" else 200,
    )

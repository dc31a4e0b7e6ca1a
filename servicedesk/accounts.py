"""The signed-in user's own account pages.

Password reset and change: Django's own views, with the reset mail sent through the
outbox (retried like every notification; a mail-server outage never fails the page) and no
hint whether an address has an account (the same answer and page either way).

Notifications: the user's in-app list (mark read, all read) and their channel per event
type (servicedesk.notifications); nobody sees or changes another user's.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import path, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from .choices import TokenScope
from .models import ApiToken, NotificationChannel
from .notifications import (
    PreferenceError,
    notification_list,
    notification_mark_read,
    preferences_of,
    preferences_set,
)
from .outbox import renderer
from .services import api_token_create, api_token_revoke, outbox_enqueue


class OutboxPasswordResetForm(PasswordResetForm):
    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = loader.render_to_string(subject_template_name, context)
        body = loader.render_to_string(email_template_name, context)
        outbox_enqueue(
            topic="account.password_reset",
            recipient=to_email,
            payload={
                "subject": " ".join(subject.split()),
                "body": body,
                "language": translation.get_language(),
            },
        )


@renderer("account.password_reset")
def password_reset_email(topic: str, payload: dict[str, Any]) -> tuple[str, str]:
    """Rendered when it was requested (in the language of that page): sent as it is."""
    return payload["subject"], payload["body"]


# --------------------------------------------------------------------------- API tokens


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """One's own API tokens: create one (its secret shown once, on this response only),
    see when each was last used, revoke one. A token acts as its user (docs/API.md)."""
    secret = ""
    status = 200
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            token, secret = api_token_create(
                name=form.cleaned_data["name"],
                user=request.user,
                scope=form.cleaned_data["scope"],
                created_by=request.user,
            )
            form = TokenForm()
        else:
            status = 400
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    response = render(
        request,
        "registration/api_tokens.html",
        {"form": form, "tokens": tokens, "secret": secret},
        status=status,
    )
    response["Cache-Control"] = "no-store"  # the secret must not stay in any cache
    return response


PAGE_SIZE = 50


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, 50 a page (``?before=<id>`` for older)."""
    rows = notification_list(request.user)
    before = request.GET.get("before", "")
    if before.isascii() and before.isdigit() and len(before) <= 18:
        rows = rows.filter(pk__lt=int(before))
    page = list(rows.only("id", "subject", "text", "url", "created_at", "read_at")[: PAGE_SIZE + 1])
    older = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    return render(
        request,
        "account/notifications.html",
        {"notifications": page[:PAGE_SIZE], "older": older},
    )


@login_required
@require_POST
def api_token_revoke_own(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise Http404
    api_token_revoke(token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api_tokens")


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and go where it points."""
    notification = get_object_or_404(notification_list(request.user), pk=pk)
    notification_mark_read(request.user, [notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    marked = notification_mark_read(request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": marked})
    return redirect("notifications")


class PreferencesForm(forms.Form):
    """One choice per event type the user may hear about; mandatory ones shown, fixed."""

    def __init__(self, rows: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            field = forms.ChoiceField(
                label=row["label"],
                choices=NotificationChannel.choices,
                initial=row["channel"],
                disabled=row["mandatory"],
                help_text=_("Mandatory: always sent by email.") if row["mandatory"] else "",
            )
            self.fields[row["topic"]] = field


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    rows = preferences_of(request.user)
    form = PreferencesForm(rows, request.POST or None)
    if request.method == "POST" and form.is_valid():
        choices = {
            row["topic"]: form.cleaned_data[row["topic"]] for row in rows if not row["mandatory"]
        }
        try:
            preferences_set(request.user, choices)
        except PreferenceError as exc:
            for code, errors in exc.errors.items():
                for error in errors:
                    form.add_error(code if code in form.fields else None, error)
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("notification-preferences")
    return render(request, "account/notification_preferences.html", {"form": form})


urlpatterns = [
    path("tokens/", api_tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", api_token_revoke_own, name="api_token_revoke"),
    path("notifications/", notifications, name="notifications"),
    path("notifications/read/", notifications_read, name="notifications-read"),
    path("notifications/<int:pk>/open/", notification_open, name="notification-open"),
    path(
        "notifications/preferences/",
        notification_preferences,
        name="notification-preferences",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=OutboxPasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

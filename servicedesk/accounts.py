"""Password reset and change: Django's own views, with the reset mail sent through the
outbox (retried like every notification; a mail-server outage never fails the page) and no
hint whether an address has an account (the same answer and page either way)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader
from django.urls import path, reverse_lazy
from django.utils import translation

from .outbox import renderer
from .services import outbox_enqueue


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


urlpatterns = [
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

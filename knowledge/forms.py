"""Forms of the knowledge pages (staff editing). They validate shape only; the rules live in
``knowledge.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from servicedesk.models import Product

from .choices import ArticleStatus, Audience
from .services import TEXT_LIMITS


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TEXT_LIMITS["title"])
    problem = forms.CharField(
        label=_("Problem"),
        max_length=TEXT_LIMITS["problem"],
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the customer sees: messages, symptoms, when it happens."),
    )
    cause = forms.CharField(
        label=_("Cause"),
        max_length=TEXT_LIMITS["cause"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    solution = forms.CharField(
        label=_("Solution"),
        max_length=TEXT_LIMITS["solution"],
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    tags = forms.CharField(
        label=_("Tags"),
        max_length=TEXT_LIMITS["tags"],
        required=False,
        help_text=_("Separated by commas or spaces."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    products = forms.ModelMultipleChoiceField(
        label=_("Products"),
        queryset=Product.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Customers see the article only if they have one of these; none: everyone."),
    )
    translation_of = forms.IntegerField(
        label=_("Translation of article no."),
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("The original article this one translates, if any."),
    )


class ArticleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *ArticleStatus.choices], required=False
    )

    def filters(self) -> dict[str, Any]:
        return self.cleaned_data if self.is_valid() else {}

"""Forms of the staff releases pages: patch upload, release notes, installations,
announcements and the document library."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from servicedesk.models import Contract, Organization, Product, ProductVersion

from .models import AnnouncementAudience, AnnouncementKind
from .services import NOTES_MAX_LENGTH


class PatchUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Patch file"))


class NotesForm(forms.Form):
    released_on = forms.DateField(
        label=gettext_lazy("Released on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Customers see the version from this date on."),
    )
    notes = forms.CharField(
        label=gettext_lazy("Release notes"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class _VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.product.name} {obj.version}"


class _VersionMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.product.name} {obj.version}"


class _ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number} · {obj.organization.name}"


class InstallationForm(forms.Form):
    contract = _ContractChoiceField(
        label=gettext_lazy("Contract"),
        queryset=Contract.objects.select_related("organization").order_by(
            "organization__name", "number"
        ),
    )
    version = _VersionChoiceField(
        label=gettext_lazy("Version"),
        queryset=ProductVersion.objects.select_related("product").order_by(
            "product__name", "-released_on", "-id"
        ),
    )
    installed_on = forms.DateField(
        label=gettext_lazy("Installed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class InstallationFilterForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Customer"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("All customers"),
    )
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"),
        queryset=Product.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("All products"),
    )


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class AnnouncementForm(forms.Form):
    """The fields of an announcement; the service checks the rules between them."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AnnouncementKind.choices)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "Plain text; **bold**, *italic*, lists with -, links as [text](https://…)."
        ),
    )
    window_starts_at = forms.DateTimeField(
        label=gettext_lazy("Window starts"), required=False, widget=_DateTimeInput()
    )
    window_ends_at = forms.DateTimeField(
        label=gettext_lazy("Window ends"), required=False, widget=_DateTimeInput()
    )
    audience = forms.ChoiceField(
        label=gettext_lazy("Audience"), choices=AnnouncementAudience.choices
    )
    organizations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Customers"),
        queryset=Organization.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    products = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Products"),
        queryset=Product.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    expires_at = forms.DateTimeField(
        label=gettext_lazy("Expires at"),
        required=False,
        widget=_DateTimeInput(),
        help_text=gettext_lazy("Empty: shown until withdrawn."),
    )
    send_email = forms.BooleanField(
        label=gettext_lazy("Also send it by email when published"), required=False
    )


class DocumentUploadForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"), queryset=Product.objects.order_by("name")
    )
    versions = _VersionMultipleChoiceField(
        label=gettext_lazy("Versions"),
        queryset=ProductVersion.objects.select_related("product").order_by(
            "product__name", "-released_on", "-id"
        ),
        required=False,
        help_text=gettext_lazy("None chosen: the document is about every version."),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    is_public = forms.BooleanField(
        label=gettext_lazy("Public to the product's customers"), required=False, initial=True
    )
    file = forms.FileField(label=gettext_lazy("File"))

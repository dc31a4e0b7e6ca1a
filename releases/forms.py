"""Forms of the staff releases page: patch upload, release notes, installations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from servicedesk.models import Contract, Organization, Product, ProductVersion

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

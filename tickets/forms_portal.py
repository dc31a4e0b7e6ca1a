"""Forms of the customer portal. They only parse and check input; writes go through services.

Server-set fields (organization, status, assignee, confirmed severity, deadlines) are not
fields here at all, so whatever a client adds to a POST is ignored.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.models import Contract, Organization, Product, ProductVersion

from .choices import Severity, TicketKind
from .forms import MultipleFileField

# The meanings of DESIGN.md's severity table, shown as help on the request form.
SEVERITY_HELP = {
    Severity.L1: _(
        "System down, business stopped, no workaround. On-site service; resolution target 2 hours."
    ),
    Severity.L2: _(
        "Severe degradation, many users blocked. On-site service; resolution target 4 hours."
    ),
    Severity.L3: _(
        "Partial impact, users can work around it. Phone, remote or on-site service; "
        "resolution target 3 days."
    ),
    Severity.L4: _(
        "Inconvenience, business or technical questions. Phone or remote service; "
        "resolution target 7 days."
    ),
}

# Kinds that are always about one of the delivered products.
PRODUCT_REQUIRED_KINDS = frozenset({TicketKind.FAULT, TicketKind.CUSTOMIZATION})

STATUS_FILTERS = (
    ("open", _("Open")),
    ("resolved", _("Resolved")),
    ("closed", _("Closed")),
    ("all", _("All")),
)

RATING_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


def covered_products(organization: Organization | None) -> QuerySet[Product]:
    """Products of the organization's contracts that are in force today."""
    today = timezone.localdate()
    contracts = Contract.objects.filter(
        organization=organization, starts_on__lte=today, ends_on__gte=today
    )
    return Product.objects.filter(contracts__in=contracts).distinct().order_by("name", "pk")


class TicketCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TicketKind.choices, initial=TicketKind.FAULT)
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.none(),
        required=False,
        empty_label=_("— choose a product —"),
        help_text=_(
            "Only the products of your service contracts are listed. Required for faults and "
            "customization requests."
        ),
    )
    product_version = forms.TypedChoiceField(
        label=_("Version"), required=False, coerce=int, empty_value=None
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Phenomenon"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, the error messages you saw, and the steps that led to it."),
    )
    occurred_at = forms.DateTimeField(
        label=_("When did it happen?"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=_("Your local time."),
    )
    impact = forms.CharField(
        label=_("Impact"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who and what is affected: users, sites, business processes."),
    )
    proposed_severity = forms.ChoiceField(
        label=_("Proposed severity"),
        choices=Severity.choices,
        initial=Severity.L3,
        widget=forms.RadioSelect,
        help_text=_("Our service desk confirms the severity when it triages your request."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        help_text=_("Screenshots, logs, documents. You can choose several files."),
    )

    def __init__(self, *args: Any, organization: Organization | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = covered_products(organization)
        cast(forms.ModelChoiceField, self.fields["product"]).queryset = products
        self.versions = {
            v.pk: v
            for v in ProductVersion.objects.filter(product__in=products.values("pk"))
            .select_related("product")
            .order_by("product__name", "product_id", "-released_on", "-version")
        }
        grouped: dict[str, list[tuple[int, str]]] = {}
        for version in self.versions.values():
            grouped.setdefault(version.product.name, []).append((version.pk, version.version))
        cast(forms.ChoiceField, self.fields["product_version"]).choices = [
            ("", _("— not sure —")),
            *grouped.items(),
        ]

    def clean_product_version(self) -> ProductVersion | None:
        pk = self.cleaned_data.get("product_version")
        return self.versions.get(pk) if pk is not None else None

    def clean_occurred_at(self):
        value = self.cleaned_data.get("occurred_at")
        if value and value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("This time is in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        product, version = data.get("product"), data.get("product_version")
        if version is not None:
            if product is None:
                data["product"] = version.product
            elif version.product_id != product.pk:
                self.add_error("product_version", _("This version belongs to another product."))
        kind, product = data.get("kind"), data.get("product")
        if kind in PRODUCT_REQUIRED_KINDS and product is None and "product" not in self.errors:
            self.add_error("product", _("Choose the product this request is about."))
        return data

    def severity_options(self) -> list[tuple[Any, Any]]:
        """Radio buttons with the meaning of each level, for the template."""
        return [
            (radio, SEVERITY_HELP.get(radio.data["value"], ""))
            for radio in self["proposed_severity"]
        ]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        empty = not (data.get("body") or "").strip() and not data.get("attachments")
        if empty and "attachments" not in self.errors:
            self.add_error("body", _("Write a message or attach a file."))
        return data


class ConfirmForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with the service? (1 = poor, 5 = excellent)"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What is still wrong?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you cancel this request?"), widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=STATUS_FILTERS, required=False, initial="all"
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Number, title or phenomenon")}),
    )

"""Forms of the staff console. They parse and check input only; writes go through services.

Each ticket form carries the ticket's ``version`` so that a stale edit is refused by the
service (optimistic concurrency) instead of silently overwriting someone else's change.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from servicedesk.choices import STAFF_ROLES
from servicedesk.errors import ValidationFailed
from servicedesk.models import Contact, Organization, Product, Team, User
from servicedesk.permissions import is_manager
from servicedesk.widgets import FastSelect

from .choices import LinkKind, Severity, TicketKind, TicketStatus, TriageDecision
from .filters import ORDERING_FIELDS
from .services import validate_attachment

ORDERING_LABELS = {
    "created_at": (_("Oldest first"), _("Newest first")),
    "updated_at": (_("Least recently changed"), _("Recently changed")),
    "severity": (_("Severity: L1 first"), _("Severity: L4 first")),
    "status": (_("Status A–Z"), _("Status Z–A")),
    "number": (_("Ticket number ascending"), _("Ticket number descending")),
    "sla_due_at": (_("Due soonest"), _("Due latest")),
}
DEFAULT_ORDERING = "-created_at"


def ordering_choices() -> list[tuple[str, Any]]:
    """``field`` and ``-field`` for every allow-listed ordering field, default first."""
    choices: list[tuple[str, Any]] = []
    for name in ORDERING_FIELDS:
        asc, desc = ORDERING_LABELS.get(name, (name, f"-{name}"))
        choices += [(f"-{name}", desc), (name, asc)]
    choices.sort(key=lambda choice: choice[0] != DEFAULT_ORDERING)
    return choices


def clean_ordering(value: str | None) -> str:
    """The requested ordering if it is on the allow-list, else the default. Never raises."""
    value = (value or "").strip()
    name = value[1:] if value.startswith("-") else value
    return value if name in ORDERING_FIELDS else DEFAULT_ORDERING


def staff_assignees() -> QuerySet[User]:
    """Who may be given a ticket: active members of staff who are not away."""
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True, is_away=False).order_by(
        "first_name", "last_name", "username"
    )


class StaffChoiceField(forms.ModelChoiceField):
    widget = FastSelect

    def label_from_instance(self, obj: User) -> str:
        return f"{obj} · {obj.get_role_display()}"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files, each checked against the attachment rules (type, size)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        uploads = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [single(upload, initial) for upload in uploads if upload]
        errors = []
        for upload in cleaned:
            try:
                validate_attachment(upload)
            except ValidationFailed as err:
                errors.append(str(err.message))
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --------------------------------------------------------------------------- queue


class BulkAssignForm(forms.Form):
    tickets = forms.TypedMultipleChoiceField(
        label=_("Tickets"),
        coerce=int,
        error_messages={"required": _("Tick at least one ticket.")},
    )
    team = forms.ModelChoiceField(
        widget=FastSelect,
        label=_("Service group"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("— none —"),
    )
    # A user name with suggestions (the page's staff datalist), not a <select> of every
    # member of staff: rendering hundreds of options dominated the queue's cost.
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=User.objects.none(),
        to_field_name="username",
        required=False,
        widget=forms.TextInput(
            attrs={"list": "staff-options", "autocomplete": "off", "placeholder": _("User name")}
        ),
        error_messages={"invalid_choice": _("No active member of staff has this user name.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_bulk_%s")  # the queue's filters have a team too
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_assignees()
        # Ids are checked by the service (all or nothing); here only that they are numbers.
        raw = self.data.getlist("tickets") if hasattr(self.data, "getlist") else []
        self.fields["tickets"].choices = [(v, v) for v in raw if str(v).isdigit()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("team") and not data.get("assignee"):
            raise forms.ValidationError(_("Choose a service group, an assignee or both."))
        return data


# --------------------------------------------------------------------------- ticket page


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = MultipleFileField(label=_("Attachments"))
    # Set by the canned-reply picker: the reply then also applies that reply's actions.
    canned_reply = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("body") or "").strip() and not data.get("attachments"):
            self.add_error("body", _("Write a message or attach a file."))
        return data


class AssignForm(VersionedForm):
    team = forms.ModelChoiceField(
        widget=FastSelect,
        label=_("Service group"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("— none —"),
    )
    assignee = StaffChoiceField(
        label=_("Assignee"), queryset=User.objects.none(), required=False, empty_label=_("— none —")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_bulk_%s")  # the queue's filters have a team too
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_assignees()


class TransitionForm(VersionedForm):
    to_status = forms.CharField(max_length=30)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Told to the customer. Required to resolve, cancel, reopen or wait."),
    )


class TriageForm(VersionedForm):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=TriageDecision.choices, widget=forms.RadioSelect
    )
    severity = forms.ChoiceField(
        label=_("Confirm severity"),
        choices=[("", _("— keep as it is —")), *Severity.choices],
        required=False,
    )
    answer = forms.CharField(
        label=_("Answer given to the customer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for a consultation answered: the ticket is resolved with it."),
    )


class SeverityForm(VersionedForm):
    """Shares the staff ticket page with ``TriageForm``: its own ids, a name for its select."""

    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        widget=forms.Select(attrs={"aria-label": _("Severity")}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_change_%s")
        super().__init__(*args, **kwargs)


# --------------------------------------------------------------------------- hotline


class HotlineForm(forms.Form):
    call_id = forms.CharField(widget=forms.HiddenInput, max_length=100)
    caller_phone = forms.CharField(
        label=_("Caller phone"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True, "type": "tel"}),
    )
    caller_name = forms.CharField(label=_("Caller name"), max_length=120, required=False)
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.select_related("organization"),
        required=False,
        widget=forms.HiddenInput,
    )
    organization = forms.ModelChoiceField(
        widget=FastSelect,
        label=_("Organization"),
        queryset=Organization.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("— unknown caller —"),
        help_text=_("Filled in when you choose a known caller; choose it for unknown numbers."),
    )
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.order_by("name"),
        required=False,
        empty_label=_("— not product-specific —"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=TicketKind.choices, initial=TicketKind.CONSULTATION
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=[("", _("— not confirmed (L4) —")), *Severity.choices],
        required=False,
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Empty: the first line of the call notes."),
    )
    notes = forms.CharField(label=_("Call notes"), widget=forms.Textarea(attrs={"rows": 5}))
    resolved_on_first_contact = forms.BooleanField(
        label=_("Resolved on first contact"),
        required=False,
        help_text=_("The caller's issue was solved during this call: the ticket is resolved."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("call_id", uuid.uuid4().hex)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        contact = data.get("contact")
        if contact is not None and data.get("organization") is None:
            data["organization"] = contact.organization
        return data


# --------------------------------------------------------------- canned replies, links, merge


class CannedReplyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Placeholders: {{customer_name}}, {{ticket_number}}, {{ticket_title}}, "
            "{{deadline}}, {{agent_name}}, {{organization}}."
        ),
    )
    shared = forms.BooleanField(label=_("Shared"), required=False)
    team = forms.ModelChoiceField(
        label=_("Service group"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("— all staff —"),
    )
    set_status = forms.ChoiceField(
        label=_("Then set status"),
        choices=[("", _("— unchanged —")), *TicketStatus.choices[1:]],
        required=False,
    )
    set_assignee = StaffChoiceField(
        label=_("Then assign to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— unchanged —"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["set_assignee"].queryset = staff_assignees()  # type: ignore[attr-defined]


class LinkForm(forms.Form):
    target = forms.CharField(
        label=_("Ticket number"), max_length=20, help_text=_("e.g. SD-2026-000123")
    )
    kind = forms.ChoiceField(label=_("Relation"), choices=LinkKind.choices)


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Merge into ticket"), max_length=20)


class SavedViewForm(forms.Form):
    """Save the queue's filter (``query``, the page's query string) as a named view."""

    name = forms.CharField(label=_("View name"), max_length=80)
    team = forms.ModelChoiceField(
        widget=FastSelect,
        label=_("Share with"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Only me"),
    )
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_view_%s")  # shares the queue page with the filters
        super().__init__(*args, **kwargs)
        teams = Team.objects.order_by("name")
        if not is_manager(user):
            teams = teams.filter(members=user)
        self.fields["team"].queryset = teams


class InboundAcceptForm(forms.Form):
    """Accepting a held mail: for which customer, and which contact (chosen, or a new one
    with the sender's address). The page draws the choices itself (one query for all rows)."""

    organization = forms.ModelChoiceField(
        queryset=Organization.objects.filter(is_active=True), label=_("Customer")
    )
    contact = forms.ModelChoiceField(queryset=Contact.objects.all(), required=False)
    new_contact_name = forms.CharField(max_length=120, required=False)

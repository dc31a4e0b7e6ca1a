from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TicketKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation / question")
    SERVICE_REQUEST = "service_request", _("Service request")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLAINT = "complaint", _("Complaint")
    FAULT = "fault", _("Fault")
    CUSTOMIZATION = "customization", _("Customization request")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    HOTLINE = "hotline", _("Hotline")
    EMAIL = "email", _("Email")
    WEB = "web", _("Website message")
    API = "api", _("REST API")
    ON_SITE = "on_site", _("On-site")


class Severity(models.TextChoices):
    L1 = "L1", _("L1 – system down")
    L2 = "L2", _("L2 – severe degradation")
    L3 = "L3", _("L3 – partial impact")
    L4 = "L4", _("L4 – inconvenience or question")


# The short name a badge shows: the level as users say it (一级故障…四级故障), where the
# full label above does not fit. Badges carry the full label as their title.
SEVERITY_SHORT = {
    "L1": pgettext_lazy("severity level", "L1"),
    "L2": pgettext_lazy("severity level", "L2"),
    "L3": pgettext_lazy("severity level", "L3"),
    "L4": pgettext_lazy("severity level", "L4"),
}


def severity_short(value: str | None) -> str:
    """The short translated name of a severity code; an unknown value comes back unchanged."""
    return str(SEVERITY_SHORT.get(value or "", value or ""))


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.ACCEPTED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.WAITING_CUSTOMER,
    }
)

# Nothing more happens to these but a reopening (the ticket page hides the other forms).
FINAL_STATUSES = frozenset({TicketStatus.CLOSED, TicketStatus.CANCELLED})


class TriageDecision(models.TextChoices):
    CONSULTATION_ANSWERED = "consultation_answered", _("Consultation answered")
    CUSTOMIZATION = "customization", _("Customization request")
    FAULT = "fault", _("Fault")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    TRANSITION = "transition", _("Status changed")
    FIELD_CHANGED = "field_changed", _("Field changed")
    ASSIGNED = "assigned", _("Assigned")
    TRIAGED = "triaged", _("Triaged")
    COMMENTED = "commented", _("Public reply")
    NOTE_ADDED = "note_added", _("Internal note")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    RATED = "rated", _("Rated")
    LINKED = "linked", _("Linked")
    UNLINKED = "unlinked", _("Link removed")
    MERGED = "merged", _("Merged")
    MACRO_APPLIED = "macro_applied", _("Canned reply applied")


class LinkKind(models.TextChoices):
    """How two tickets relate, read from the link's source: related (symmetric), a duplicate
    of the target, the parent of the target."""

    RELATED = "related", _("Related")
    DUPLICATE = "duplicate", _("Duplicate of")
    PARENT = "parent", _("Parent of")

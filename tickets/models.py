"""Tickets, their conversation, attachments and the append-only event trail."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.choices import SkillArea, choice_label
from servicedesk.events import AuditEvent
from servicedesk.models import Contact, Contract, Organization, Product, ProductVersion, Team

from .choices import (
    OPEN_STATUSES,
    Channel,
    EventKind,
    LinkKind,
    Severity,
    TicketKind,
    TicketStatus,
    TriageDecision,
)


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to(self, user) -> TicketQuerySet:
        """The one visibility chokepoint: every read acting for a user goes through here."""
        from .permissions import ticket_visibility_q

        return self.filter(ticket_visibility_q(user))


class TicketNumberSequence(models.Model):
    """One row per year; incremented under a row lock so numbers never collide."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Ticket(models.Model):
    number = models.CharField(_("ticket number"), max_length=20, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("organization"),
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("contact"),
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requested_tickets",
        verbose_name=_("requester"),
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("contract"),
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("product"),
    )
    product_version = models.ForeignKey(
        ProductVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("version"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("phenomenon"), blank=True)
    occurred_at = models.DateTimeField(_("happened at"), null=True, blank=True)
    impact = models.TextField(_("impact"), blank=True)
    area = models.CharField(
        _("area"),
        max_length=20,
        choices=SkillArea.choices,
        blank=True,
        help_text=_("Technical area, used to suggest engineers by skill."),
    )
    proposed_severity = models.CharField(
        _("proposed severity"),
        max_length=2,
        choices=Severity.choices,
        blank=True,
        help_text=_("As proposed by the customer; kept as it was."),
    )
    severity = models.CharField(
        _("severity"),
        max_length=2,
        choices=Severity.choices,
        default=Severity.L4,
        help_text=_("The severity in force: the proposal until staff confirm one."),
    )
    severity_confirmed = models.BooleanField(_("severity confirmed"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    triage_decision = models.CharField(
        _("triage decision"), max_length=30, choices=TriageDecision.choices, blank=True
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("service group"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, help_text="optimistic concurrency counter")
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_due_at = models.DateTimeField(
        _("next SLA deadline"),
        null=True,
        blank=True,
        help_text=_(
            "The earliest deadline of the running SLA clocks (a copy kept by the services)."
        ),
    )
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    first_contact_resolution = models.BooleanField(_("resolved on first contact"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    # What a complaint opened from a low score answers ("rating:<ticket>",
    # "survey:<invitation>"): unique, so each opens one complaint (services/complaints.py).
    complaint_key = models.CharField(max_length=40, null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(
                fields=["status", "severity", "-created_at", "-id"], name="ticket_status_sev"
            ),
            models.Index(fields=["status", "-created_at", "-id"], name="ticket_status_created"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created"),
            models.Index(
                fields=["organization", "status", "-created_at"], name="ticket_org_status"
            ),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["team", "status"], name="ticket_team_status"),
            models.Index(
                fields=["sla_due_at", "id"],
                name="ticket_sla_due",
                condition=Q(sla_due_at__isnull=False),
            ),
            # reports: what was resolved or closed in a period, and the backlog at its end
            models.Index(
                fields=["resolved_at"],
                name="ticket_resolved_at",
                condition=Q(resolved_at__isnull=False),
            ),
            models.Index(
                fields=["closed_at"], name="ticket_closed_at", condition=Q(closed_at__isnull=False)
            ),
            # reports for one customer: received and resolved in a period
            models.Index(fields=["organization", "created_at"], name="ticket_org_created"),
            models.Index(
                fields=["organization", "resolved_at"],
                name="ticket_org_resolved",
                condition=Q(resolved_at__isnull=False),
            ),
            # Open tickets only (a small, hot part of the table): the queue's view counts
            # and the engineers' open load are index-only counts that never read closed
            # tickets (README decision 40).
            models.Index(
                fields=["assignee"],
                name="ticket_open_assignee",
                condition=Q(status__in=sorted(OPEN_STATUSES)),
            ),
            models.Index(
                fields=["team"],
                name="ticket_open_team",
                condition=Q(status__in=sorted(OPEN_STATUSES)),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="ticket_rating_1_to_5",
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
            ),
            models.UniqueConstraint(
                fields=["complaint_key"],
                name="ticket_complaint_once",
                condition=Q(complaint_key__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    # Cheaper than Django's generated get_FOO_display() (see choice_label).
    def get_kind_display(self) -> str:
        return choice_label(TicketKind, self.kind)

    def get_channel_display(self) -> str:
        return choice_label(Channel, self.channel)

    def get_severity_display(self) -> str:
        return choice_label(Severity, self.severity)

    def get_proposed_severity_display(self) -> str:
        return choice_label(Severity, self.proposed_severity)

    def get_status_display(self) -> str:
        return choice_label(TicketStatus, self.status)

    def get_triage_decision_display(self) -> str:
        return choice_label(TriageDecision, self.triage_decision)


class Comment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="comment_ticket_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.pk}"


def attachment_storage_name(instance: Attachment, filename: str) -> str:
    """A generated name: the client's file name never reaches the file system."""
    suffix = PurePath(filename).suffix.lower()[:10]
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_storage_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    is_internal = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


# Reopenings and cancellations: the transitions reports count (an index covers only these).
REPORTED_TRANSITIONS = Q(kind="transition") & (
    Q(data__new="cancelled") | Q(data__old__in=["resolved", "closed"], data__new="in_progress")
)


class TicketEvent(models.Model):
    """Append-only audit trail: who did what, when, old -> new. Never updated."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    data = models.JSONField(default=dict, blank=True)
    is_internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_time"),
            # reports: the reopenings and cancellations of a period (a few per cent of the
            # transitions; the condition is REPORTED_TRANSITIONS, which the query repeats)
            models.Index(
                fields=["created_at"],
                name="event_reported_transition",
                condition=REPORTED_TRANSITIONS,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class HotlineCall(models.Model):
    """One entry of the hotline duty log (热线值班记录)."""

    external_call_id = models.CharField(
        _("external call id"), max_length=100, unique=True, null=True, blank=True
    )
    caller_phone = models.CharField(_("caller phone"), max_length=40, db_index=True)
    caller_name = models.CharField(_("caller name"), max_length=120, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    notes = models.TextField(_("call notes"))
    resolved_on_first_contact = models.BooleanField(_("resolved on first contact"), default=False)
    ticket = models.OneToOneField(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="hotline_call"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField(_("call started at"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.caller_phone} {self.started_at:%Y-%m-%d %H:%M}"


class SavedView(models.Model):
    """A named queue filter a member of staff saved: private, or shared with a service group.

    ``query`` is the queue's filter as a URL query string, kept to the allow-listed names of
    ``tickets.filters.TicketFilter`` by the service that writes it.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=80)
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_views",
        verbose_name=_("shared with service group"),
        help_text=_("Empty: only you see this view."),
    )
    query = models.CharField(_("filter"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_owner_name"),
        ]
        indexes = [models.Index(fields=["team"], name="saved_view_team")]

    def __str__(self) -> str:
        return self.name

    def params(self) -> QueryDict:
        return QueryDict(self.query)


class SavedViewEvent(AuditEvent):
    """Append-only trail of saved views: created, deleted (the name and filter in ``data``)."""

    view = models.ForeignKey(SavedView, on_delete=models.SET_NULL, null=True, related_name="events")

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["view", "created_at"], name="saved_view_event_time")]

    def __str__(self) -> str:
        return f"{self.view_id} {self.kind}"


class CannedReply(models.Model):
    """常用回复: a named reply text with placeholders, personal or shared, optionally with a
    status and an assignee it sets (applied through the ticket services)."""

    name = models.CharField(_("name"), max_length=120)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    body = models.TextField(_("text"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="canned_replies",
        verbose_name=_("owner"),
    )
    shared = models.BooleanField(
        _("shared"),
        default=False,
        help_text=_("Shared with the service group, or with all staff when no group is set."),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
        verbose_name=_("service group"),
    )
    set_status = models.CharField(
        _("then set status"), max_length=20, choices=TicketStatus.choices, blank=True
    )
    set_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("then assign to"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        indexes = [models.Index(fields=["shared", "team"], name="canned_shared_team")]

    def __str__(self) -> str:
        return self.name


class TicketLink(models.Model):
    """A link between two tickets. ``related`` is symmetric; ``duplicate`` reads "source is a
    duplicate of target"; ``parent`` reads "source is the parent of target". One link per
    pair of tickets, whatever its direction."""

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=20, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(name="ticket_link_not_self", condition=~Q(source=F("target"))),
            models.UniqueConstraint(
                Least("source", "target"), Greatest("source", "target"), name="ticket_link_pair"
            ),
        ]
        indexes = [models.Index(fields=["target"], name="ticket_link_target")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class TicketPresence(models.Model):
    """Who has a ticket open or is replying, refreshed by the page's heartbeat; a row older
    than ``PRESENCE_SECONDS`` means gone. A table rather than the cache so that every web
    process sees it, on SQLite as on PostgreSQL."""

    VIEWING = "viewing"
    REPLYING = "replying"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, default=VIEWING)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="ticket_presence_once")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.user_id} {self.state}"


class InboundOutcome(models.TextChoices):
    """What became of one inbound mail (docs/INBOUND.md)."""

    PENDING = "pending", _("Being processed")
    CREATED = "created", _("Ticket created")
    REPLIED = "replied", _("Reply added")
    HELD = "held", _("Held for an agent")
    IGNORED = "ignored", _("Ignored")
    REJECTED = "rejected", _("Rejected")


class InboundMessage(models.Model):
    """One mail received by IMAP polling or the gateway endpoint, and what became of it.

    ``message_key`` (the Message-ID, else a hash of the raw bytes) is unique: a mail polled
    or posted twice is recognised and never makes a second ticket or reply. The raw message
    is kept only while an agent has to decide on it (held)."""

    message_key = models.CharField(max_length=255, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    source = models.CharField(_("source"), max_length=20)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    size = models.PositiveIntegerField(default=0)
    raw = models.BinaryField(blank=True, default=b"")
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=InboundOutcome.choices, default=InboundOutcome.PENDING
    )
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mails")
        permissions = [("submit_inbound_mail", "Can submit inbound mail (mail gateway)")]
        indexes = [
            # the per-sender hourly limit
            models.Index(fields=["sender", "received_at"], name="inbound_sender_time"),
            # the held list, newest first
            models.Index(
                fields=["-received_at", "-id"],
                name="inbound_held",
                condition=Q(outcome="held"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject} ({self.outcome})"


class MailboxLease(models.Model):
    """Who polls a mailbox now: taken by compare-and-set until ``leased_until``, so two beat
    runs never read one mailbox at once (tickets/mailbox.py)."""

    mailbox = models.CharField(max_length=300, unique=True)
    holder = models.CharField(max_length=64, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.mailbox

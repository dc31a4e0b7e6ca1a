"""Business calendars, versioned SLA policies, and the per-ticket clocks the sweep enforces.

A clock is a row, not a timer: its ``due_at``, ``warn_at`` and ``next_check_at`` are stored
and indexed, so the beat sweep reads only what is due. A deadline is a pure function of the
calendar, the start, the target and the recorded pauses (``sla.calendar``), so it can be
recomputed from the row at any time with the same result.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicedesk.models import Contract

SEVERITIES = (("L1", "L1"), ("L2", "L2"), ("L3", "L3"), ("L4", "L4"))


class ClockKind(models.TextChoices):
    RESPONSE = "response", pgettext_lazy("SLA clock", "Response")
    RESOLUTION = "resolution", pgettext_lazy("SLA clock", "Resolution")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


class TargetUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    BUSINESS_DAYS = "business_days", _("business days")


class Recipient(models.TextChoices):
    ASSIGNEE = "assignee", _("Assignee")
    TEAM_LEAD = "team_lead", _("Team lead")
    MANAGER = "manager", _("Service-center manager")
    CONTRACT_OWNER = "contract_owner", _("Contract owner")


class BusinessCalendar(models.Model):
    """A named business calendar; ``spec`` is the JSON form of ``sla.calendar``."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    spec = models.JSONField(_("calendar"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Named service targets. Its versions are immutable: editing makes a new version."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_default = models.BooleanField(
        _("default policy"),
        default=False,
        help_text=_("Used for tickets without a contract, or whose contract names no policy."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="sla_one_default_policy"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SlaPolicyVersion(models.Model):
    """One immutable set of targets and escalation levels; clocks point to the one they use."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    note = models.CharField(_("change note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="sla_policy_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"


class SlaTarget(models.Model):
    """Response and resolution targets of one severity, each on its own calendar."""

    version = models.ForeignKey(SlaPolicyVersion, on_delete=models.CASCADE, related_name="targets")
    severity = models.CharField(_("severity"), max_length=2, choices=SEVERITIES)
    response_value = models.PositiveIntegerField(_("response target"))
    response_unit = models.CharField(max_length=20, choices=TargetUnit.choices)
    response_calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="+"
    )
    resolution_value = models.PositiveIntegerField(_("resolution target"))
    resolution_unit = models.CharField(max_length=20, choices=TargetUnit.choices)
    resolution_calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="+"
    )
    warn_percent = models.PositiveSmallIntegerField(
        _("warning threshold (percent of the target)"), default=75
    )

    class Meta:
        ordering = ["version", "severity"]
        constraints = [
            models.UniqueConstraint(fields=["version", "severity"], name="sla_target_unique"),
            models.CheckConstraint(
                condition=Q(warn_percent__gte=1, warn_percent__lte=99), name="sla_warn_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.severity}"


class EscalationLevel(models.Model):
    """Who is told when a clock reaches a share of its target.

    ``after_percent`` null means "at the warning threshold of the target"; 100 is the breach.
    """

    version = models.ForeignKey(
        SlaPolicyVersion, on_delete=models.CASCADE, related_name="escalation_levels"
    )
    level = models.PositiveSmallIntegerField(_("level"))
    after_percent = models.PositiveIntegerField(
        _("after this percent of the target"), null=True, blank=True
    )
    notify = models.JSONField(_("notify"), default=list)

    class Meta:
        ordering = ["version", "level"]
        constraints = [
            models.UniqueConstraint(fields=["version", "level"], name="sla_escalation_level_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version} level {self.level}"


class ContractPolicy(models.Model):
    """The SLA policy a contract selects (kept here so that sla depends on servicedesk only)."""

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="sla_policy")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="contracts")

    class Meta:
        verbose_name = _("contract SLA policy")
        verbose_name_plural = _("contract SLA policies")

    def __str__(self) -> str:
        return f"{self.contract_id} → {self.policy_id}"


class SlaClock(models.Model):
    """A ticket's response or resolution clock.

    ``pauses`` holds closed ``[from, to)`` intervals (ISO strings) taken out of business
    time; a stopped clock is reopened by turning its stop into a pause. ``next_check_at`` is
    the earliest pending warning, breach or escalation time, null when nothing is pending.
    """

    # No single-column indexes on the foreign keys: the unique (ticket, kind) serves the
    # ticket's lookups, and every clock shares one of a few versions and calendars, so an
    # index there serves only a rare delete check while every sweep UPDATE (never HOT: it
    # moves next_check_at) writes an entry into each index of the table.
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="clocks", db_index=False
    )
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=ClockState.choices, default=ClockState.RUNNING
    )
    policy_version = models.ForeignKey(
        SlaPolicyVersion, on_delete=models.PROTECT, related_name="clocks", db_index=False
    )
    severity = models.CharField(max_length=2, choices=SEVERITIES)
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="clocks", db_index=False
    )
    target_minutes = models.PositiveIntegerField()
    warn_percent = models.PositiveSmallIntegerField(default=75)
    started_at = models.DateTimeField()
    pauses = models.JSONField(default=list, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_minutes = models.FloatField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    escalated_level = models.PositiveSmallIntegerField(default=0)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # Business minutes from start to stop, pauses excluded: written when the clock stops
    # (cleared when it runs again), so reports aggregate it in SQL without the calendar.
    elapsed_minutes = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ticket", "kind"]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind"], name="sla_one_clock_per_kind"),
        ]
        indexes = [
            # The sweep's range scan: only clocks with something pending are in it.
            models.Index(
                fields=["next_check_at"],
                name="sla_clock_next_check",
                condition=Q(next_check_at__isnull=False),
            ),
            models.Index(
                fields=["ticket"], name="sla_clock_breached", condition=Q(breached_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.state}"


class SlaEscalation(models.Model):
    """One escalation level reached by one clock: written once (a unique constraint).

    The sweep writes it with its recipients; the sweep's digest step then tells them, one
    digest per recipient, and sets ``notified_at`` in the same transaction. An escalation
    still without ``notified_at`` (a sweep stopped between its batches and its digest) is
    picked up by the next sweep's digest step.
    """

    # the unique (clock, level) serves the clock's lookups
    clock = models.ForeignKey(
        SlaClock, on_delete=models.CASCADE, related_name="escalations", db_index=False
    )
    level = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField(help_text="when the level was reached")
    recipients = models.JSONField(default=list)
    # The role each recipient is told as ("assignee", "manager"...), in the same order.
    roles = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["clock", "level"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "level"], name="sla_one_escalation_per_level")
        ]
        indexes = [
            # The digest step's claim: only the escalations not yet notified are in it.
            models.Index(
                fields=["id"],
                name="sla_escalation_unnotified",
                condition=Q(notified_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clock_id} level {self.level}"


class SlaClockEvent(models.Model):
    """Append-only: what happened to a clock (started, paused, warned, breached, retargeted...).

    The explanation timeline shown with a ticket's deadlines is read from these rows.
    """

    # the index (clock, at) serves the clock's lookups
    clock = models.ForeignKey(
        SlaClock, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=30)
    at = models.DateTimeField()
    # Most events are the sweep's, without an actor: the index that deleting a user needs
    # (SET NULL) holds only the rows that have one, so the sweep's inserts skip it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["clock", "at"], name="sla_clock_event_time"),
            models.Index(
                fields=["actor"], name="sla_clock_event_actor", condition=Q(actor__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.kind}"

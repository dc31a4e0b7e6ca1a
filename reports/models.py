"""Report runs and schedules: 用户服务汇报 and 产品维护汇报 generated in the background.

A ``ReportRun`` is one requested document for a period and a scope. The Celery task fills its
``snapshot`` one section per step (``reports.documents``), so reopening a finished run shows
the numbers of the moment it was generated, whatever changed since. Runs never hold ticket
facts beyond that frozen document (DESIGN.md: reports keep no copy they can query).

A ``ReportSchedule`` is a manager's subscription; beat creates one run per schedule and
closed period (a unique constraint makes a second firing a no-op) and mails it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.events import AuditEvent
from servicedesk.models import Organization, Product, Team


class ReportKind(models.TextChoices):
    SERVICE = "service", _("Customer service report")
    MAINTENANCE = "maintenance", _("Product maintenance report")


class RunState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATES = frozenset({RunState.QUEUED, RunState.RUNNING})


class Frequency(models.TextChoices):
    WEEKLY = "week", _("Weekly")
    MONTHLY = "month", _("Monthly")
    QUARTERLY = "quarter", _("Quarterly")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class ReportRun(models.Model):
    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    # The period, both days included; ``period_label`` is how it reads ("2026-11", "2026-Q3").
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    period_label = models.CharField(_("period"), max_length=40, blank=True)
    # The scope: everything, or one customer organization, service group or product.
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("service group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    schedule = models.ForeignKey(
        "ReportSchedule", on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=RunState.choices, default=RunState.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    step = models.CharField(_("step"), max_length=30, blank=True)
    steps_done = models.PositiveSmallIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    # The lease of the task working on the run: nobody else takes a step before this. A
    # worker killed mid-step leaves it to run out; recovery then publishes the step again.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # How often the current step was started: a step that keeps killing its worker fails.
    step_attempts = models.PositiveSmallIntegerField(default=0)
    # Last sign of life (requested, step claimed or finished): recovery finds runs whose
    # next step was never published or whose worker vanished.
    heartbeat_at = models.DateTimeField(default=timezone.now)
    error = models.TextField(_("error"), blank=True)
    snapshot = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_run_progress"),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="report_run_period"
            ),
            # Beat may fire twice: one run per schedule and period.
            models.UniqueConstraint(
                fields=["schedule", "period_start"],
                condition=Q(schedule__isnull=False),
                name="report_run_one_per_schedule_period",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="report_run_recent"),
            models.Index(
                fields=["organization", "-created_at"],
                name="report_run_org",
                condition=Q(organization__isnull=False),
            ),
            # Recovery reads only the runs still in flight.
            models.Index(
                fields=["heartbeat_at"],
                name="report_run_active",
                condition=Q(state__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_label or self.period_start}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


class ReportRunEvent(AuditEvent):
    """Who requested, cancelled or retried a run, and what the worker did (actor empty)."""

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["run", "created_at"], name="report_run_event_run")]


class ReportSchedule(models.Model):
    """A manager's subscription: a report per closed week, month or quarter, mailed to
    ``recipients`` (and, with ``to_contacts``, to the scoped organization's contacts)."""

    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("service group"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    to_contacts = models.BooleanField(_("send to the customer's contacts"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(to_contacts=False) | Q(organization__isnull=False),
                name="report_schedule_contacts_need_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} / {self.get_frequency_display()}"

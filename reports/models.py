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
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
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


# --- the daily roll-up (docs/REPORTS.md, "Daily roll-up") ---------------------------------
#
# Sums of ticket facts per local day (the site's zone) and ticket dimensions, so that a
# report over whole past days reads a few thousand narrow rows instead of aggregating every
# ticket, clock and event again. Derived and rebuildable (``manage.py rollup_backfill``):
# it holds no ticket, only counts and sums. ``reports.rollup`` writes and reads it.

# the ticket columns a scope can filter that the roll-up keeps (contract and product
# scopes are read live: they would multiply the rows for few reports)
ROLLUP_DIMENSIONS = ("organization_id", "team_id", "assignee_id", "channel", "kind", "severity")
SLA_SEVERITIES = ("L1", "L2", "L3", "L4")
SLA_OUTCOMES = ("met", "breached", "running")


def sla_fact(kind: str, severity: str, outcome: str) -> str:
    """The column counting clocks of ``kind`` (resp, res) of a severity with an outcome."""
    return f"sla_{kind}_{severity.lower()}_{outcome}"


# the facts: each is summed over the tickets (clocks, events) whose own day it is; see
# reports/rollup/ for the definition of each
ROLLUP_COUNTS = (
    # by the day a ticket was received
    "received",
    "fcr",
    "hotline",
    "hotline_fcr",
    "complaints",
    "resp_n",
    "bresp_n",
    "bresp_min",
    *(
        sla_fact(kind, severity, outcome)
        for kind in ("resp", "res")
        for severity in SLA_SEVERITIES
        for outcome in SLA_OUTCOMES
    ),
    # by the day it was (last) resolved
    "resolved",
    "within_24h",
    "reopened_resolved",
    "breached_resolved",
    "rated_resolved",
    "rating_sum_resolved",
    "bres_n",
    "bres_min",
    # by the day it was closed
    "closed",
    "rated",
    "rating_sum",
    "r1",
    "r2",
    "r3",
    "r4",
    "r5",
    "hotline_rated",
    "hotline_satisfied",
    # by the day of the transition
    "reopened_events",
    "cancelled_events",
    # by the day a ticket left the backlog for good (resolved, closed or cancelled; not
    # open now): the backlog at a day's end is received - gone, summed over every day before
    "gone",
)
ROLLUP_SECONDS = ("resp_sec", "res_sec")  # calendar seconds (floats)
ROLLUP_FACTS = (*ROLLUP_COUNTS, *ROLLUP_SECONDS)


class RollupDay(models.Model):
    """A local day whose roll-up rows are complete (written with them, in one
    transaction). A day without this row is read live."""

    day = models.DateField(_("day"), primary_key=True)
    rolled_at = models.DateTimeField(_("rolled up at"))

    class Meta:
        ordering = ["-day"]
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")

    def __str__(self) -> str:
        return self.day.isoformat()


class RollupChange(models.Model):
    """An instant (a ticket's received, resolved or closed time, an event's time) whose
    local day changed after it was more than 22 hours old: its roll-up is stale until the
    beat task rolls the day up again, and is read live meanwhile. Written by database
    triggers on tickets, SLA clocks and ticket events (migration 0002), so every write
    path marks it, bulk updates included."""

    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["id"]
        # the reports read the distinct instants on every run: from the index (the table
        # may hold millions of dead rows after a bulk load, until vacuumed and reused)
        indexes = [models.Index(fields=["at"], name="rollup_change_at")]
        verbose_name = _("roll-up change")
        verbose_name_plural = _("roll-up changes")

    def __str__(self) -> str:
        return self.at.isoformat()


class DailyRollup(models.Model):
    """The facts of one local day and one combination of ticket dimensions."""

    day = models.DateField(_("day"))
    organization_id = models.BigIntegerField(_("organization"))
    team_id = models.BigIntegerField(_("service group"), null=True)
    assignee_id = models.BigIntegerField(_("engineer"), null=True)
    channel = models.CharField(_("channel"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20)
    severity = models.CharField(_("severity"), max_length=2)

    class Meta:
        ordering = ["day", "id"]
        verbose_name = _("daily roll-up")
        verbose_name_plural = _("daily roll-ups")
        constraints = [
            # one row per cell (no service group or engineer counts as 0: NULLs would
            # never collide)
            models.UniqueConstraint(
                F("day"),
                F("organization_id"),
                Coalesce("team_id", Value(0)),
                Coalesce("assignee_id", Value(0)),
                F("channel"),
                F("kind"),
                F("severity"),
                name="daily_rollup_unique_cell",
            )
        ]
        indexes = [models.Index(fields=["organization_id", "day"], name="daily_rollup_org_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.organization_id}"


for _name in ROLLUP_COUNTS:
    DailyRollup.add_to_class(_name, models.IntegerField(default=0))
for _name in ROLLUP_SECONDS:
    DailyRollup.add_to_class(_name, models.FloatField(default=0.0))


class RollupMeasure(models.IntegerChoices):
    RESPONSE = 0, _("Response time (calendar)")
    RESOLUTION = 1, _("Resolution time (calendar)")
    RESPONSE_BUSINESS = 2, _("Response time (business)")
    RESOLUTION_BUSINESS = 3, _("Resolution time (business)")
    # by the day a ticket left the backlog: how many local days after the day received
    # (bucket = days, 30 = 30 or more); the backlog's age at a period's end comes from these
    BACKLOG_LEFT = 4, _("Days in the backlog (left)")


class DailyRollupBucket(models.Model):
    """How many durations of one measure fell in one fixed bucket (``reports.rollup.EDGES``,
    minutes), per day and dimensions: medians and p90 of roll-up days come from these."""

    day = models.DateField(_("day"))
    organization_id = models.BigIntegerField(_("organization"))
    team_id = models.BigIntegerField(_("service group"), null=True)
    assignee_id = models.BigIntegerField(_("engineer"), null=True)
    channel = models.CharField(_("channel"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20)
    severity = models.CharField(_("severity"), max_length=2)
    measure = models.SmallIntegerField(_("measure"), choices=RollupMeasure.choices)
    bucket = models.SmallIntegerField(_("bucket"))
    n = models.IntegerField(_("count"))

    class Meta:
        ordering = ["day", "id"]
        verbose_name = _("daily roll-up bucket")
        verbose_name_plural = _("daily roll-up buckets")
        indexes = [
            models.Index(fields=["day"], name="daily_bucket_day"),
            models.Index(fields=["organization_id", "day"], name="daily_bucket_org_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.bucket}"


class DailyRollupTeam(models.Model):
    """The same facts per day, service group and engineer only (``DailyRollup`` summed, in
    the same transaction): what a report for all customers, a service group or an engineer
    reads, some 40 times fewer rows than the full grain."""

    day = models.DateField(_("day"))
    team_id = models.BigIntegerField(_("service group"), null=True)
    assignee_id = models.BigIntegerField(_("engineer"), null=True)

    class Meta:
        ordering = ["day", "id"]
        verbose_name = _("daily roll-up per service group")
        verbose_name_plural = _("daily roll-ups per service group")
        indexes = [models.Index(fields=["day"], name="daily_rollup_team_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.team_id} {self.assignee_id}"


for _name in ROLLUP_COUNTS:
    DailyRollupTeam.add_to_class(_name, models.IntegerField(default=0))
for _name in ROLLUP_SECONDS:
    DailyRollupTeam.add_to_class(_name, models.FloatField(default=0.0))


class DailyRollupTeamBucket(models.Model):
    """``DailyRollupBucket`` summed per day, service group and engineer."""

    day = models.DateField(_("day"))
    team_id = models.BigIntegerField(_("service group"), null=True)
    assignee_id = models.BigIntegerField(_("engineer"), null=True)
    measure = models.SmallIntegerField(_("measure"), choices=RollupMeasure.choices)
    bucket = models.SmallIntegerField(_("bucket"))
    n = models.IntegerField(_("count"))

    class Meta:
        ordering = ["day", "id"]
        verbose_name = _("daily roll-up bucket per service group")
        verbose_name_plural = _("daily roll-up buckets per service group")
        indexes = [models.Index(fields=["day"], name="daily_bucket_team_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.bucket}"


class DailyHours(models.Model):
    """Service hours (time entries) summed per day worked, engineer, the ticket's
    organization and service group and the work order's service group: what the service
    hours and the appraisal read for roll-up days (``reports.rollup.hours``). An entry on a
    work order alone has no organization."""

    day = models.DateField(_("day"))
    user_id = models.BigIntegerField(_("engineer"))
    organization_id = models.BigIntegerField(_("organization"), null=True)
    ticket_team_id = models.BigIntegerField(_("service group of the ticket"), null=True)
    order_team_id = models.BigIntegerField(_("service group of the work order"), null=True)
    minutes = models.IntegerField(_("minutes"), default=0)
    on_site_minutes = models.IntegerField(_("on-site minutes"), default=0)
    remote_minutes = models.IntegerField(_("remote minutes"), default=0)
    entries = models.IntegerField(_("entries"), default=0)

    class Meta:
        ordering = ["day", "id"]
        verbose_name = _("daily service hours")
        verbose_name_plural = _("daily service hours")
        indexes = [
            models.Index(fields=["day"], name="daily_hours_day"),
            models.Index(fields=["organization_id", "day"], name="daily_hours_org_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.user_id}"


class DailyRollupDayBucket(models.Model):
    """``DailyRollupBucket`` summed per day only: the percentiles and backlog ages of a
    report over everything (all customers, no service group or engineer), some 15 times
    fewer rows than the per-group copy."""

    day = models.DateField(_("day"))
    measure = models.SmallIntegerField(_("measure"), choices=RollupMeasure.choices)
    bucket = models.SmallIntegerField(_("bucket"))
    n = models.IntegerField(_("count"))

    class Meta:
        ordering = ["day", "id"]
        verbose_name = _("daily roll-up bucket per day")
        verbose_name_plural = _("daily roll-up buckets per day")
        indexes = [models.Index(fields=["day", "measure"], name="daily_bucket_day_only")]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.bucket}"


class DailyRollupOrg(models.Model):
    """Per day and organization, what the backlog reads (received, gone): a customer's
    backlog sums every day since its first ticket, some 730 rows here instead of its
    full-grain rows of two years."""

    day = models.DateField(_("day"))
    organization_id = models.BigIntegerField(_("organization"))
    received = models.IntegerField(default=0)
    gone = models.IntegerField(default=0)

    class Meta:
        ordering = ["day", "id"]
        verbose_name = _("daily roll-up per organization")
        verbose_name_plural = _("daily roll-ups per organization")
        indexes = [models.Index(fields=["organization_id", "day"], name="daily_rollup_org_only")]

    def __str__(self) -> str:
        return f"{self.day} {self.organization_id}"


class DailyRollupOrgBucket(models.Model):
    """``DailyRollupBucket`` summed per day and organization: a customer's percentiles and
    backlog ages."""

    day = models.DateField(_("day"))
    organization_id = models.BigIntegerField(_("organization"))
    measure = models.SmallIntegerField(_("measure"), choices=RollupMeasure.choices)
    bucket = models.SmallIntegerField(_("bucket"))
    n = models.IntegerField(_("count"))

    class Meta:
        ordering = ["day", "id"]
        verbose_name = _("daily roll-up bucket per organization")
        verbose_name_plural = _("daily roll-up buckets per organization")
        indexes = [models.Index(fields=["organization_id", "day"], name="daily_bucket_org_only")]

    def __str__(self) -> str:
        return f"{self.day} {self.organization_id} {self.measure} {self.bucket}"

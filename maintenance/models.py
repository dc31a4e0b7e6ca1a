"""Product maintenance: work orders and their sign-off, fault analysis and the product fault
log, maintenance plans with scheduled inspections, and service hours.

Work orders change tickets only through the tickets' services (DESIGN.md section 2).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.choices import choice_label
from servicedesk.events import AuditEvent
from servicedesk.models import Contract, Product, ProductVersion, Team
from tickets.models import Ticket

from .choices import (
    CheckOutcome,
    FollowUpOutcome,
    PlanStatus,
    Recurrence,
    RootCause,
    TestResult,
    VisitStatus,
    WorkMode,
    WorkOrderKind,
    WorkOrderStatus,
)

SEVERITIES = (("L1", "L1"), ("L2", "L2"), ("L3", "L3"), ("L4", "L4"))


class WorkOrderSequence(models.Model):
    """One row per year; incremented under a row lock so numbers never collide."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class MaintenancePlan(models.Model):
    """产品维护计划 / 用户服务计划: what is promised to one contract over a period."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="maintenance_plans"
    )
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("period starts on"))
    ends_on = models.DateField(_("period ends on"))
    goals = models.TextField(_("goals"), blank=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="maintenance_plans",
        verbose_name=_("responsible service group"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="the manager a deputy signed for",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="plan_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_status_display(self) -> str:
        return choice_label(PlanStatus, self.status)


class PlanItem(models.Model):
    """One scheduled inspection (定期巡检) of a plan: a recurrence and a checklist."""

    plan = models.ForeignKey(MaintenancePlan, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("title"), max_length=200)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recurrence = models.CharField(_("recurrence"), max_length=20, choices=Recurrence.choices)
    day = models.PositiveSmallIntegerField(
        _("day"),
        null=True,
        blank=True,
        help_text=_("Weekly: 0 = Monday … 6 = Sunday. Monthly, quarterly, yearly: day of month."),
    )
    month = models.PositiveSmallIntegerField(
        _("month"), null=True, blank=True, help_text=_("Yearly: the month (1–12).")
    )
    rrule = models.CharField(_("RRULE"), max_length=500, blank=True)
    lead_days = models.PositiveSmallIntegerField(_("create this many days before"), default=7)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)

    class Meta:
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return self.title


class WorkOrder(models.Model):
    number = models.CharField(_("work order number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=WorkOrderKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=WorkOrderStatus.choices, default=WorkOrderStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("facts"), blank=True)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders"
    )
    severity = models.CharField(_("severity"), max_length=2, choices=SEVERITIES, blank=True)
    tickets = models.ManyToManyField(
        Ticket, through="WorkOrderTicket", related_name="work_orders", blank=True
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="work_orders"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_orders",
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="the manager a deputy signed for",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    # analysis (故障分析)
    root_cause = models.CharField(
        _("root cause"), max_length=20, choices=RootCause.choices, blank=True
    )
    root_cause_text = models.TextField(_("cause"), blank=True)
    confirmed_severity = models.CharField(
        _("confirmed severity"), max_length=2, choices=SEVERITIES, blank=True
    )
    affected_versions = models.ManyToManyField(
        ProductVersion, related_name="faults", blank=True, verbose_name=_("affected versions")
    )
    software_change = models.BooleanField(_("software must change"), null=True, blank=True)
    analysis_report = models.TextField(_("fault analysis report"), blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    # fix and test
    change_summary = models.TextField(_("change"), blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    test_result = models.CharField(max_length=10, choices=TestResult.choices, blank=True)
    test_notes = models.TextField(_("test notes"), blank=True)
    manual_updated = models.BooleanField(_("user manual updated"), default=False)
    manual_section = models.CharField(_("manual section"), max_length=200, blank=True)
    delivered_version = models.ForeignKey(
        ProductVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fixes",
        verbose_name=_("delivered in"),
    )
    delivery_note = models.TextField(_("told to the customer"), blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    # preventive orders: one per plan item and occurrence (a database constraint)
    plan_item = models.ForeignKey(
        PlanItem, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders"
    )
    occurrence = models.DateField(_("inspection date"), null=True, blank=True)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    raised_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="raised"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="wo_status_created"),
            models.Index(
                fields=["submitted_at", "id"],
                name="wo_awaiting_approval",
                condition=Q(status="submitted"),
            ),
            models.Index(fields=["kind", "status"], name="wo_kind_status"),
            models.Index(fields=["occurrence"], name="wo_occurrence"),
            # the work-order report's periods: signed, analysed, delivered (the report
            # scanned every order for each, docs/PERFORMANCE.md "The daily roll-up")
            *(
                models.Index(
                    fields=[column],
                    name=f"wo_{column}",
                    condition=Q(**{f"{column}__isnull": False}),
                )
                for column in ("approved_at", "analysed_at", "delivered_at")
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["plan_item", "occurrence"],
                condition=Q(plan_item__isnull=False),
                name="wo_one_per_plan_occurrence",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_kind_display(self) -> str:
        return choice_label(WorkOrderKind, self.kind)

    def get_status_display(self) -> str:
        return choice_label(WorkOrderStatus, self.status)


class WorkOrderTicket(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="work_order_links")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work_order", "ticket"], name="wo_ticket_unique")
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} ↔ {self.ticket_id}"


class WorkOrderEvent(AuditEvent):
    """Append-only audit trail of a work order: who did what, when."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["work_order", "created_at"], name="wo_event_time")]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.kind}"


class Deputy(models.Model):
    """A manager's deputy for a date range: may sign in the manager's place."""

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deputies"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deputising"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="deputy_period_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(manager=models.F("deputy")), name="deputy_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deputy_id} for {self.manager_id}"


class FaultLogEntry(models.Model):
    """产品故障记录: one line per analysed corrective work order, per product."""

    work_order = models.OneToOneField(
        WorkOrder, on_delete=models.CASCADE, related_name="fault_log_entry"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="fault_log")
    recorded_on = models.DateField(_("date"))
    severity = models.CharField(_("severity"), max_length=2, choices=SEVERITIES)
    cause = models.CharField(_("cause category"), max_length=20, choices=RootCause.choices)
    summary = models.CharField(_("fault"), max_length=200)
    affected_versions = models.ManyToManyField(ProductVersion, related_name="+", blank=True)
    fixed_version = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tickets = models.ManyToManyField(Ticket, related_name="+", blank=True)

    class Meta:
        ordering = ["-recorded_on", "-id"]
        verbose_name = _("product fault log entry")
        verbose_name_plural = _("product fault log")
        indexes = [models.Index(fields=["product", "-recorded_on"], name="faultlog_product_date")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.recorded_on} {self.summary}"


class TimeEntry(models.Model):
    """服务机时: time an engineer spent on a ticket or a work order."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="time_entries"
    )
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, null=True, blank=True, related_name="time_entries"
    )
    worked_on = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(_("minutes"))
    mode = models.CharField(_("mode"), max_length=10, choices=WorkMode.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-worked_on", "-id"]
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(ticket__isnull=False) | Q(work_order__isnull=False),
                name="time_entry_has_subject",
            ),
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=24 * 60), name="time_entry_minutes"
            ),
        ]
        indexes = [models.Index(fields=["user", "worked_on"], name="time_user_date")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.worked_on} {self.minutes} min"


class InspectionCheck(models.Model):
    """The result of one checklist item of a completed inspection; an issue may raise an order."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="checks")
    item = models.CharField(_("checklist item"), max_length=300)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CheckOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    raised = models.ForeignKey(
        WorkOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["work_order", "id"]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.item}: {self.outcome}"


class PlanEvent(AuditEvent):
    """Append-only audit trail of a maintenance plan: drafting, edits, sign-off, closing."""

    plan = models.ForeignKey(MaintenancePlan, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["plan", "created_at"], name="plan_event_time")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.kind}"


class FollowUp(models.Model):
    """回访: a check with the customer some working days after an L1/L2 fault or a complaint
    was resolved. Created with the resolve; "recurred" reopens the ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="follow_ups")
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("assignee"),
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=FollowUpOutcome.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        constraints = [
            # one open follow-up per ticket: a second resolve (after a reopen) makes a new one
            # only once the first is recorded
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(done_at__isnull=True), name="follow_up_one_open"
            ),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, outcome="")
                | Q(done_at__isnull=False) & ~Q(outcome=""),
                name="follow_up_outcome_when_done",
            ),
        ]
        indexes = [
            models.Index(
                fields=["assignee", "due_at"],
                name="follow_up_open_due",
                condition=Q(done_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.due_at:%Y-%m-%d}"


class OnSiteVisit(models.Model):
    """上门服务 / 现场服务: an engineer on site when the hotline cannot solve a fault.

    ``due_at`` is the 24-business-hour deadline from the request on the ticket's calendar;
    it is a deadline of the visit, not an SLA clock (docs/MAINTENANCE.md says why).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="visits")
    status = models.CharField(
        _("status"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.REQUESTED
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("engineer"),
    )
    contact_name = models.CharField(_("contact"), max_length=120, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    due_at = models.DateTimeField(_("on site by"))
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    report = models.TextField(_("visit report"), blank=True)
    time_entry = models.OneToOneField(
        TimeEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="visit"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    cancel_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("on-site visit")
        verbose_name_plural = _("on-site visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(departed_at__isnull=True) | Q(arrived_at__lte=models.F("departed_at")),
                name="visit_departs_after_arrival",
            ),
        ]
        indexes = [models.Index(fields=["ticket", "requested_at"], name="visit_ticket_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.status}"

    def status_label(self) -> str:
        return choice_label(VisitStatus, self.status)

    @property
    def on_time(self) -> bool | None:
        """Whether the engineer arrived by the deadline (None while not arrived)."""
        if self.arrived_at is None:
            return None
        return self.arrived_at <= self.due_at


class VisitEvent(AuditEvent):
    """Append-only audit trail of on-site visits and follow-ups of a ticket."""

    visit = models.ForeignKey(
        OnSiteVisit, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )

    class Meta(AuditEvent.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(visit__isnull=False) | Q(follow_up__isnull=False),
                name="visit_event_has_subject",
            )
        ]
        indexes = [models.Index(fields=["visit", "created_at"], name="visit_event_time")]

    def __str__(self) -> str:
        return f"{self.visit_id or self.follow_up_id} {self.kind}"


class InspectionDueNotice(models.Model):
    """That the people of a scheduled inspection were told on a day it was due: the daily
    task writes one per inspection and day, so a rerun tells nobody twice."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work_order", "day"], name="inspection_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.day}"

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkOrderKind(models.TextChoices):
    CORRECTIVE = "corrective", _("Fault work order")
    PERFECTIVE = "perfective", _("Customization work order")
    PREVENTIVE = "preventive", _("Scheduled inspection")


class WorkOrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting sign-off")
    APPROVED = "approved", _("Signed off")
    ANALYSIS = "analysis", _("Analysis")
    FIXING = "fixing", _("Fixing")
    TESTING = "testing", _("Testing")
    DELIVERED = "delivered", _("Delivered")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_WORK_ORDER_STATUSES = frozenset(
    {
        WorkOrderStatus.DRAFT,
        WorkOrderStatus.SUBMITTED,
        WorkOrderStatus.APPROVED,
        WorkOrderStatus.ANALYSIS,
        WorkOrderStatus.FIXING,
        WorkOrderStatus.TESTING,
    }
)


class RootCause(models.TextChoices):
    CODE_DEFECT = "code_defect", _("Code defect")
    CONFIGURATION = "configuration", _("Configuration")
    DATA = "data", _("Data")
    ENVIRONMENT = "environment", _("Environment")
    USAGE = "usage", _("Usage")
    THIRD_PARTY = "third_party", _("Third party")
    OTHER = "other", _("Other")


class TestResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class WorkMode(models.TextChoices):
    ON_SITE = "on_site", _("On-site")
    REMOTE = "remote", _("Remote")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting sign-off")
    APPROVED = "approved", _("Signed off")
    CLOSED = "closed", _("Closed")


class Recurrence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly on a day")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")
    RRULE = "rrule", _("Custom (RFC 5545 RRULE)")


class CheckOutcome(models.TextChoices):
    OK = "ok", _("OK")
    ISSUE = "issue", _("Issue found")


class FollowUpOutcome(models.TextChoices):
    """回访: what the follow-up found."""

    NOT_RECURRED = "not_recurred", _("Problem did not recur")
    RECURRED = "recurred", _("Problem recurred")


class VisitStatus(models.TextChoices):
    """上门服务: an on-site visit from the request to the customer's confirmation."""

    REQUESTED = "requested", _("Requested")
    SCHEDULED = "scheduled", _("Scheduled")
    ON_SITE = "on_site", _("Engineer on site")
    DONE = "done", _("Done")
    CONFIRMED = "confirmed", _("Confirmed by the customer")
    REFUSED = "refused", _("Refused by the customer")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_VISIT_STATUSES = frozenset({VisitStatus.REQUESTED, VisitStatus.SCHEDULED, VisitStatus.ON_SITE})

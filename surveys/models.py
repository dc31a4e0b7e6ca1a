"""满意度调查 and 回访: invitations with single-use links, answers, campaigns.

Per-case ratings stay on the ticket (``Ticket.rating``, what reports read); an invitation
of kind ``per_case`` is the link to that same confirmation. Random surveys and campaigns
keep their answers here (``SurveyResponse``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.events import AuditEvent
from servicedesk.models import Contact, Organization


class SurveyKind(models.TextChoices):
    PER_CASE = "per_case", _("Per case")
    RANDOM = "random", _("Random")
    CAMPAIGN = "campaign", _("Campaign")


class CampaignSchedule(models.TextChoices):
    ONCE = "once", _("Once")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")


SCHEDULE_MONTHS = {
    CampaignSchedule.QUARTERLY: 3,
    CampaignSchedule.HALF_YEARLY: 6,
    CampaignSchedule.YEARLY: 12,
}


class SurveyCampaign(models.Model):
    """A periodic follow-up (回访) or annual survey sent to the contacts of organizations."""

    title = models.CharField(_("title"), max_length=200)
    organizations = models.ManyToManyField(
        Organization, related_name="survey_campaigns", verbose_name=_("organizations")
    )
    schedule = models.CharField(
        _("schedule"),
        max_length=20,
        choices=CampaignSchedule.choices,
        default=CampaignSchedule.ONCE,
    )
    starts_on = models.DateField(_("first sent on"))
    reminder_days = models.PositiveSmallIntegerField(
        _("reminder after (days)"),
        default=7,
        help_text=_("One reminder to those who have not answered, this many days later."),
    )
    next_send_at = models.DateTimeField(null=True, blank=True)
    rounds_sent = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        indexes = [
            models.Index(
                fields=["next_send_at"],
                name="survey_campaign_due",
                condition=Q(next_send_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.title


class SurveyInvitation(models.Model):
    """One person asked once: the link's token is derived from ``nonce`` and stored only as
    its SHA-256 (surveys/tokens.py)."""

    kind = models.CharField(_("kind"), max_length=20, choices=SurveyKind.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="the portal user answering, if the person has one (the audit's actor)",
    )
    email = models.EmailField(blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    campaign = models.ForeignKey(
        SurveyCampaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    round = models.PositiveSmallIntegerField(default=0)
    nonce = models.CharField(max_length=32, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            # one per-case or random invitation per ticket and kind; one per campaign round
            # and contact
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                name="survey_invitation_ticket_once",
                condition=Q(ticket__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["campaign", "round", "contact"],
                name="survey_invitation_round_once",
                condition=Q(campaign__isnull=False),
            ),
        ]
        indexes = [
            # the cool-down: a contact's latest random invitation
            models.Index(fields=["contact", "kind", "created_at"], name="survey_inv_contact"),
            # response rates of a period
            models.Index(fields=["kind", "created_at"], name="survey_inv_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class SurveyResponse(models.Model):
    """The answer to a random survey or a campaign (a per-case answer is the ticket's
    rating). Scores 1-5; the campaign's questions: overall, responsiveness,
    professionalism, free text."""

    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.CASCADE, related_name="response"
    )
    overall = models.PositiveSmallIntegerField(_("overall"))
    responsiveness = models.PositiveSmallIntegerField(_("responsiveness"), null=True, blank=True)
    professionalism = models.PositiveSmallIntegerField(_("professionalism"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.CheckConstraint(
                name="survey_response_scores_1_to_5",
                condition=Q(overall__gte=1, overall__lte=5)
                & (Q(responsiveness__isnull=True) | Q(responsiveness__gte=1, responsiveness__lte=5))
                & (
                    Q(professionalism__isnull=True)
                    | Q(professionalism__gte=1, professionalism__lte=5)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id}: {self.overall}"


class SurveyPolicy(models.Model):
    """An organization's own share of random surveys (else ``SURVEY_RANDOM_PERCENT``)."""

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="survey_policy",
        verbose_name=_("organization"),
    )
    random_percent = models.PositiveSmallIntegerField(
        _("random survey share (%)"),
        help_text=_("Per cent of closed, unrated tickets whose contact gets a short survey."),
    )

    class Meta:
        verbose_name = _("survey policy")
        verbose_name_plural = _("survey policies")
        constraints = [
            models.CheckConstraint(
                name="survey_policy_percent", condition=Q(random_percent__lte=100)
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.random_percent}%"


class SurveyEvent(AuditEvent):
    """Append-only trail: campaign created and sent, invitations answered (``data``)."""

    campaign = models.ForeignKey(
        SurveyCampaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    invitation = models.ForeignKey(
        SurveyInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["campaign", "created_at"], name="survey_event_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d}"

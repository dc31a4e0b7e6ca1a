"""Every state change of surveys: invitations, answers, campaigns, and the quiet period that
closes resolved tickets nobody confirmed. The only write path (pages, API, tasks and the
ticket signals call these).

Locks: an answer locks its invitation row (``select_for_update``) before anything else, so
two submissions of one link queue and the second finds it used; a per-case answer then
locks the ticket inside ``ticket_confirm``. Campaign rounds lock the campaign row
(``skip_locked``: two beats never send one round twice, and the unique constraint on
campaign, round and contact would refuse it anyway).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, DomainError, NotAllowed, NotFound, ValidationFailed
from servicedesk.models import Contact, Organization, User
from servicedesk.notifications import Recipient, notify, recipient_for_contact, recipient_for_user
from servicedesk.permissions import is_manager
from sla.arithmetic import ordinary_day_minutes
from sla.models import BusinessCalendar, ClockKind, SlaClock
from sla.selectors import calendar_of
from tickets.choices import TicketStatus
from tickets.models import Ticket
from tickets.services import ticket_confirm
from tickets.services.complaints import COMPLAINT_UP_TO, complaint_open
from tickets.services.lifecycle import ticket_close_unanswered

from .models import (
    SCHEDULE_MONTHS,
    CampaignSchedule,
    SurveyCampaign,
    SurveyEvent,
    SurveyInvitation,
    SurveyKind,
    SurveyPolicy,
    SurveyResponse,
)
from .tokens import nonce_new, token_for, token_hash, token_well_formed

INVITATION_TOPIC = "survey.invitation"
AUTO_CLOSE_BATCH = 200


class LinkExpired(DomainError):
    code = "expired"
    status = 410


# Invitations ------------------------------------------------------------------------------


def invitation_path(invitation: SurveyInvitation) -> str:
    return reverse("surveys:answer", args=[token_for(invitation.nonce)])


def _recipient(user: User | None, contact: Contact | None) -> Recipient | None:
    if user is not None and user.is_active and user.email:
        return recipient_for_user(user)
    if contact is not None and contact.email:
        return recipient_for_contact(contact)
    return None


def _send(invitation: SurveyInvitation, recipient: Recipient, *, reminder: bool = False) -> None:
    ticket, campaign = invitation.ticket, invitation.campaign
    notify(
        recipient,
        INVITATION_TOPIC,
        {
            "kind": invitation.kind,
            "reminder": reminder,
            "ticket": ticket.number if ticket else "",
            "title": ticket.title if ticket else (campaign.title if campaign else ""),
            "organization": invitation.organization.name,
            "expires_at": invitation.expires_at.isoformat(),
            "path": invitation_path(invitation),
        },
    )


def invitation_create(
    *,
    kind: str,
    organization: Organization,
    contact: Contact | None,
    user: User | None,
    ticket: Ticket | None = None,
    campaign: SurveyCampaign | None = None,
    round: int = 0,
    now: datetime | None = None,
    send: bool = True,
) -> SurveyInvitation | None:
    """Ask one person (their portal user if they have one, else the contact's address);
    None when there is nobody to write to. A per-case invitation of a ticket resolved again
    replaces the earlier one (its link stops working). ``send`` False: the caller carries
    the link in a mail of its own (the resolution notice)."""
    recipient = _recipient(user, contact)
    if recipient is None:
        return None
    now = now or timezone.now()
    nonce = nonce_new()
    values = {
        "organization": organization,
        "contact": contact,
        "user": recipient.user,
        "email": recipient.email,
        "campaign": campaign,
        "round": round,
        "nonce": nonce,
        "token_hash": token_hash(token_for(nonce)),
        "created_at": now,
        "expires_at": now + timedelta(days=settings.SURVEY_TOKEN_DAYS),
        "used_at": None,
        "reminded_at": None,
    }
    if ticket is not None:
        invitation, _created = SurveyInvitation.objects.update_or_create(
            ticket=ticket, kind=kind, defaults=values
        )
    else:
        invitation = SurveyInvitation.objects.create(kind=kind, **values)
    if send:
        _send(invitation, recipient)
    return invitation


def invitation_for_resolved(ticket: Ticket, *, at: datetime) -> SurveyInvitation | None:
    """个案: the ticket's requester (else its contact) is asked to confirm and rate. No mail
    of its own: the link rides in the resolution notice (``ticket.resolved``, see
    ``resolution_link``), so a resolve sends one mail per person."""
    requester = ticket.requester if ticket.requester_id else None
    contact = ticket.contact if ticket.contact_id else None
    if contact is None and requester is not None:
        contact = Contact.objects.filter(user=requester).first()
    return invitation_create(
        kind=SurveyKind.PER_CASE,
        organization=ticket.organization,
        contact=contact,
        user=requester or (contact.user if contact else None),
        ticket=ticket,
        now=at,
        send=False,
    )


def resolution_link(invitation: SurveyInvitation | None) -> dict[str, Any] | None:
    """What the resolution notice to the invitation's person carries: the confirm-and-rate
    link and until when it works. Keyed by the address it was issued to, so the ticket's
    service puts it only in that person's mail (never in a webhook payload)."""
    if invitation is None:
        return None
    return {
        "email": invitation.email,
        "payload": {
            "survey_path": invitation_path(invitation),
            "survey_expires_at": invitation.expires_at.isoformat(),
        },
    }


def random_percent_of(organization: Organization) -> int | None:
    return (
        SurveyPolicy.objects.filter(organization=organization)
        .values_list("random_percent", flat=True)
        .first()
    )


def random_percent(organization: Organization) -> int:
    policy = SurveyPolicy.objects.filter(organization=organization).first()
    return policy.random_percent if policy else settings.SURVEY_RANDOM_PERCENT


def random_selected(ticket: Ticket, percent: int) -> bool:
    """Whether a closed ticket falls in the sample: a fixed function of its number (uniform
    over numbers), so the draw is reproducible and a test can rely on it."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"survey:{ticket.number}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def invitation_for_closed(ticket: Ticket, *, at: datetime, rated: bool) -> SurveyInvitation | None:
    """随机: a closed ticket nobody rated may get a short survey; its per-case link expires.
    Not when its contact was asked within ``SURVEY_COOLDOWN_DAYS``."""
    SurveyInvitation.objects.filter(
        ticket=ticket, kind=SurveyKind.PER_CASE, used_at=None, expires_at__gt=at
    ).update(expires_at=at)
    if rated or not random_selected(ticket, random_percent(ticket.organization)):
        return None
    if SurveyInvitation.objects.filter(ticket=ticket, kind=SurveyKind.RANDOM).exists():
        return None  # closed again after a reopening: asked once per ticket
    contact = ticket.contact if ticket.contact_id else None
    if contact is None and ticket.requester_id:
        contact = Contact.objects.filter(user_id=ticket.requester_id).first()
    if contact is None:
        return None
    since = at - timedelta(days=settings.SURVEY_COOLDOWN_DAYS)
    if SurveyInvitation.objects.filter(
        contact=contact, kind=SurveyKind.RANDOM, created_at__gt=since
    ).exists():
        return None
    return invitation_create(
        kind=SurveyKind.RANDOM,
        organization=ticket.organization,
        contact=contact,
        user=contact.user if contact.user_id else None,
        ticket=ticket,
        now=at,
    )


@transaction.atomic
def survey_policy_set(
    *, actor: User, organization: Organization, random_percent: int | None
) -> SurveyPolicy | None:
    """A manager sets an organization's share of random surveys (None: back to the
    default ``SURVEY_RANDOM_PERCENT``); audited."""
    if not is_manager(actor):
        raise NotAllowed(_("Only managers run satisfaction surveys."))
    if random_percent is not None and not 0 <= int(random_percent) <= 100:
        raise ValidationFailed(
            _("A share from 0 to 100 per cent."),
            fields={"random_percent": [_("From 0 to 100.")]},
        )
    old = random_percent_of(organization)
    policy: SurveyPolicy | None = None
    if random_percent is None:
        SurveyPolicy.objects.filter(organization=organization).delete()
    else:
        policy, _created = SurveyPolicy.objects.update_or_create(
            organization=organization, defaults={"random_percent": int(random_percent)}
        )
    SurveyEvent.objects.create(
        actor=actor,
        kind="policy_set",
        data={"organization": organization.pk, "old": old, "new": random_percent},
    )
    return policy


# Answers ----------------------------------------------------------------------------------


def invitation_by_token(token: str, *, lock: bool = False) -> SurveyInvitation:
    """The invitation a link opens: NotFound for a token nobody issued."""
    if not token_well_formed(token):
        raise NotFound(_("This survey link is not valid."))
    rows = SurveyInvitation.objects.select_related("ticket", "campaign", "organization")
    if lock:
        rows = rows.select_for_update(of=("self",))
    found = rows.filter(token_hash=token_hash(token)).first()
    if found is None:
        raise NotFound(_("This survey link is not valid."))
    return found


def invitation_check(invitation: SurveyInvitation, *, viewer: Any, now: datetime) -> None:
    """What a link may do for whoever opens it: someone signed in who is not a customer of
    the invitation's organization gets 404 (a link forwarded to staff or another customer
    answers nothing); used: 409; expired: 410."""
    signed_in = viewer is not None and getattr(viewer, "is_authenticated", False)
    if signed_in and getattr(viewer, "organization_id", None) != invitation.organization_id:
        raise NotFound(_("This survey link is not valid."))
    if invitation.used_at is not None:
        raise Conflict(
            _("This survey was already answered. Thank you, there is nothing more to do."),
            code="already_answered",
        )
    if invitation.expires_at <= now:
        raise LinkExpired(_("This survey link has expired."))


def _score(value: Any, field: str, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(
                _("Give a score from 1 to 5."), fields={field: [_("A whole number from 1 to 5.")]}
            )
        return None
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationFailed(
            _("Give a score from 1 to 5."), fields={field: [_("A whole number from 1 to 5.")]}
        )
    return score


@transaction.atomic
def survey_answer(
    token: str,
    *,
    viewer: Any = None,
    overall: Any,
    responsiveness: Any = None,
    professionalism: Any = None,
    comment: str = "",
) -> SurveyInvitation:
    """Answer the invitation behind a link, once. Per case: the ticket's confirmation and
    rating (``ticket_confirm``, the portal's service; the actor is the contact's portal
    user, else none with the contact recorded). Random and campaign: a ``SurveyResponse``.
    A score of 1 or 2 opens a complaint (once)."""
    now = timezone.now()
    invitation = invitation_by_token(token, lock=True)
    invitation_check(invitation, viewer=viewer, now=now)
    campaign = invitation.kind == SurveyKind.CAMPAIGN
    score = _score(overall, "overall", True)
    extra = {
        "responsiveness": _score(responsiveness, "responsiveness", campaign),
        "professionalism": _score(professionalism, "professionalism", campaign),
    }
    assert score is not None
    comment = (comment or "").strip()[:4000]
    actor = invitation.user if invitation.user is not None and invitation.user.is_active else None
    if invitation.kind == SurveyKind.PER_CASE:
        assert invitation.ticket is not None
        if invitation.ticket.status != TicketStatus.RESOLVED:
            raise Conflict(
                _("This request is no longer awaiting your confirmation."), code="not_resolved"
            )
        ticket_confirm(
            invitation.ticket,
            actor=actor,
            accepted=True,
            rating=score,
            comment=comment,
            contact_id=invitation.contact_id if actor is None else None,
        )
    else:
        SurveyResponse.objects.create(
            invitation=invitation, overall=score, comment=comment, created_at=now, **extra
        )
        if min(s for s in (score, *extra.values()) if s is not None) <= COMPLAINT_UP_TO:
            complaint_open(
                key=f"survey:{invitation.pk}",
                organization=invitation.organization,
                contact=invitation.contact,
                rated_ticket=invitation.ticket,
                score=min(s for s in (score, *extra.values()) if s is not None),
                comment=comment,
                source=(
                    invitation.campaign.title
                    if invitation.campaign
                    else _("random survey of %(number)s")
                    % {"number": invitation.ticket.number if invitation.ticket else ""}
                ),
            )
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    SurveyEvent.objects.create(
        actor=actor,
        kind="answered",
        campaign=invitation.campaign,
        invitation=invitation,
        created_at=now,
        data={"kind": invitation.kind, "overall": score, "contact": invitation.contact_id},
    )
    return invitation


# Campaigns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignInput:
    title: str
    organizations: list[Organization]
    schedule: str = CampaignSchedule.ONCE
    starts_on: date | None = None
    reminder_days: int | None = None


def _first_send(day: date) -> datetime:
    """09:00 local on the day (people read mail in the morning)."""
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def _add_months(moment: datetime, months: int) -> datetime:
    local = timezone.localtime(moment)
    month = local.month - 1 + months
    year, month = local.year + month // 12, month % 12 + 1
    day = min(local.day, 28)
    return local.replace(year=year, month=month, day=day)


@transaction.atomic
def campaign_create(*, actor: User, data: CampaignInput) -> SurveyCampaign:
    """A manager sets up a follow-up or annual survey for chosen organizations."""
    if not is_manager(actor):
        raise NotAllowed(_("Only managers create survey campaigns."))
    errors: dict[str, list[str]] = {}
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = [_("A title is required.")]
    if not data.organizations:
        errors["organizations"] = [_("Choose at least one organization.")]
    if data.schedule not in CampaignSchedule.values:
        errors["schedule"] = [_("Unknown schedule.")]
    reminder = settings.SURVEY_REMINDER_DAYS if data.reminder_days is None else data.reminder_days
    if not 1 <= int(reminder) <= 60:
        errors["reminder_days"] = [_("From 1 to 60 days.")]
    today = timezone.localdate()
    starts_on = data.starts_on or today
    if starts_on < today:
        errors["starts_on"] = [_("The first sending cannot be in the past.")]
    if errors:
        raise ValidationFailed(_("The campaign has errors."), fields=errors)
    campaign = SurveyCampaign.objects.create(
        title=title[:200],
        schedule=data.schedule,
        starts_on=starts_on,
        reminder_days=int(reminder),
        next_send_at=_first_send(starts_on) if starts_on > today else timezone.now(),
        created_by=actor,
    )
    campaign.organizations.set(data.organizations)
    SurveyEvent.objects.create(
        actor=actor,
        kind="created",
        campaign=campaign,
        data={"title": campaign.title, "organizations": [o.pk for o in data.organizations]},
    )
    return campaign


@transaction.atomic
def campaign_send_round(campaign_id: int, *, now: datetime) -> int:
    """Send the campaign's next round to every contact with an address of its (active)
    organizations; returns how many were invited (0 if another process took it)."""
    campaign = (
        SurveyCampaign.objects.select_for_update(skip_locked=True)
        .filter(pk=campaign_id, is_active=True, next_send_at__lte=now)
        .first()
    )
    if campaign is None:
        return 0
    round = campaign.rounds_sent + 1
    contacts = (
        Contact.objects.filter(
            organization__in=campaign.organizations.filter(is_active=True),
            organization__is_active=True,
        )
        .exclude(email="")
        .select_related("organization", "user")
        .order_by("pk")
    )
    sent = 0
    for contact in contacts:
        if invitation_create(
            kind=SurveyKind.CAMPAIGN,
            organization=contact.organization,
            contact=contact,
            user=contact.user if contact.user_id else None,
            campaign=campaign,
            round=round,
            now=now,
        ):
            sent += 1
    months = SCHEDULE_MONTHS.get(CampaignSchedule(campaign.schedule))
    campaign.rounds_sent = round
    campaign.next_send_at = _add_months(campaign.next_send_at or now, months) if months else None
    campaign.save(update_fields=["rounds_sent", "next_send_at"])
    SurveyEvent.objects.create(
        actor=None,
        kind="sent",
        campaign=campaign,
        created_at=now,
        data={"round": round, "invited": sent},
    )
    return sent


def campaigns_run(*, now: datetime | None = None) -> dict[str, int]:
    """Beat: send the rounds that are due, then the one reminder of each unanswered
    campaign invitation older than its campaign's ``reminder_days``. Idempotent."""
    now = now or timezone.now()
    due = list(
        SurveyCampaign.objects.filter(is_active=True, next_send_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    invited = sum(campaign_send_round(pk, now=now) for pk in due)
    return {"invited": invited, "reminded": reminders_send(now=now)}


@transaction.atomic
def reminders_send(*, now: datetime) -> int:
    """One reminder per unanswered, unexpired campaign invitation, after its campaign's
    ``reminder_days``; ``reminded_at`` makes it one."""
    rows = list(
        SurveyInvitation.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(kind=SurveyKind.CAMPAIGN, used_at=None, reminded_at=None, expires_at__gt=now)
        .select_related("campaign", "organization", "contact__organization", "user__organization")
        .order_by("created_at", "pk")[:500]  # the oldest first: they are the due ones
    )
    reminded = 0
    for invitation in rows:
        assert invitation.campaign is not None
        if invitation.created_at > now - timedelta(days=invitation.campaign.reminder_days):
            continue
        recipient = _recipient(invitation.user, invitation.contact)
        if recipient is not None:
            _send(invitation, recipient, reminder=True)
        invitation.reminded_at = now
        invitation.save(update_fields=["reminded_at"])
        reminded += 1
    return reminded


# The quiet period -------------------------------------------------------------------------


def _calendars(ticket_ids: list[int]) -> dict[int, Any]:
    clocks = SlaClock.objects.filter(
        ticket_id__in=ticket_ids, kind=ClockKind.RESOLUTION
    ).select_related("calendar")
    return {c.ticket_id: c.calendar for c in clocks}


def auto_close_due_at(resolved_at: datetime, calendar: BusinessCalendar | None) -> datetime:
    """When the quiet period of a ticket resolved at ``resolved_at`` ends:
    ``AUTO_CLOSE_BUSINESS_DAYS`` ordinary working days of its resolution clock's calendar
    (a 24x7 calendar: whole days); without a clock, whole days."""
    days = settings.AUTO_CLOSE_BUSINESS_DAYS
    if calendar is None:
        return resolved_at + timedelta(days=days)
    minutes = days * ordinary_day_minutes(calendar.spec)
    return calendar_of(calendar).add_business_minutes(resolved_at, minutes)


def tickets_auto_close(*, now: datetime | None = None, batch: int = AUTO_CLOSE_BATCH) -> int:
    """Beat: close the resolved tickets whose quiet period has run out, as the system, each
    in its own transaction (one that fails leaves the others closed), at most ``batch``
    per run. Running it twice closes nothing twice (the service re-checks the status under
    the row lock)."""
    now = now or timezone.now()
    # Business time never runs faster than the wall clock: nothing resolved less than the
    # shortest possible quiet period ago (one minute of business time per day) can be due.
    floor = now - timedelta(minutes=settings.AUTO_CLOSE_BUSINESS_DAYS)
    candidates = list(
        Ticket.objects.filter(status=TicketStatus.RESOLVED, resolved_at__lte=floor)
        .order_by("resolved_at", "pk")
        .values_list("pk", "resolved_at")[: batch * 10]
    )
    calendars = _calendars([pk for pk, _at in candidates])
    closed = 0
    for pk, resolved_at in candidates:
        if closed >= batch:
            break
        if resolved_at is None or auto_close_due_at(resolved_at, calendars.get(pk)) > now:
            continue
        if ticket_close_unanswered(Ticket(pk=pk), now=now) is not None:
            closed += 1
    return closed

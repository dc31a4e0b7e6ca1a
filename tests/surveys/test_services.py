"""Surveys' services against PostgreSQL: per-case links, the quiet period on business days,
random surveys with their cool-down, campaigns with one reminder, complaints once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from servicedesk.errors import Conflict, NotFound, ValidationFailed
from servicedesk.models import OutboxMessage
from sla.models import ClockKind, SlaClock
from surveys import services
from surveys.models import (
    SurveyCampaign,
    SurveyEvent,
    SurveyInvitation,
    SurveyKind,
    SurveyPolicy,
    SurveyResponse,
)
from surveys.selectors import campaign_results, survey_response_rates
from surveys.tokens import token_for, token_hash
from tests import factories as f
from tickets import services as ticket_services
from tickets.choices import EventKind, LinkKind, TicketKind, TicketStatus
from tickets.models import Ticket, TicketEvent, TicketLink

from .conftest import create_ticket, last_token, resolve

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_resolving_invites_the_requester_with_a_single_use_link(resolved, customer):
    invitation = SurveyInvitation.objects.get(ticket=resolved, kind=SurveyKind.PER_CASE)
    token = last_token(customer.email)
    # only the hash is stored; the link's token is derived from the nonce
    assert invitation.token_hash == token_hash(token) != token
    assert token == token_for(invitation.nonce)
    assert not SurveyInvitation.objects.filter(token_hash=token).exists()
    assert invitation.user == customer and invitation.used_at is None

    services.survey_answer(token, overall=4, comment="Quick fix")
    ticket = Ticket.objects.get(pk=resolved.pk)
    assert ticket.status == TicketStatus.CLOSED
    assert (ticket.rating, ticket.rating_comment) == (4, "Quick fix")
    rated = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RATED)
    assert rated.actor == customer  # the contact's portal user is the actor
    with pytest.raises(Conflict) as replay:
        services.survey_answer(token, overall=1)
    assert replay.value.code == "already_answered"
    assert Ticket.objects.get(pk=resolved.pk).rating == 4
    assert not Ticket.objects.filter(kind=TicketKind.COMPLAINT).exists()


def test_a_contact_without_an_account_answers_as_the_contact(customer, product, engineer, org):
    contact = f.ContactFactory(organization=org, email="wang@example.com")
    ticket = ticket_services.ticket_create(
        actor=engineer, title="Slow report", kind="fault", channel="hotline",
        organization=org, contact=contact, product=product,
    )  # fmt: skip
    resolve(ticket, engineer)
    services.survey_answer(last_token("wang@example.com"), overall=5)
    rated = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RATED)
    assert rated.actor is None and rated.data["contact"] == contact.pk
    assert rated.data["via"] == "survey_link"
    closed = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.TRANSITION).last()
    assert closed.data["new"] == TicketStatus.CLOSED and closed.actor is None


@pytest.mark.parametrize(
    "token", ["", "x" * 64, "0" * 64, "../../etc", "0" * 63 + "g", token_hash("a")]
)
def test_forged_tokens_are_not_found(resolved, token):
    with pytest.raises(NotFound):
        services.survey_answer(token, overall=5)
    assert Ticket.objects.get(pk=resolved.pk).status == TicketStatus.RESOLVED


def test_an_expired_link_is_gone_and_writes_nothing(resolved):
    token = last_token()
    SurveyInvitation.objects.filter(ticket=resolved).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(services.LinkExpired):
        services.survey_answer(token, overall=5)
    assert Ticket.objects.get(pk=resolved.pk).rating is None


def test_another_organizations_user_cannot_use_the_link(resolved, other_customer, manager):
    token = last_token()
    for viewer in (other_customer, manager):
        with pytest.raises(NotFound):
            services.survey_answer(token, viewer=viewer, overall=5)
    assert SurveyInvitation.objects.get(ticket=resolved).used_at is None


def test_bad_scores_are_refused_and_nothing_is_half_written(resolved):
    token = last_token()
    for bad in (0, 6, "five", None):
        with pytest.raises(ValidationFailed):
            services.survey_answer(token, overall=bad)
    assert SurveyInvitation.objects.get(ticket=resolved).used_at is None
    assert Ticket.objects.get(pk=resolved.pk).status == TicketStatus.RESOLVED


def test_resolving_again_replaces_the_link(resolved, customer, engineer):
    first = last_token()
    ticket_services.ticket_confirm(resolved, actor=customer, accepted=False, comment="not yet")
    resolve(Ticket.objects.get(pk=resolved.pk), engineer)
    second = last_token()
    assert first != second
    with pytest.raises(NotFound):
        services.survey_answer(first, overall=5)
    services.survey_answer(second, overall=5)


# Complaints ---------------------------------------------------------------------------------


def test_a_low_portal_rating_opens_one_linked_complaint_for_the_managers(
    resolved, customer, manager, settings
):
    team = f.TeamFactory(name="Service centre")
    settings.SURVEY_COMPLAINT_TEAM = "Service centre"
    ticket_services.ticket_confirm(
        resolved, actor=customer, accepted=True, rating=2, comment="Took a week"
    )
    complaint = Ticket.objects.get(kind=TicketKind.COMPLAINT)
    assert complaint.organization_id == resolved.organization_id and complaint.team == team
    assert complaint.description == "Took a week" and complaint.complaint_key
    link = TicketLink.objects.get(source=complaint)
    assert link.target_id == resolved.pk and link.kind == LinkKind.RELATED
    assert OutboxMessage.objects.filter(topic="ticket.complaint", recipient=manager.email).exists()
    # once: the same rating again (a second call of the service) opens nothing more
    from tickets.services.complaints import complaint_open

    again = complaint_open(
        key=complaint.complaint_key, organization=complaint.organization, contact=None,
        rated_ticket=resolved, score=1, comment="", source="x",
    )  # fmt: skip
    assert again is None and Ticket.objects.filter(kind=TicketKind.COMPLAINT).count() == 1


def test_a_good_rating_opens_no_complaint(resolved):
    services.survey_answer(last_token(), overall=3)
    assert not Ticket.objects.filter(kind=TicketKind.COMPLAINT).exists()


# The quiet period ---------------------------------------------------------------------------


def _resolved_at(ticket, moment):
    """Move the ticket's resolution back to ``moment`` (the clock the test moves)."""
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=moment)


def test_auto_close_counts_business_days_of_the_tickets_calendar(resolved, settings):
    settings.AUTO_CLOSE_BUSINESS_DAYS = 3
    clock = SlaClock.objects.get(ticket=resolved, kind=ClockKind.RESOLUTION)
    assert "Standard" in clock.calendar.name  # L3: Mon-Fri 9-12, 13:30-18
    friday = datetime(2026, 3, 6, 10, 0, tzinfo=SHANGHAI)
    _resolved_at(resolved, friday)
    # Friday 10:00 + 3 business days = Wednesday 10:00 (the weekend does not count)
    due = datetime(2026, 3, 11, 10, 0, tzinfo=SHANGHAI)
    assert services.tickets_auto_close(now=due - timedelta(minutes=1)) == 0
    assert services.tickets_auto_close(now=datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI)) == 0
    assert Ticket.objects.get(pk=resolved.pk).status == TicketStatus.RESOLVED
    assert services.tickets_auto_close(now=due) == 1
    ticket = Ticket.objects.get(pk=resolved.pk)
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_at == due
    assert ticket.rating is None
    event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.TRANSITION).latest("id")
    assert event.actor is None and event.data["reason"] == "auto_close"
    told = OutboxMessage.objects.filter(topic="ticket.status_changed").latest("id")
    assert told.payload["new"] == TicketStatus.CLOSED and told.recipient == resolved.requester.email
    # idempotent: a second run closes nothing
    assert services.tickets_auto_close(now=due + timedelta(days=1)) == 0
    # the per-case link expired with the quiet period
    with pytest.raises(services.LinkExpired):
        services.survey_answer(last_token(), overall=5)


def test_auto_close_on_a_24x7_calendar_counts_whole_days(customer, product, engineer):
    ticket = resolve(create_ticket(customer, product, severity="L1"), engineer)
    start = datetime(2026, 3, 7, 22, 0, tzinfo=SHANGHAI)  # a Saturday night
    _resolved_at(ticket, start)
    assert services.tickets_auto_close(now=start + timedelta(days=3) - timedelta(seconds=1)) == 0
    assert services.tickets_auto_close(now=start + timedelta(days=3)) == 1


def test_auto_close_is_batched_and_leaves_answered_tickets(customer, product, engineer):
    tickets = [resolve(create_ticket(customer, product), engineer) for _ in range(3)]
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    for ticket in tickets:
        _resolved_at(ticket, monday)
    ticket_services.ticket_confirm(tickets[0], actor=customer, accepted=True, rating=5)
    later = monday + timedelta(days=10)
    assert services.tickets_auto_close(now=later, batch=1) == 1
    assert services.tickets_auto_close(now=later, batch=5) == 1
    statuses = set(
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("status", flat=True)
    )
    assert statuses == {TicketStatus.CLOSED}
    assert Ticket.objects.get(pk=tickets[0].pk).rating == 5


# Random surveys -----------------------------------------------------------------------------


def _close_unrated(ticket, engineer):
    return ticket_services.ticket_transition(ticket, actor=engineer, to_status=TicketStatus.CLOSED)


def test_random_survey_of_closed_tickets_with_a_cool_down(
    customer, product, engineer, org, settings
):
    settings.SURVEY_COOLDOWN_DAYS = 30
    SurveyPolicy.objects.create(organization=org, random_percent=100)
    first = _close_unrated(resolve(create_ticket(customer, product), engineer), engineer)
    invitation = SurveyInvitation.objects.get(ticket=first, kind=SurveyKind.RANDOM)
    assert invitation.contact.user == customer
    # the same contact is not asked again within the cool-down
    second = _close_unrated(resolve(create_ticket(customer, product), engineer), engineer)
    assert not SurveyInvitation.objects.filter(ticket=second, kind=SurveyKind.RANDOM).exists()
    # after it, they are
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    third = _close_unrated(resolve(create_ticket(customer, product), engineer), engineer)
    assert SurveyInvitation.objects.filter(ticket=third, kind=SurveyKind.RANDOM).exists()
    # a short survey answered by the same link mechanism; a 1 opens one complaint
    services.survey_answer(last_token(), overall=1, comment="Nobody called back")
    # reopened and closed again: not asked twice about one ticket
    settings.SURVEY_COOLDOWN_DAYS = 0
    third = ticket_services.ticket_transition(
        third, actor=engineer, to_status=TicketStatus.IN_PROGRESS, comment="Again"
    )
    _close_unrated(resolve(third, engineer), engineer)
    assert SurveyInvitation.objects.filter(ticket=third, kind=SurveyKind.RANDOM).count() == 1
    response = SurveyResponse.objects.get(invitation__ticket=third)
    assert response.overall == 1 and response.responsiveness is None
    complaint = Ticket.objects.get(kind=TicketKind.COMPLAINT)
    assert TicketLink.objects.filter(source=complaint, target=third).exists()


def test_rated_tickets_and_zero_percent_get_no_random_survey(
    customer, product, engineer, org, settings
):
    settings.SURVEY_RANDOM_PERCENT = 100
    rated = resolve(create_ticket(customer, product), engineer)
    ticket_services.ticket_confirm(rated, actor=customer, accepted=True, rating=5)
    assert not SurveyInvitation.objects.filter(kind=SurveyKind.RANDOM).exists()
    SurveyPolicy.objects.create(organization=org, random_percent=0)
    _close_unrated(resolve(create_ticket(customer, product), engineer), engineer)
    assert not SurveyInvitation.objects.filter(kind=SurveyKind.RANDOM).exists()


def test_the_random_draw_is_deterministic_and_near_its_percentage():
    tickets = [Ticket(number=f"SD-2026-{n:06d}") for n in range(2000)]
    picked = [t for t in tickets if services.random_selected(t, 20)]
    assert 340 <= len(picked) <= 460
    assert picked == [t for t in tickets if services.random_selected(t, 20)]
    assert not any(services.random_selected(t, 0) for t in tickets[:100])
    assert all(services.random_selected(t, 100) for t in tickets[:100])


# Campaigns ----------------------------------------------------------------------------------


@pytest.fixture
def campaign_orgs(org, other_org, customer):
    f.ContactFactory(organization=org, email="zhang@example.com")
    f.ContactFactory(organization=org, email="")  # no address: not asked
    f.ContactFactory(organization=other_org, email="liu@example.com")
    return [org, other_org]


def test_campaign_rounds_reminders_and_results(manager, campaign_orgs, settings):
    campaign = services.campaign_create(
        actor=manager,
        data=services.CampaignInput(
            title="2026 annual survey", organizations=campaign_orgs,
            schedule="quarterly", reminder_days=5,
        ),
    )  # fmt: skip
    now = timezone.now()
    result = services.campaigns_run(now=now)
    assert result == {"invited": 3, "reminded": 0}
    assert services.campaigns_run(now=now) == {"invited": 0, "reminded": 0}  # idempotent
    campaign.refresh_from_db()
    assert campaign.rounds_sent == 1 and campaign.next_send_at > now + timedelta(days=85)
    zhang = SurveyInvitation.objects.get(campaign=campaign, email="zhang@example.com")
    services.survey_answer(
        token_for(zhang.nonce), overall=4, responsiveness=2, professionalism=5, comment="slow"
    )
    # the campaign's questions are all required
    liu = SurveyInvitation.objects.get(campaign=campaign, email="liu@example.com")
    with pytest.raises(ValidationFailed) as missing:
        services.survey_answer(token_for(liu.nonce), overall=4)
    assert set(missing.value.fields) == {"responsiveness"}
    # one reminder after 5 days to those who did not answer
    assert services.reminders_send(now=now + timedelta(days=4)) == 0
    assert services.reminders_send(now=now + timedelta(days=5, minutes=1)) == 2
    assert services.reminders_send(now=now + timedelta(days=9)) == 0
    reminders = OutboxMessage.objects.filter(topic="survey.invitation", payload__reminder=True)
    assert sorted(reminders.values_list("recipient", flat=True)) == [
        "cust@example.com", "liu@example.com",
    ] or reminders.count() == 2  # fmt: skip
    # the reminder carries the same link
    assert any(token_for(liu.nonce) in r.payload["path"] for r in reminders)
    results = campaign_results(campaign)
    assert results["invited"] == 3 and results["answered"] == 1
    assert results["response_percent"] == 33.3
    assert results["averages"] == {"overall": 4.0, "responsiveness": 2.0, "professionalism": 5.0}
    # responsiveness 2 opened a complaint without a linked ticket
    complaint = Ticket.objects.get(kind=TicketKind.COMPLAINT)
    assert not TicketLink.objects.filter(source=complaint).exists()
    assert SurveyEvent.objects.filter(campaign=campaign, kind="answered").count() == 1


def test_only_managers_create_campaigns_and_inputs_are_checked(engineer, manager, org):
    from servicedesk.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.campaign_create(
            actor=engineer, data=services.CampaignInput(title="x", organizations=[org])
        )
    with pytest.raises(ValidationFailed) as err:
        services.campaign_create(
            actor=manager,
            data=services.CampaignInput(
                title=" ", organizations=[], schedule="weekly", reminder_days=0,
                starts_on=timezone.localdate() - timedelta(days=1),
            ),
        )  # fmt: skip
    assert set(err.value.fields) == {
        "title", "organizations", "schedule", "reminder_days", "starts_on"
    }  # fmt: skip
    assert not SurveyCampaign.objects.exists()


def test_response_rates_per_survey_type_for_the_reports(resolved, customer, org, other_org):
    from reports.periods import Period
    from reports.scope import Scope

    services.survey_answer(last_token(), overall=5)
    period = Period.day(timezone.localdate())
    rates = survey_response_rates(period, Scope())
    assert rates["per_case"] == {"invited": 1, "answered": 1, "response_percent": 100.0}
    assert rates["random"] == {"invited": 0, "answered": 0, "response_percent": None}
    assert (
        survey_response_rates(period, Scope(organization=other_org.pk))["per_case"]["invited"] == 0
    )
    assert survey_response_rates(period, Scope(organization=org.pk))["per_case"]["invited"] == 1

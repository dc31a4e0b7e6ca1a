"""The public survey page (/s/<token>/) and the managers' campaign pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from servicedesk.choices import Role
from surveys import services
from surveys.models import SurveyCampaign, SurveyInvitation
from tests import factories as f
from tickets.choices import TicketKind, TicketStatus
from tickets.models import Ticket

from .conftest import last_token

pytestmark = pytest.mark.django_db


def _url(token):
    return f"/s/{token}/"


def test_the_link_confirms_and_rates_without_signing_in_once(client, resolved):
    token = last_token()
    page = client.get(_url(token))
    assert page.status_code == 200
    assert resolved.number in page.content.decode() and b"Patched the driver." in page.content
    bad = client.post(_url(token), {"overall": "9"})
    assert bad.status_code == 400
    assert Ticket.objects.get(pk=resolved.pk).status == TicketStatus.RESOLVED
    done = client.post(_url(token), {"overall": "5", "comment": "Great"})
    assert done.status_code == 200 and b"Thank you" in done.content
    ticket = Ticket.objects.get(pk=resolved.pk)
    assert ticket.status == TicketStatus.CLOSED and ticket.rating == 5
    # replayed: a clear page, nothing changes
    again = client.get(_url(token))
    assert again.status_code == 200 and b"already answered" in again.content
    replay = client.post(_url(token), {"overall": "1"})
    assert replay.status_code == 409 and b"already answered" in replay.content
    assert Ticket.objects.get(pk=resolved.pk).rating == 5
    assert not Ticket.objects.filter(kind=TicketKind.COMPLAINT).exists()


def test_forged_and_expired_links(client, resolved):
    assert client.get(_url("0" * 64)).status_code == 404
    assert client.post(_url("0" * 64), {"overall": "5"}).status_code == 404
    assert client.get(_url("not-a-token")).status_code == 404
    token = last_token()
    SurveyInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    gone = client.get(_url(token))
    assert gone.status_code == 410 and b"expired" in gone.content
    assert client.post(_url(token), {"overall": "5"}).status_code == 410
    assert Ticket.objects.get(pk=resolved.pk).status == TicketStatus.RESOLVED


def test_another_organizations_customer_gets_404(client, resolved, other_customer):
    client.force_login(other_customer)
    token = last_token()
    assert client.get(_url(token)).status_code == 404
    assert client.post(_url(token), {"overall": "5"}).status_code == 404
    assert SurveyInvitation.objects.get().used_at is None


def test_the_form_is_csrf_protected(resolved):
    strict = Client(enforce_csrf_checks=True)
    token = last_token()
    assert strict.post(_url(token), {"overall": "5"}).status_code == 403
    page = strict.get(_url(token))
    csrf = page.cookies["csrftoken"].value
    posted = strict.post(_url(token), {"overall": "5", "csrfmiddlewaretoken": csrf})
    assert posted.status_code == 200
    assert Ticket.objects.get(pk=resolved.pk).rating == 5


def test_guessing_is_rate_limited_per_address(client, settings, resolved):
    settings.SURVEY_PAGE_RATE_PER_MINUTE = 3
    from django.core.cache import cache

    cache.clear()
    responses = [client.get(_url(f"{n:064x}")) for n in range(5)]
    assert [r.status_code for r in responses] == [404, 404, 404, 429, 429]
    assert responses[-1]["Retry-After"] == "60"
    # another address is not held back
    assert client.get(_url("0" * 64), REMOTE_ADDR="10.0.0.9").status_code == 404
    # the real link too, from that address, until the minute passes
    assert client.get(_url(last_token())).status_code == 429
    cache.clear()


def test_the_page_reads_a_constant_number_of_queries(
    client, resolved, django_assert_max_num_queries
):
    token = last_token()
    with django_assert_max_num_queries(4):
        assert client.get(_url(token)).status_code == 200


# Campaign pages ---------------------------------------------------------------------------


@pytest.fixture
def campaigns(manager, org, other_org):
    made = []
    for n in range(3):
        made.append(
            services.campaign_create(
                actor=manager,
                data=services.CampaignInput(title=f"Visit {n}", organizations=[org, other_org]),
            )
        )
    return made


PAGES = ["/surveys/campaigns/", "/surveys/campaigns/new/"]


def test_campaign_pages_are_for_managers(client, campaigns, customer, engineer, manager):
    urls = [*PAGES, f"/surveys/campaigns/{campaigns[0].pk}/"]
    for url in urls:
        assert client.get(url).status_code == 302  # to sign in
    client.force_login(customer)
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(engineer)
    for url in urls:
        assert client.get(url).status_code == 403, url
    client.force_login(manager)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert client.get("/surveys/campaigns/999999/").status_code == 404


def test_a_manager_creates_a_campaign_and_reads_its_results(client, manager, org, customer):
    client.force_login(manager)
    bad = client.post("/surveys/campaigns/new/", {"title": "", "schedule": "weekly"})
    assert bad.status_code == 400 and not SurveyCampaign.objects.exists()
    posted = client.post(
        "/surveys/campaigns/new/",
        {
            "title": "Half-yearly visit",
            "organizations": [org.pk],
            "schedule": "half_yearly",
            "starts_on": timezone.localdate().isoformat(),
            "reminder_days": "7",
        },
    )
    campaign = SurveyCampaign.objects.get()
    assert posted.status_code == 302 and posted["Location"] == f"/surveys/campaigns/{campaign.pk}/"
    services.campaigns_run()
    invitation = SurveyInvitation.objects.get(campaign=campaign)
    from surveys.tokens import token_for

    client.logout()
    answered = client.post(
        _url(token_for(invitation.nonce)),
        {"overall": "4", "responsiveness": "5", "professionalism": "3", "comment": "Helpful"},
    )
    assert answered.status_code == 200
    client.force_login(manager)
    page = client.get(f"/surveys/campaigns/{campaign.pk}/").content.decode()
    assert "100.0%" in page and "Helpful" in page


def test_campaign_list_query_count_does_not_grow(
    client, manager, campaigns, org, django_assert_max_num_queries
):
    client.force_login(manager)
    with django_assert_max_num_queries(8) as few:
        client.get("/surveys/campaigns/")
    for n in range(5):
        services.campaign_create(
            actor=manager, data=services.CampaignInput(title=f"More {n}", organizations=[org])
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/surveys/campaigns/").status_code == 200


def test_the_results_page_reads_a_constant_number_of_queries(
    client, manager, campaigns, django_assert_max_num_queries
):
    client.force_login(manager)
    services.campaigns_run()
    with django_assert_max_num_queries(9):
        assert client.get(f"/surveys/campaigns/{campaigns[0].pk}/").status_code == 200


def test_the_navigation_shows_surveys_to_managers_only(client, manager, engineer):
    client.force_login(manager)
    assert b'id="nav-surveys"' in client.get("/surveys/campaigns/").content
    client.force_login(f.UserFactory(username="agent7", role=Role.AGENT))
    assert b'id="nav-surveys"' not in client.get("/staff/").content


def test_managers_set_an_organizations_random_share(
    client, manager, engineer, customer, org, other_org, django_assert_max_num_queries
):
    from surveys.models import SurveyEvent, SurveyPolicy

    client.force_login(customer)
    assert client.get("/surveys/random/").status_code == 404
    client.force_login(engineer)
    assert client.post("/surveys/random/", {"organization": org.pk}).status_code == 403
    client.force_login(manager)
    with django_assert_max_num_queries(6):
        page = client.get("/surveys/random/")
    assert page.status_code == 200 and other_org.name in page.content.decode()
    bad = client.post("/surveys/random/", {"organization": org.pk, "random_percent": "101"})
    assert bad.status_code == 400 and not SurveyPolicy.objects.exists()
    assert (
        client.post("/surveys/random/", {"organization": org.pk, "random_percent": "25"})[
            "Location"
        ]
        == "/surveys/random/"
    )
    assert SurveyPolicy.objects.get(organization=org).random_percent == 25
    assert services.random_percent(org) == 25
    client.post("/surveys/random/", {"organization": org.pk, "random_percent": ""})
    assert not SurveyPolicy.objects.exists()  # back to the default
    assert [e.data["new"] for e in SurveyEvent.objects.filter(kind="policy_set")] == [25, None]

"""/api/v1/survey-campaigns/: managers only; customers 404, other staff 403."""

from __future__ import annotations

import pytest
from django.utils import timezone

from surveys import services
from surveys.models import SurveyCampaign
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

BASE = "/api/v1/survey-campaigns/"


@pytest.fixture
def campaign(manager, org):
    return services.campaign_create(
        actor=manager, data=services.CampaignInput(title="Annual 2026", organizations=[org])
    )


def _urls(campaign):
    return [BASE, f"{BASE}{campaign.pk}/"]


def test_managers_list_create_and_read_results(manager, campaign, org, other_org):
    api = client_for(manager)
    for url in _urls(campaign):
        assert api.get(url).status_code == 200, url
    listed = api.get(BASE).json()["results"]
    assert [c["title"] for c in listed] == ["Annual 2026"]
    created = api.post(
        BASE,
        {
            "title": "Quarterly visit",
            "organizations": [org.pk, other_org.pk],
            "schedule": "quarterly",
            "starts_on": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["schedule"] == "quarterly" and len(body["organizations"]) == 2
    detail = api.get(f"{BASE}{body['id']}/").json()
    assert detail["results"]["invited"] == 0 and detail["results"]["response_percent"] is None


def test_customers_get_404_and_other_staff_403(customer, engineer, campaign, org):
    for user, code in ((customer, 404), (engineer, 403)):
        api = client_for(user)
        for url in _urls(campaign):
            assert api.get(url).status_code == code, (user, url)
        refused = api.post(BASE, {"title": "x", "organizations": [org.pk]}, format="json")
        assert refused.status_code == code
    assert SurveyCampaign.objects.count() == 1


def test_anonymous_is_refused(api, campaign):
    for url in _urls(campaign):
        assert api.get(url).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "organizations": []}, "organizations"),
        ({"title": "x", "organizations": [999999]}, "organizations"),
        ({"title": "", "organizations": []}, "title"),
        ({"title": "x", "organizations": [1], "schedule": "weekly"}, "schedule"),
        ({"title": "x", "organizations": [1], "reminder_days": 0}, "reminder_days"),
        ({"title": "x", "organizations": [1], "starts_on": "2020-01-01"}, "starts_on"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager, org, body, field):
    if body.get("organizations") == [1]:
        body = {**body, "organizations": [org.pk]}
    response = client_for(manager).post(BASE, body, format="json")
    assert response.status_code == 400
    assert field in {name.split(".")[0] for name in response.json()["fields"]}
    assert not SurveyCampaign.objects.exists()


def test_list_query_count_does_not_grow(manager, org, django_assert_max_num_queries):
    api = client_for(manager)
    services.campaign_create(
        actor=manager, data=services.CampaignInput(title="one", organizations=[org])
    )
    with django_assert_max_num_queries(8) as few:
        api.get(BASE)
    for n in range(5):
        services.campaign_create(
            actor=manager, data=services.CampaignInput(title=f"c{n}", organizations=[org])
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(BASE).json()["results"]) == 6

"""Read-only lookups: organizations, products with versions, teams, users."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from servicedesk.choices import Role
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organizations/",
        "/api/v1/products/",
        "/api/v1/teams/",
        "/api/v1/users/",
        "/api/v1/organizations/1/",
        "/api/v1/products/1/",
        "/api/v1/teams/1/",
        "/api/v1/users/1/",
    ],
)
def test_anonymous_401(api, path):
    assert api.get(path).status_code == 401


@pytest.mark.parametrize(
    "path", ["/api/v1/organizations/", "/api/v1/products/", "/api/v1/teams/", "/api/v1/users/"]
)
def test_lookups_are_read_only(path, manager):
    assert client_for(manager).post(path, {"name": "x"}, format="json").status_code == 405


def test_customers_see_only_their_organization(customer, org, other_org, engineer):
    client = client_for(customer)
    names = [o["name"] for o in client.get("/api/v1/organizations/").json()["results"]]
    assert names == [org.name]
    assert client.get(f"/api/v1/organizations/{other_org.pk}/").status_code == 404
    assert client.get(f"/api/v1/organizations/{org.pk}/").status_code == 200
    names = {
        o["name"] for o in client_for(engineer).get("/api/v1/organizations/").json()["results"]
    }
    assert names == {org.name, other_org.name}


def test_customers_see_products_under_current_contract(customer, org, product, version, engineer):
    other_product = f.ProductFactory(name="HR")
    expired = f.ProductFactory(name="Old")
    today = timezone.localdate()
    f.ContractFactory(
        organization=org,
        products=[expired],
        starts_on=today - dt.timedelta(days=400),
        ends_on=today - dt.timedelta(days=35),
    )
    client = client_for(customer)
    rows = client.get("/api/v1/products/").json()["results"]
    assert [p["name"] for p in rows] == ["Billing"]
    assert rows[0]["versions"] == [{"id": version.pk, "version": "3.2", "released_on": None}]
    assert client.get(f"/api/v1/products/{other_product.pk}/").status_code == 404
    names = [p["name"] for p in client_for(engineer).get("/api/v1/products/").json()["results"]]
    assert names == ["Billing", "HR", "Old"]


def test_teams_readable_by_everyone_signed_in(customer, team):
    rows = client_for(customer).get("/api/v1/teams/").json()["results"]
    assert rows == [{"id": team.pk, "name": team.name, "kind": "remote"}]


def test_users_staff_only_and_filter_by_role(customer, engineer, agent, manager):
    f.UserFactory(username="gone", role=Role.ENGINEER, is_active=False)
    assert client_for(customer).get("/api/v1/users/").status_code == 403
    assert client_for(customer).get(f"/api/v1/users/{engineer.pk}/").status_code == 403
    client = client_for(manager)
    rows = client.get("/api/v1/users/", {"role": "engineer"}).json()["results"]
    assert [u["username"] for u in rows] == ["engineer"]
    assert client.get("/api/v1/users/", {"role": "wizard"}).status_code == 400
    rows = client.get("/api/v1/users/").json()["results"]
    assert "gone" not in {u["username"] for u in rows}
    assert "password" not in rows[0]


@pytest.mark.parametrize("rows", [3, 30])
def test_product_list_query_count_constant(rows, manager, django_assert_num_queries):
    for _ in range(rows):
        f.ProductVersionFactory()
    with django_assert_num_queries(2):
        response = client_for(manager).get("/api/v1/products/", {"page_size": 100})
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_other_lookups_query_count_constant(rows, manager, django_assert_num_queries):
    for _ in range(rows):
        f.OrganizationFactory()
        f.TeamFactory()
        f.UserFactory()
        f.ContactFactory()
    client = client_for(manager)
    for path in ("/api/v1/organizations/", "/api/v1/teams/", "/api/v1/users/", "/api/v1/contacts/"):
        with django_assert_num_queries(1):
            assert client.get(path, {"page_size": 200}).status_code == 200

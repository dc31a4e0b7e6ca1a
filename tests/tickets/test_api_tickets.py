"""/api/v1/tickets/: list, create, retrieve, edit; visibility and what customers may set."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from servicedesk.choices import Role
from tests import factories as f
from tests.conftest import client_for
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus
from tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"


def detail(ticket) -> str:
    return f"/api/v1/tickets/{ticket.pk}/"


def make_ticket(actor, product=None, **kw) -> Ticket:
    data = {
        "actor": actor,
        "title": "Invoices do not print",
        "kind": TicketKind.FAULT,
        "channel": Channel.PORTAL,
        "product": product,
    }
    data.update(kw)
    return services.ticket_create(**data)


# --------------------------------------------------------------------------- anonymous


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", LIST), ("post", LIST), ("get", "/api/v1/tickets/1/"), ("patch", "/api/v1/tickets/1/")],
)
def test_anonymous_is_401(api, method, path):
    response = getattr(api, method)(path, {}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


# --------------------------------------------------------------------------- list


def test_list_shows_only_own_organization(customer, other_customer, engineer, product):
    mine = make_ticket(customer, product)
    theirs = make_ticket(other_customer, product)
    ids = [t["id"] for t in client_for(customer).get(LIST).json()["results"]]
    assert ids == [mine.pk]
    ids = [t["id"] for t in client_for(other_customer).get(LIST).json()["results"]]
    assert ids == [theirs.pk]
    ids = {t["id"] for t in client_for(engineer).get(LIST).json()["results"]}
    assert ids == {mine.pk, theirs.pk}


def test_list_row_has_server_fields_and_allowed_transitions(customer, engineer, product):
    ticket = make_ticket(customer, product, proposed_severity="L2")
    row = client_for(customer).get(LIST).json()["results"][0]
    assert row["number"] == ticket.number
    assert row["status"] == "new"
    assert row["severity"] == "L2" and row["proposed_severity"] == "L2"
    assert row["severity_confirmed"] is False
    assert row["organization"]["name"] == "Acme Power"
    assert row["product"]["name"] == "Billing"
    assert row["version"] == 1
    assert row["response_due_at"] and row["resolution_due_at"]
    assert row["assignee"] is None and row["team"] is None and row["rating"] is None
    assert row["allowed_transitions"] == ["cancelled"]
    staff_row = client_for(engineer).get(LIST).json()["results"][0]
    assert staff_row["allowed_transitions"] == [
        "accepted",
        "in_progress",
        "waiting_customer",
        "resolved",
        "cancelled",
    ]


def test_list_is_cursor_paginated_newest_first(engineer, org):
    tickets = [f.TicketFactory(organization=org) for _ in range(5)]
    client = client_for(engineer)
    first = client.get(LIST, {"page_size": 2}).json()
    assert [t["id"] for t in first["results"]] == [tickets[4].pk, tickets[3].pk]
    assert "count" not in first and first["previous"] is None
    second = client.get(first["next"]).json()
    assert [t["id"] for t in second["results"]] == [tickets[2].pk, tickets[1].pk]


def test_list_filters_and_allow_listed_ordering(engineer, org, other_org):
    a = f.TicketFactory(organization=org, severity="L1", status=TicketStatus.IN_PROGRESS)
    b = f.TicketFactory(organization=other_org, severity="L3")
    client = client_for(engineer)
    ids = [t["id"] for t in client.get(LIST, {"status": "in_progress"}).json()["results"]]
    assert ids == [a.pk]
    ids = [t["id"] for t in client.get(LIST, {"organization": other_org.pk}).json()["results"]]
    assert ids == [b.pk]
    ids = [t["id"] for t in client.get(LIST, {"ordering": "severity"}).json()["results"]]
    assert ids == [a.pk, b.pk]
    ids = [t["id"] for t in client.get(LIST, {"ordering": "-created_at"}).json()["results"]]
    assert ids == [b.pk, a.pk]
    # Not allow-listed: ignored, the default order stays.
    ids = [t["id"] for t in client.get(LIST, {"ordering": "description"}).json()["results"]]
    assert ids == [b.pk, a.pk]


def test_api_filter_binds_only_named_filters_with_the_same_result(
    engineer, org, product, team, monkeypatch
):
    """The API list binds only the filters in the query string (tickets.api.views); every
    filter, alone and all together, must give the same SQL and errors as the full set."""
    import django_filters
    from django.http import QueryDict
    from django.utils import timezone
    from rest_framework.test import APIRequestFactory

    from tickets.api.views import ApiTicketFilter
    from tickets.filters import TicketFilter

    def sample(flt) -> str:
        if isinstance(flt, django_filters.ModelChoiceFilter):
            return str(
                {"organization": org, "product": product, "team": team}.get(
                    flt.field_name, engineer
                ).pk
            )
        if isinstance(flt, django_filters.ChoiceFilter | django_filters.MultipleChoiceFilter):
            return str(flt.extra["choices"][0][0])
        if isinstance(flt, django_filters.BooleanFilter):
            return "true"
        if isinstance(flt, django_filters.IsoDateTimeFilter):
            return "2026-01-01T00:00:00Z"
        if isinstance(flt, django_filters.NumberFilter):
            return "1"
        return "x"

    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)  # filters relative to now agree
    every = {name: sample(flt) for name, flt in TicketFilter.base_filters.items()}
    cases = [{}, every, {"status": "bogus", "severity": "L2"}, {"ordering": "-created_at"}]
    cases += [{name: value} for name, value in every.items()]
    request = APIRequestFactory().get(LIST)
    request.user = engineer
    queryset = Ticket.objects.visible_to(engineer)
    for params in cases:
        data = QueryDict(mutable=True)
        data.update(params)
        full = TicketFilter(data, queryset, request=request)
        named = ApiTicketFilter(data, queryset, request=request)
        assert set(named.filters) == set(params) & set(full.filters)
        assert named.is_valid() == full.is_valid(), params
        if full.is_valid():
            assert str(named.qs.query) == str(full.qs.query), params
        else:
            assert named.errors == full.errors, params


@pytest.mark.parametrize(
    "params", [{"status": "bogus"}, {"organization": "999999"}, {"created_after": "soon"}]
)
def test_bad_filter_values_are_400(engineer, params):
    response = client_for(engineer).get(LIST, params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(params) <= set(response.json()["fields"])


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_is_constant(
    rows, engineer, org, product, version, team, django_assert_num_queries
):
    contact = f.ContactFactory(organization=org)
    for _ in range(rows):
        f.TicketFactory(
            organization=org,
            product=product,
            product_version=version,
            team=team,
            assignee=engineer,
            contact=contact,
        )
    client = client_for(engineer)
    # 1 page query + 1 for the names of every reference shown (organization, product,
    # version, team, assignee); no count, no per-row queries.
    with django_assert_num_queries(2):
        response = client.get(LIST)
    assert len(response.json()["results"]) == rows


def test_list_shows_current_reference_names(engineer, org, product, version, team):
    f.TicketFactory(
        organization=org, product=product, product_version=version, team=team, assignee=engineer
    )
    client = client_for(engineer)
    assert client.get(LIST).json()["results"][0]["organization"]["name"] == org.name
    org.name, product.name, version.version, team.name = "Renamed Ltd", "P2", "9.9", "T2"
    for reference in (org, product, version, team):
        reference.save()
    engineer.first_name, engineer.last_name = "Ada", "Lovelace"
    engineer.save()
    row = client.get(LIST).json()["results"][0]
    assert row["organization"] == {"id": org.pk, "name": "Renamed Ltd"}
    assert (row["product"]["name"], row["product_version"]["version"]) == ("P2", "9.9")
    assert row["team"]["name"] == "T2"
    assert row["assignee"]["id"] == engineer.pk and row["assignee"]["name"] != engineer.username


# --------------------------------------------------------------------------- retrieve


def test_retrieve_by_id_and_number_with_etag(customer, product):
    ticket = make_ticket(customer, product)
    client = client_for(customer)
    response = client.get(detail(ticket))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert client.get(f"/api/v1/tickets/{ticket.number}/").json()["id"] == ticket.pk


def test_other_organization_gets_404(customer, other_customer, product):
    ticket = make_ticket(customer, product)
    client = client_for(other_customer)
    assert client.get(detail(ticket)).status_code == 404
    assert client.get(f"/api/v1/tickets/{ticket.number}/").status_code == 404
    response = client.patch(detail(ticket), {"title": "mine now"}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("pk", ["0", "999999999999999999999999", "abc", "SD-0000-000000"])
def test_unknown_ids_are_404_never_500(engineer, pk):
    assert client_for(engineer).get(f"/api/v1/tickets/{pk}/").status_code == 404


# --------------------------------------------------------------------------- create


def test_customer_creates_with_org_from_account(customer, org, product, version):
    response = client_for(customer).post(
        LIST,
        {
            "kind": "fault",
            "title": "Printing stops",
            "description": "The spooler hangs after 10 invoices.",
            "impact": "Two cashiers",
            "occurred_at": "2026-03-01T09:30:00+08:00",
            "proposed_severity": "L3",
            "area": "application",
            "product": product.pk,
            "product_version": version.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.organization == org and ticket.channel == Channel.API
    assert ticket.requester == customer and ticket.contact == customer.contact
    assert ticket.status == TicketStatus.NEW
    assert body["number"] == ticket.number
    assert body["product_version"] == {"id": version.pk, "version": "3.2"}
    assert body["severity"] == "L3" and body["severity_confirmed"] is False


@pytest.mark.parametrize(
    "field", ["organization", "contact", "severity", "status", "assignee", "team"]
)
def test_customer_cannot_set_staff_or_workflow_fields(
    field, customer, other_org, product, engineer, team
):
    values = {
        "organization": other_org.pk,
        "contact": f.ContactFactory(organization=other_org).pk,
        "severity": "L1",
        "status": "resolved",
        "assignee": engineer.pk,
        "team": team.pk,
    }
    body = {"kind": "fault", "title": "x", "product": product.pk, field: values[field]}
    response = client_for(customer).post(LIST, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Ticket.objects.exists()


def test_server_set_fields_in_the_body_are_ignored(customer, product):
    response = client_for(customer).post(
        LIST,
        {
            "kind": "consultation",
            "title": "How to export?",
            "product": product.pk,
            "number": "SD-1999-999999",
            "version": 42,
            "severity_confirmed": True,
            "response_due_at": "2030-01-01T00:00:00Z",
            "rating": 5,
        },
        format="json",
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.number != "SD-1999-999999" and ticket.version == 1
    assert not ticket.severity_confirmed and ticket.rating is None
    assert ticket.response_due_at.year != 2030


def test_customer_channel_is_api_or_portal(customer, product):
    client = client_for(customer)
    body = {"kind": "fault", "title": "x", "product": product.pk}
    assert client.post(LIST, {**body, "channel": "hotline"}, format="json").status_code == 400
    response = client.post(LIST, {**body, "channel": "portal"}, format="json")
    assert response.status_code == 201 and response.json()["channel"] == "portal"


def test_staff_must_give_organization_and_may_confirm_severity(agent, org, product):
    client = client_for(agent)
    body = {"kind": "fault", "title": "Down", "product": product.pk}
    response = client.post(LIST, body, format="json")
    assert response.status_code == 400 and "organization" in response.json()["fields"]
    contact = f.ContactFactory(organization=org)
    response = client.post(
        LIST,
        {
            **body,
            "organization": org.pk,
            "contact": contact.pk,
            "severity": "L1",
            "channel": "email",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["severity"] == "L1" and response.json()["severity_confirmed"]
    assert response.json()["channel"] == "email"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "riddle"}, "kind"),
        ({"proposed_severity": "L9"}, "proposed_severity"),
        ({"area": "kitchen"}, "area"),
        ({"product": 999999}, "product"),
        ({"product": "abc"}, "product"),
        ({"product_version": 999999}, "product_version"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"attachments": "not a file"}, "attachments"),
    ],
)
def test_bad_values_are_400_with_the_field(body, field, customer, product):
    data = {"kind": "fault", "title": "x", "product": product.pk, **body}
    response = client_for(customer).post(LIST, data, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Ticket.objects.exists()


def test_foreign_ids_are_400(customer, org, product, other_org):
    client = client_for(customer)
    uncovered = f.ProductFactory()
    response = client.post(
        LIST, {"kind": "fault", "title": "x", "product": uncovered.pk}, format="json"
    )
    assert response.status_code == 400 and "product" in response.json()["fields"]
    other_version = f.ProductVersionFactory(product=uncovered)
    response = client.post(
        LIST,
        {"kind": "fault", "title": "x", "product": product.pk, "product_version": other_version.pk},
        format="json",
    )
    assert response.status_code == 400 and "product_version" in response.json()["fields"]
    assert not Ticket.objects.exists()


def test_staff_contact_of_another_org_is_400(agent, org, other_org):
    response = client_for(agent).post(
        LIST,
        {
            "kind": "fault",
            "title": "x",
            "organization": org.pk,
            "contact": f.ContactFactory(organization=other_org).pk,
        },
        format="json",
    )
    assert response.status_code == 400 and "contact" in response.json()["fields"]


def test_malformed_json_is_400(customer):
    response = client_for(customer).post(LIST, "{not json", content_type="application/json")
    assert response.status_code == 400
    response = client_for(customer).post(LIST, [1, 2], format="json")
    assert response.status_code == 400


def test_create_with_attachments_multipart(customer, product):
    response = client_for(customer).post(
        LIST,
        {
            "kind": "fault",
            "title": "Crash",
            "product": product.pk,
            "attachments": [
                SimpleUploadedFile("trace.log", b"boom"),
                SimpleUploadedFile("screen.png", b"\x89PNG"),
            ],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    names = set(Attachment.objects.values_list("original_name", flat=True))
    assert names == {"trace.log", "screen.png"}


def test_create_with_forbidden_attachment_stores_nothing(customer, product):
    response = client_for(customer).post(
        LIST,
        {
            "kind": "fault",
            "title": "Crash",
            "product": product.pk,
            "attachments": [SimpleUploadedFile("evil.html", b"<script>")],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "attachment_type"
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_inactive_or_roleless_users_cannot_create(product):
    inactive = f.UserFactory(role=Role.ENGINEER, is_active=False)
    response = client_for(inactive).post(LIST, {"kind": "fault", "title": "x"}, format="json")
    assert response.status_code in (401, 403)


# --------------------------------------------------------------------------- update


def test_customer_edits_allowed_fields_with_version(customer, product):
    ticket = make_ticket(customer, product)
    client = client_for(customer)
    response = client.patch(
        detail(ticket), {"title": "Printing stops at 10", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Printing stops at 10"
    assert response.json()["version"] == 2 and response["ETag"] == '"2"'


def test_stale_version_is_409_in_body_or_if_match(customer, product):
    ticket = make_ticket(customer, product)
    client = client_for(customer)
    assert client.patch(detail(ticket), {"title": "A", "version": 1}, format="json").status_code
    response = client.patch(detail(ticket), {"title": "B", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert response.json()["current_version"] == 2
    response = client.patch(detail(ticket), {"title": "B"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 409
    response = client.patch(detail(ticket), {"title": "B"}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.title == "B" and ticket.version == 3


@pytest.mark.parametrize("header", ["abc", '"1.5"', "W/x"])
def test_bad_if_match_is_400(header, customer, product):
    ticket = make_ticket(customer, product)
    response = client_for(customer).patch(
        detail(ticket), {"title": "B"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 400


def test_body_and_if_match_must_agree(customer, product):
    ticket = make_ticket(customer, product)
    response = client_for(customer).patch(
        detail(ticket), {"title": "B", "version": 1}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert response.status_code == 400 and "version" in response.json()["fields"]


@pytest.mark.parametrize("field", ["status", "assignee", "team", "organization"])
def test_patch_rejects_workflow_fields(field, customer, engineer, product):
    ticket = make_ticket(customer, product)
    response = client_for(engineer).patch(detail(ticket), {field: 1}, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]
    ticket.refresh_from_db()
    assert ticket.version == 1


@pytest.mark.parametrize(("field", "value"), [("severity", "L1"), ("kind", "complaint")])
def test_customer_cannot_patch_staff_fields(field, value, customer, product):
    ticket = make_ticket(customer, product)
    response = client_for(customer).patch(detail(ticket), {field: value}, format="json")
    assert response.status_code == 403
    assert field in response.json()["fields"]
    ticket.refresh_from_db()
    assert getattr(ticket, field) != value


def test_staff_confirms_severity_by_patch(customer, engineer, product):
    ticket = make_ticket(customer, product, proposed_severity="L3")
    response = client_for(engineer).patch(detail(ticket), {"severity": "L2"}, format="json")
    assert response.status_code == 200
    assert response.json()["severity"] == "L2" and response.json()["severity_confirmed"]
    assert response.json()["proposed_severity"] == "L3"


def test_put_is_not_allowed(customer, product):
    ticket = make_ticket(customer, product)
    response = client_for(customer).put(detail(ticket), {"title": "x"}, format="json")
    assert response.status_code == 405


def test_hand_built_list_row_matches_the_declared_serializer(customer, engineer, team, product):
    """The fast list representation must say exactly what DRF's generic fields would."""
    from rest_framework import serializers as drf
    from rest_framework.test import APIRequestFactory

    from tickets.api.serializers import TicketListSerializer
    from tickets.services import ticket_assign

    ticket = make_ticket(customer, product, proposed_severity="L2")
    ticket_assign(ticket, actor=engineer, team=team, assignee=engineer)
    request = APIRequestFactory().get(LIST)
    request.user = engineer
    context = {"request": request}
    from tickets.selectors import ticket_rows, ticket_rows_named

    row = ticket_rows_named([ticket_rows(engineer).get(pk=ticket.pk)])[0]
    fast = TicketListSerializer(row, context=context).data
    generic = drf.ModelSerializer.to_representation(
        TicketListSerializer(context=context), Ticket.objects.get(pk=ticket.pk)
    )
    assert list(fast) == list(generic)
    assert dict(fast) == dict(generic)


def test_customer_cannot_probe_other_organizations_through_the_filter(customer, other_org, org):
    client = client_for(customer)
    foreign = client.get(LIST, {"organization": other_org.pk})
    missing = client.get(LIST, {"organization": 987654})
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["fields"].keys() == missing.json()["fields"].keys() == {"organization"}
    assert client.get(LIST, {"organization": org.pk}).status_code == 200


def test_create_query_count_is_constant(manager, org, django_assert_num_queries):
    """``POST /tickets/`` as an integration sends it (token, Idempotency-Key, no product).

    Warm caches (token, SLA target): open the transaction; reserve the key (one INSERT ...
    ON CONFLICT); the organization; the service's savepoint; the number (UPDATE ...
    RETURNING); the ticket; its created event; both clocks (one INSERT); their started
    events (one INSERT); release; store the response; commit. The first create after an
    SLA change also reads the target and its version's escalation levels (two queries)."""
    from servicedesk.services import api_token_create
    from sla.services import plan_cache_clear

    _token, key = api_token_create(name="int", user=manager, scope="write", created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    def create(n: int):
        body = {"organization": org.pk, "kind": "fault", "title": f"Export fails {n}"}
        response = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY=f"k-{n}")
        assert response.status_code == 201, response.content
        return response.json()

    create(0)  # creates the default policy, warms the caches
    with django_assert_num_queries(12):
        created = create(1)
    assert [c["kind"] for c in created["sla"]] == ["response", "resolution"]
    assert created["sla"][0]["explanation"][0]["kind"] == "started"
    plan_cache_clear()
    with django_assert_num_queries(14):
        create(2)
    ticket = Ticket.objects.get(pk=created["id"])
    assert ticket.events.filter(kind="created").count() == 1
    assert ticket.clocks.filter(events__kind="started").count() == 2
    assert ticket.number == created["number"]


def test_hand_built_ticket_matches_the_declared_serializer(
    customer, engineer, team, product, version, monkeypatch
):
    """The fast detail representation must say exactly what DRF's generic fields would,
    for a ticket just created (clocks in memory) and one read back with every reference."""
    from django.utils import timezone
    from rest_framework import serializers as drf
    from rest_framework.test import APIRequestFactory

    from tickets.api.serializers import TicketSerializer
    from tickets.selectors import ticket_get_for
    from tickets.services import ticket_assign, ticket_transition

    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    request = APIRequestFactory().get(LIST)
    request.user = engineer
    context = {"request": request}

    def both(ticket):
        fast = TicketSerializer(ticket, context=context).data
        generic = drf.ModelSerializer.to_representation(TicketSerializer(context=context), ticket)
        return fast, generic

    fresh = make_ticket(customer, product, product_version=version, proposed_severity="L2")
    fast, generic = both(fresh)
    assert list(fast) == list(generic) == TicketSerializer.Meta.fields
    assert dict(fast) == dict(generic)

    ticket_assign(fresh, actor=engineer, team=team, assignee=engineer)
    ticket = ticket_transition(
        ticket_get_for(engineer, fresh.pk),
        actor=engineer,
        to_status=TicketStatus.WAITING_CUSTOMER,
        comment="Which version do you run?",
    )
    read = ticket_get_for(engineer, ticket.pk)
    fast, generic = both(read)
    assert read.assignee_id and read.team_id and read.contact_id
    assert [c["state"] for c in fast["sla"]] == ["met", "paused"]  # the question was a public reply
    assert dict(fast) == dict(generic)


def test_closed_and_rated_filters_respect_visibility(customer, engineer, org, other_org):
    """``closed_after`` / ``closed_before`` / ``rated`` (the dashboard's rating tile): the
    tickets closed in ``[after, before)``, rated; a customer's are still their own only."""
    from datetime import UTC, datetime

    at = datetime(2026, 11, 5, 8, tzinfo=UTC)
    mine = f.TicketFactory(organization=org, status=TicketStatus.CLOSED, closed_at=at, rating=4)
    f.TicketFactory(organization=org, status=TicketStatus.CLOSED, closed_at=at)  # not rated
    f.TicketFactory(  # closed after the window
        organization=org, status=TicketStatus.CLOSED, closed_at=datetime(2026, 12, 1, tzinfo=UTC)
    )
    theirs = f.TicketFactory(
        organization=other_org, status=TicketStatus.CLOSED, closed_at=at, rating=5
    )
    params = {
        "closed_after": "2026-11-01T00:00:00Z",
        "closed_before": "2026-12-01T00:00:00Z",
        "rated": "true",
    }
    staff = [t["id"] for t in client_for(engineer).get(LIST, params).json()["results"]]
    assert sorted(staff) == sorted([mine.pk, theirs.pk])
    own = [t["id"] for t in client_for(customer).get(LIST, params).json()["results"]]
    assert own == [mine.pk]
    bad = client_for(customer).get(LIST, {"closed_after": "soon"})
    assert bad.status_code == 400 and "closed_after" in bad.json()["fields"]

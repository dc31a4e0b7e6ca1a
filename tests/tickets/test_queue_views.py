"""Queue views: the defaults per role, their counts, saved views (page and API), the ticket
page's action bar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicedesk.choices import Role
from tests import factories as f
from tests.conftest import client_for
from tickets import selectors, services
from tickets.choices import TicketStatus
from tickets.models import SavedView, SavedViewEvent

pytestmark = pytest.mark.django_db

QUEUE = reverse("staff:queue")
COUNTS = reverse("staff:queue-view-counts")
SAVE = reverse("staff:saved-view-save")
API = "/api/v1/views/"


@pytest.fixture
def desk(org, team, engineer, agent):
    """One ticket per default view, plus closed ones that no count may include."""
    team.members.add(engineer)
    now = timezone.now()
    other = f.UserFactory(role=Role.ENGINEER)
    make = f.TicketFactory
    return {
        "mine": make(organization=org, status=TicketStatus.IN_PROGRESS, assignee=engineer),
        "team": make(organization=org, status=TicketStatus.ACCEPTED, team=team, assignee=other),
        "unassigned": make(organization=org, status=TicketStatus.NEW),
        "breaching": make(
            organization=org,
            status=TicketStatus.ACCEPTED,
            assignee=other,
            sla_due_at=now + dt.timedelta(minutes=80),
        ),
        "breached": make(
            organization=org,
            status=TicketStatus.ACCEPTED,
            assignee=other,
            sla_due_at=now - dt.timedelta(minutes=12),
        ),
        "waiting": make(organization=org, status=TicketStatus.WAITING_CUSTOMER, assignee=other),
        "closed": [
            make(organization=org, status=TicketStatus.CLOSED, assignee=engineer, team=team)
            for _ in range(3)
        ],
    }


def _numbers(response):
    return {row["number"] for row in response.context["tickets"]}


def test_each_default_view_lists_its_tickets(client, engineer, desk):
    client.force_login(engineer)
    expected = {
        "mine": {desk["mine"].number},
        "team": {desk["team"].number},
        "unassigned": {desk["unassigned"].number},
        "breaching": {desk["breaching"].number},
        "breached": {desk["breached"].number},
        "waiting": {desk["waiting"].number},
    }
    for key, numbers in expected.items():
        assert _numbers(client.get(QUEUE, {"view": key})) == numbers, key
    assert len(_numbers(client.get(QUEUE, {"view": "all"}))) == 9
    assert len(_numbers(client.get(QUEUE, {"view": "open"}))) == 6


@pytest.mark.parametrize(
    ("role", "landing"),
    [(Role.ENGINEER, "mine"), (Role.AGENT, "unassigned"), (Role.MANAGER, "breaching")],
)
def test_each_role_lands_on_its_view(client, role, landing, desk):
    client.force_login(f.UserFactory(role=role))
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert response.context["current"] == landing
    assert 'aria-current="page"' in response.content.decode()


def test_counts_are_current_and_skip_closed_tickets(client, engineer, desk):
    client.force_login(engineer)
    response = client.get(COUNTS)
    assert response.status_code == 200
    page = response.content.decode()
    counts = selectors.view_counts(engineer)
    assert counts == {
        "mine": 1,
        "team": 1,
        "unassigned": 1,
        "breaching": 1,
        "breached": 1,
        "waiting": 1,
    }
    assert 'hx-trigger="every 60s"' in page  # keeps itself current
    f.TicketFactory(organization=desk["mine"].organization, assignee=engineer)
    assert selectors.view_counts(engineer)["mine"] == 2


def test_counts_are_one_query_whatever_the_views(client, engineer, desk, team):
    client.force_login(engineer)

    def load():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(COUNTS).status_code == 200
        return len(ctx.captured_queries)

    services.saved_view_create(actor=engineer, name="L1", params=_q("severity=L1"))
    few = load()
    for i in range(5):
        services.saved_view_create(
            actor=engineer, name=f"view {i}", params=_q(f"q=x{i}&status=new"), team=team
        )
    assert load() == few
    # session, user, saved views, the counts themselves: nothing per view
    assert few <= 4


def test_queue_page_query_count_is_constant_per_view(client, engineer, desk, org):
    client.force_login(engineer)

    def load(view):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(QUEUE, {"view": view}).status_code == 200
        return len(ctx.captured_queries)

    before = {view: load(view) for view in ("mine", "all", "breached")}
    for _ in range(10):
        f.TicketFactory(
            organization=f.OrganizationFactory(),
            team=f.TeamFactory(),
            assignee=engineer,
            product=f.ProductFactory(),
            status=TicketStatus.IN_PROGRESS,
            sla_due_at=timezone.now() - dt.timedelta(hours=1),
        )
    assert {view: load(view) for view in before} == before


def _q(text):
    from django.http import QueryDict

    return QueryDict(text)


def test_saved_view_from_the_page_is_private_or_shared(client, engineer, team, desk):
    client.force_login(engineer)
    response = client.post(
        SAVE, {"name": "My L1s", "query": "severity=L1&status=new&after=xyz&bogus=1"}
    )
    assert response.status_code == 302
    view = SavedView.objects.get(name="My L1s")
    assert view.query == "status=new&severity=L1"  # allow-listed names only, no paging
    assert SavedViewEvent.objects.filter(view=view, kind="created", actor=engineer).exists()
    shared = client.post(SAVE, {"name": "Team waiting", "query": "view=waiting", "team": team.pk})
    assert shared.status_code == 302

    colleague = f.UserFactory(role=Role.ENGINEER)
    team.members.add(colleague)
    outsider = f.UserFactory(role=Role.ENGINEER)
    assert [v.name for v in selectors.saved_views_for(colleague)] == ["Team waiting"]
    assert list(selectors.saved_views_for(outsider)) == []
    # opening a saved view applies its filter
    shared_view = SavedView.objects.get(name="Team waiting")
    client.force_login(colleague)
    response = client.get(QUEUE, {"saved": shared_view.pk})
    assert _numbers(response) == {desk["waiting"].number}
    # someone else's private view is not found: the queue falls back to the landing view
    private = client.get(QUEUE, {"saved": view.pk})
    assert private.context["saved"] is None
    # and may not be deleted by them
    assert (
        client.post(reverse("staff:saved-view-delete", kwargs={"pk": view.pk})).status_code == 404
    )
    client.force_login(engineer)
    assert (
        client.post(reverse("staff:saved-view-delete", kwargs={"pk": view.pk})).status_code == 302
    )
    assert not SavedView.objects.filter(pk=view.pk).exists()
    assert SavedViewEvent.objects.filter(kind="deleted", data__name="My L1s").exists()


def test_saved_view_bad_input_is_refused_with_a_message(client, engineer, team):
    client.force_login(engineer)
    for data, message in [
        ({"name": "", "query": "status=new"}, "This field is required."),
        ({"name": "x", "query": "status=bogus"}, "The filter has values that are not valid."),
        ({"name": "x", "query": "ordering=password"}, "Unknown sort order."),
        ({"name": "x", "query": "", "team": team.pk}, "valid choice"),
    ]:
        response = client.post(SAVE, data, follow=True)
        assert message in response.content.decode(), data
    assert not SavedView.objects.exists()


def test_customers_and_anonymous_get_no_views(client, customer, desk):
    client.force_login(customer)
    assert client.get(COUNTS).status_code == 403
    assert client.post(SAVE, {"name": "x", "query": ""}).status_code == 403
    assert client_for(customer).get(API).status_code == 403
    client.logout()
    assert client.get(COUNTS).status_code == 302
    assert client_for(None).get(API).status_code in (401, 403)


def test_api_lists_views_with_counts_saves_and_deletes(engineer, desk, team):
    api = client_for(engineer)
    response = api.post(API, {"name": "Breached L-any", "query": "view=breached"}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["query"] == "view=breached" and created["mine"] is True
    rows = {row["key"]: row for row in api.get(API).json()}
    assert rows["mine"]["count"] == 1 and rows["all"]["count"] is None
    assert rows[created["key"]]["count"] == 1
    # the tickets of a view, through the shared filter
    listed = api.get("/api/v1/tickets/", {"view": "mine"}).json()["results"]
    assert [t["number"] for t in listed] == [desk["mine"].number]
    bad = api.post(API, {"name": "x", "query": "severity=L9"}, format="json")
    assert bad.status_code == 400 and "severity" in bad.json()["fields"]
    duplicate = api.post(API, {"name": "Breached L-any", "query": ""}, format="json")
    assert duplicate.status_code == 400
    other = client_for(f.UserFactory(role=Role.ENGINEER))
    detail = f"/api/v1/views/{created['id']}/"
    assert other.delete(detail).status_code == 404
    assert api.delete(detail).status_code == 204
    assert api.delete(detail).status_code == 404


def test_queue_shows_sla_countdown(client, engineer, desk):
    client.force_login(engineer)
    page = client.get(QUEUE, {"view": "open"}).content.decode()
    assert "in 1 h 19 min" in page or "in 1 h 20 min" in page
    assert "12 min overdue" in page or "11 min overdue" in page


def test_queue_htmx_request_gets_the_list_alone(client, engineer, desk):
    client.force_login(engineer)
    response = client.get(QUEUE, {"view": "mine"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.startswith('<div id="queue-results"')
    assert desk["mine"].number in page and "<html" not in page


# --------------------------------------------------------------------------- ticket page


def _ticket_page(client, user, ticket):
    client.force_login(user)
    return client.get(reverse("staff:ticket", kwargs={"pk": ticket.pk})).content.decode()


def test_action_bar_shows_what_the_state_allows(client, engineer, org):
    open_ticket = f.TicketFactory(organization=org, status=TicketStatus.IN_PROGRESS)
    page = _ticket_page(client, engineer, open_ticket)
    bar = page[page.index('id="actions"') : page.index('<div class="grid">')]
    for part in ('id="transition"', 'id="assign"', 'id="severity"', 'id="triage"', "Resolve"):
        assert part in bar, part
    assert page.index('id="actions"') < page.index('id="timeline"')

    closed = f.TicketFactory(organization=org, status=TicketStatus.CLOSED)
    page = _ticket_page(client, engineer, closed)
    assert 'id="assign"' not in page and 'id="severity"' not in page
    assert 'id="triage"' not in page and 'id="service-hours-form"' not in page
    assert "Reopen" in page or 'id="transition"' not in page
    panel = reverse("staff:ticket-assign-panel", kwargs={"pk": closed.pk})
    assert client.get(panel).status_code == 403


def test_assign_panel_query_count_is_constant(client, engineer, org, product):
    ticket = f.TicketFactory(organization=org, product=product, status=TicketStatus.NEW)
    client.force_login(engineer)
    url = reverse("staff:ticket-assign-panel", kwargs={"pk": ticket.pk})

    def load():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = load()
    for _ in range(6):
        user = f.UserFactory(role=Role.ENGINEER)
        f.SkillFactory(user=user, product=product)
        f.TicketFactory(organization=org, assignee=user, status=TicketStatus.ACCEPTED)
    assert load() == few


def test_customer_gets_no_assign_panel(client, customer, org):
    ticket = f.TicketFactory(organization=org, status=TicketStatus.NEW)
    client.force_login(customer)
    url = reverse("staff:ticket-assign-panel", kwargs={"pk": ticket.pk})
    assert client.get(url).status_code == 403


def test_ticket_page_ranks_engineers_without_reading_closed_tickets(client, engineer, org, product):
    f.SkillFactory(user=engineer, product=product)
    ticket = f.TicketFactory(organization=org, product=product, status=TicketStatus.NEW)
    f.TicketFactory(organization=org, status=TicketStatus.CLOSED, assignee=engineer)
    f.TicketFactory(organization=org, status=TicketStatus.ACCEPTED, assignee=engineer)
    client.force_login(engineer)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("staff:ticket-assign-panel", kwargs={"pk": ticket.pk}))
    assert response.context["suggestions"][0].open_load == 1
    loads = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"]]
    assert loads, "the open load is one GROUP BY"
    for sql in loads:
        assert "'closed'" not in sql and "IN ('accepted'" in sql


@pytest.mark.parametrize(("panel", "field"), [("triage", 'name="decision"'), ("severity", "")])
def test_triage_and_severity_forms_load_when_their_panel_opens(client, engineer, org, panel, field):
    ticket = f.TicketFactory(organization=org, status=TicketStatus.NEW)
    page = _ticket_page(client, engineer, ticket)
    url = reverse("staff:ticket-form-panel", kwargs={"pk": ticket.pk, "panel": panel})
    assert f'hx-get="{url}"' in page  # the panel asks for its form when opened
    assert 'name="decision"' not in page and 'name="severity"' not in page
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert len(ctx.captured_queries) <= 3  # session, user, the ticket's row
    body = response.content.decode()
    assert 'name="severity"' in body and field in body
    assert f'name="version" value="{ticket.version}"' in body
    action = reverse(f"staff:ticket-{panel}", kwargs={"pk": ticket.pk})
    assert f'action="{action}"' in body


def test_form_panels_are_refused_where_the_page_does_not_offer_them(
    client, engineer, tester, customer, org, other_org
):
    closed = f.TicketFactory(organization=org, status=TicketStatus.CLOSED)
    open_ticket = f.TicketFactory(organization=org, status=TicketStatus.NEW)

    def url(ticket, panel):
        return reverse("staff:ticket-form-panel", kwargs={"pk": ticket.pk, "panel": panel})

    client.force_login(engineer)
    assert client.get(url(closed, "triage")).status_code == 403
    assert client.get(url(closed, "severity")).status_code == 403
    assert client.get(url(open_ticket, "assign-me")).status_code == 404
    assert client.get(url(open_ticket, "nothing")).status_code == 404
    client.force_login(tester)  # may change the severity, may not triage
    assert client.get(url(open_ticket, "triage")).status_code == 403
    assert client.get(url(open_ticket, "severity")).status_code == 200
    client.force_login(customer)
    assert client.get(url(open_ticket, "severity")).status_code == 403


def test_refused_triage_reopens_its_panel_with_the_errors(client, agent, org):
    ticket = f.TicketFactory(organization=org, status=TicketStatus.NEW)
    client.force_login(agent)
    url = reverse("staff:ticket-triage", kwargs={"pk": ticket.pk})
    response = client.post(url, {"decision": "consultation", "version": ticket.version})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<details id="triage" open>' in page and 'name="decision"' in page


def test_ticket_page_query_count_is_fixed(client, manager, org, product, team):
    """Session, user, the ticket, its people, files, comments, events, two SLA reads, the
    approvals badge, the unread badge and work orders: 12, whatever the ticket refers to
    (the references are joined or read together). The service-hours card and the visits
    panel load after the page (tickets.panels; their counts: tests/maintenance)."""
    version = f.ProductVersionFactory(product=product)
    engineer = f.UserFactory(role=Role.ENGINEER)
    ticket = f.TicketFactory(
        organization=org,
        product=product,
        product_version=version,
        team=team,
        assignee=engineer,
        contact=f.ContactFactory(organization=org),
        status=TicketStatus.IN_PROGRESS,
    )
    client.force_login(manager)
    url = reverse("staff:ticket", kwargs={"pk": ticket.pk})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert len(ctx.captured_queries) <= 12, [q["sql"][:80] for q in ctx.captured_queries]
    page = response.content.decode()
    for shown in (org.name, product.name, version.version, team.name, str(engineer)):
        assert shown in page, shown


def test_templates_are_cached_when_not_debugging():
    from django.template import engines
    from django.template.loaders.cached import Loader

    loaders = engines["django"].engine.template_loaders
    assert len(loaders) == 1 and isinstance(loaders[0], Loader)


def test_queue_team_pickers_come_from_one_query(client, agent, manager, team):
    other = f.TeamFactory(name="Zhejiang field service")
    team.members.add(agent)
    for user, shared in ((agent, {team.name}), (manager, {team.name, other.name})):
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(QUEUE, {"view": "all"})
        page = response.content.decode()
        team_reads = [
            q for q in ctx.captured_queries if q["sql"].startswith('SELECT "servicedesk_team"')
        ]
        assert len(team_reads) == 1, [q["sql"][:120] for q in team_reads]
        form = response.context["filter"].form
        assert {label for value, label in form.fields["team"].choices if value} == {
            team.name,
            other.name,
        }
        save = response.context["save_form"].fields["team"]
        assert {label for value, label in save.choices if value} == shared
        assert f'<option value="{other.pk}">{other.name}</option>' in page

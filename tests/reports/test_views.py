"""/reports/ and /reports/dashboard/: who sees what, links to the tickets, bad input."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.choices import Role
from tests import factories as f
from tickets.models import Ticket

NOV = "?period=month&date=2026-11"


def _client(client, user):
    client.force_login(user)
    return client


def test_anonymous_goes_to_sign_in(desk, client):
    for url in ("/reports/", "/reports/dashboard/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_manager_dashboard_shows_figures_charts_and_links(desk, client):
    manager = f.UserFactory(role=Role.MANAGER)
    response = _client(client, manager).get("/reports/dashboard/" + NOV)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="tile-received"' in html
    assert '<span class="tile-value">5</span>' in html
    assert "<svg" in html and "<polyline" in html
    assert "created_after=2026-10-31T16%3A00%3A00%2B00%3A00" in html  # received -> queue
    assert 'style="' not in html  # the CSP forbids inline style


def test_dashboard_links_lead_to_the_same_tickets(desk, client):
    manager = f.UserFactory(role=Role.MANAGER)
    c = _client(client, manager)
    html = c.get("/reports/dashboard/" + NOV).content.decode()
    start = html.index('id="tile-resolved" href="') + len('id="tile-resolved" href="')
    url = html[start : html.index('"', start)].replace("&amp;", "&")
    queue = c.get(url).content.decode()
    for number in ("T1", "T2", "T4"):
        assert f">{number}<" in queue
    assert ">T3<" not in queue


def test_every_time_row_of_the_dashboard_links_to_its_tickets(desk, client):
    manager = f.UserFactory(role=Role.MANAGER)
    html = _client(client, manager).get("/reports/dashboard/" + NOV).content.decode()
    table = html[
        html.index('id="percentiles"') : html.index("</table>", html.index('id="percentiles"'))
    ]
    assert table.count("created_after=") == 2  # the response rows: tickets received
    assert table.count("resolved_after=") == 2  # the resolution rows: tickets resolved


def test_engineer_sees_their_group_and_is_refused_another(desk, client):
    c = _client(client, desk.eng_a)
    response = c.get("/reports/dashboard/" + NOV)
    assert response.status_code == 200
    assert '<span class="tile-value">2</span>' in response.content.decode()  # t1, t3
    assert c.get(f"/reports/dashboard/{NOV}&team={desk.team_b.pk}").status_code == 403


def test_customer_gets_404_for_the_dashboard_and_their_own_report(desk, client):
    customer = f.CustomerFactory(organization=desk.org_a)
    c = _client(client, customer)
    assert c.get("/reports/dashboard/" + NOV).status_code == 404
    response = c.get("/reports/" + NOV)
    assert response.status_code == 200
    html = response.content.decode()
    assert "East Grid" in html
    assert 'id="indicator-fcr_hotline"' in html
    assert c.get(f"/reports/{NOV}&organization={desk.org_b.pk}").status_code == 404
    assert "staff" not in html.split('id="indicators"')[1].split("</table>")[0]


def test_bad_period_is_a_400_with_the_message(desk, client):
    manager = f.UserFactory(role=Role.MANAGER)
    response = _client(client, manager).get("/reports/?period=month&date=2026-13")
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()


def test_indicators_page_in_chinese(desk, client):
    manager = f.UserFactory(role=Role.MANAGER)
    c = _client(client, manager)
    html = c.get("/reports/" + NOV, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "首次解决率（热线）" in html
    assert "服务质量指标" in html


def test_navigation_links_reports(desk, client):
    manager = f.UserFactory(role=Role.MANAGER)
    html = _client(client, manager).get("/staff/").content.decode()
    assert 'id="nav-dashboard"' in html and 'href="/reports/"' in html


def test_query_counts_are_constant(desk, client):
    manager = f.UserFactory(role=Role.MANAGER)
    c = _client(client, manager)
    c.get("/reports/dashboard/" + NOV)
    counts = []
    for url in ("/reports/dashboard/" + NOV, "/reports/" + NOV):
        with CaptureQueriesContext(connection) as before:
            c.get(url)
        counts.append(len(before))
    template = Ticket.objects.get(number="T3")
    for n in range(6):
        template.pk, template.number = None, f"Y{n}"
        template.assignee = f.UserFactory(role=Role.ENGINEER)
        template.save()
    for i, url in enumerate(("/reports/dashboard/" + NOV, "/reports/" + NOV)):
        with CaptureQueriesContext(connection) as after:
            c.get(url)
        assert len(after) == counts[i]
    assert counts[0] <= 30


def test_the_rating_tile_leads_to_the_rated_tickets_closed_in_the_period(desk, client):
    manager = f.UserFactory(role=Role.MANAGER)
    c = _client(client, manager)
    html = c.get("/reports/dashboard/" + NOV).content.decode()
    start = html.index('id="tile-csat" href="') + len('id="tile-csat" href="')
    url = html[start : html.index('"', start)].replace("&amp;", "&")
    assert "closed_after=" in url and "rated=true" in url
    queue = c.get(url).content.decode()
    for number in ("T1", "T2"):  # closed 2 and 3 November, rated 5 and 4: average 4.5
        assert f">{number}<" in queue
    for number in ("T3", "T4", "T5"):
        assert f">{number}<" not in queue


def test_warm_up_leaves_the_dashboard_template_compiled(db):
    """A worker compiles the project's templates and builds the URL maps when it starts
    (servicedesk/wsgi.py), so its first dashboard view does not."""
    from django.template import engines
    from django.urls import get_resolver

    from servicedesk.warmup import warm_up

    warm_up()
    assert get_resolver()._populated
    loader = engines["django"].engine.template_loaders[0]
    assert any(name.startswith("reports/dashboard") for name in loader.get_template_cache)

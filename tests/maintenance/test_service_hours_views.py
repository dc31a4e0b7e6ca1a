"""服务机时 (service hours) in the browser: the card on the ticket and work-order pages, the
logging page behind it, the totals report and its CSV; access per role, validation that
writes nothing, numbers that match the entries, constant query counts; and the service
``time_entry_add`` itself."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maintenance import services as wo
from maintenance.choices import WorkMode, WorkOrderKind
from maintenance.forms.service_hours import parse_minutes
from maintenance.models import TimeEntry
from maintenance.services.time_entries import time_entry_add
from servicedesk.choices import Role
from servicedesk.errors import NotFound, ValidationFailed
from tests import factories as f
from tests.maintenance.conftest import fault_ticket as _ticket

pytestmark = pytest.mark.django_db

REPORT = reverse("maintenance:service-hours")
CSV = reverse("maintenance:service-hours-csv")
STAFF_ROLES = [Role.AGENT, Role.ENGINEER, Role.MANAGER]


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def order(agent, fault):
    return wo.work_order_draft(
        actor=agent, kind=WorkOrderKind.CORRECTIVE, title="Blank second page", tickets=[fault]
    )


def _ticket_page(ticket):
    return reverse("staff:ticket", kwargs={"pk": ticket.pk})


def _ticket_card(ticket):
    """The ticket page's service-hours card, loaded by htmx after the page (tickets.panels)."""
    return reverse("staff:ticket-panel", kwargs={"pk": ticket.pk, "key": "service-hours"})


def _order_page(order):
    return reverse("maintenance:work-order", kwargs={"pk": order.pk})


def _ticket_log(ticket):
    return reverse("maintenance:ticket-hours", kwargs={"ticket_pk": ticket.pk})


def _order_log(order):
    return reverse("maintenance:work-order-hours", kwargs={"pk": order.pk})


def _entry(user, minutes=30, days_ago=0, mode=WorkMode.REMOTE, **subject):
    return time_entry_add(
        actor=user,
        worked_on=timezone.localdate() - dt.timedelta(days=days_ago),
        minutes=minutes,
        mode=mode,
        **subject,
    )


def _form(**changes):
    data = {
        "worked_on": timezone.localdate().isoformat(),
        "minutes": "1:30",
        "mode": WorkMode.ON_SITE,
        "note": "Replaced the printer driver",
    }
    data.update(changes)
    return data


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --------------------------------------------------------------------------- access


def _all_urls(fault, order):
    return [_ticket_log(fault), _order_log(order), REPORT, CSV]


def test_anonymous_is_sent_to_login(client, fault, order):
    for url in _all_urls(fault, order):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
    for url in (_ticket_log(fault), _order_log(order)):
        response = client.post(url, _form())
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not TimeEntry.objects.exists()


def test_customer_gets_404_and_never_sees_hours(client, customer, engineer, fault, order):
    _entry(engineer, 45, ticket=fault, note="Secret internal remark")
    _login(client, customer)
    for url in _all_urls(fault, order):
        assert client.get(url).status_code == 404, url
    for url in (_ticket_log(fault), _order_log(order)):
        assert client.post(url, _form()).status_code == 404, url
    assert TimeEntry.objects.count() == 1
    # Their own ticket in the portal shows nothing of the service hours.
    portal = client.get(reverse("portal:ticket", kwargs={"number": fault.number}))
    assert portal.status_code == 200
    body = portal.content.decode()
    assert "service-hours" not in body and "Secret internal remark" not in body
    assert "Service hours" not in body and "0:45" not in body


def test_customer_ticket_page_in_chinese_has_no_hours(client, customer, engineer, fault):
    _entry(engineer, 45, ticket=fault)
    _login(client, customer)
    body = client.get(
        reverse("portal:ticket", kwargs={"number": fault.number}), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "服务机时" not in body


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_see_the_card_and_log_time_on_a_ticket(client, role, fault):
    user = f.UserFactory(role=role)
    _login(client, user)
    page = client.get(_ticket_page(fault))
    assert page.status_code == 200
    assert f'hx-get="{_ticket_card(fault)}"' in page.content.decode()
    body = client.get(_ticket_card(fault)).content.decode()
    assert 'id="service-hours"' in body and _ticket_log(fault) in body
    assert f'value="{timezone.localdate().isoformat()}"' in body  # the date defaults to today

    response = client.post(_ticket_log(fault), _form())
    assert response.status_code == 302
    assert response.url == f"{_ticket_page(fault)}#service-hours"
    entry = TimeEntry.objects.get()
    assert (entry.user, entry.ticket, entry.work_order) == (user, fault, None)
    assert (entry.minutes, entry.mode, entry.note) == (90, "on_site", "Replaced the printer driver")

    page = client.get(response.url)
    assert f"1:30 of service hours recorded for {fault.number}." in _messages(page)
    page = client.get(_ticket_card(fault))
    card = page.content.decode().split('id="service-hours"')[1].split("</section>")[0]
    assert "1:30" in card and "On-site" in card and "Replaced the printer driver" in card
    assert str(user) in card


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_log_time_on_a_work_order(client, role, order):
    _login(client, f.UserFactory(role=role))
    body = client.get(_order_page(order)).content.decode()
    assert 'id="service-hours"' in body and _order_log(order) in body

    response = client.post(_order_log(order), _form(minutes="90", mode=WorkMode.REMOTE, note=""))
    assert response.status_code == 302
    assert response.url == f"{_order_page(order)}#service-hours"
    entry = TimeEntry.objects.get()
    assert (entry.work_order, entry.ticket, entry.minutes, entry.mode) == (
        order, None, 90, "remote"
    )  # fmt: skip
    page = client.get(response.url).content.decode()
    assert 'id="service-hours-total">1:30<' in page


def test_the_logging_page_shows_the_card(client, engineer, fault, order):
    _entry(engineer, 75, ticket=fault)
    _login(client, engineer)
    for url, subject in ((_ticket_log(fault), fault), (_order_log(order), order)):
        response = client.get(url)
        assert response.status_code == 200
        assert subject.number in response.content.decode()
    assert "1:15" in client.get(_ticket_log(fault)).content.decode()


def test_unknown_subjects_are_404(client, engineer):
    _login(client, engineer)
    assert (
        client.post(reverse("maintenance:ticket-hours", args=[999999]), _form()).status_code == 404
    )
    assert (
        client.post(reverse("maintenance:work-order-hours", args=[999999]), _form()).status_code
        == 404
    )
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_open_the_report_and_its_csv(client, role, fault):
    _login(client, f.UserFactory(role=role))
    page = client.get(REPORT)
    assert page.status_code == 200
    assert 'href="/maintenance/service-hours/"' in page.content.decode()  # in the nav
    assert client.get(CSV).status_code == 200


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"worked_on": "2999-01-01"}, "worked_on", "a day that has not come yet"),
        ({"minutes": "0"}, "minutes", "Between 1 and 1440 minutes"),
        ({"minutes": "0:00"}, "minutes", "Between 1 and 1440 minutes"),
        ({"minutes": "1441"}, "minutes", "Between 1 and 1440 minutes"),
        ({"minutes": "24:01"}, "minutes", "Between 1 and 1440 minutes"),
        ({"minutes": "1h30"}, "minutes", "hours and minutes (1:30)"),
        ({"minutes": "1:75"}, "minutes", "hours and minutes (1:30)"),
        ({"minutes": "-5"}, "minutes", "hours and minutes (1:30)"),
        ({"minutes": ""}, "minutes", "This field is required"),
        ({"worked_on": "yesterday"}, "worked_on", "Enter a valid date"),
        ({"mode": "telepathy"}, "mode", "Select a valid choice"),
        ({"note": "x" * 301}, "note", "at most 300 characters"),
    ],
)
@pytest.mark.parametrize("where", ["ticket", "work_order"])
def test_bad_entries_show_errors_and_write_nothing(
    client, engineer, fault, order, change, field, text, where
):
    _login(client, engineer)
    url = _ticket_log(fault) if where == "ticket" else _order_log(order)
    response = client.post(url, _form(**change))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    assert any(text.lower() in e.lower() for e in form.errors[field]), form.errors
    assert _messages(response)  # a message at the top
    assert text.lower() in response.content.decode().lower()
    assert not TimeEntry.objects.exists()


def test_parse_minutes():
    assert parse_minutes("90") == 90
    assert parse_minutes(" 1:30 ") == 90
    assert parse_minutes("0:05") == 5
    assert parse_minutes("24:00") == 1440
    for bad in ("", "1:5", "1:60", "1.5", "1h", "١٢", "-1", "1:30:00"):
        assert parse_minutes(bad) is None, bad


# --------------------------------------------------------------------------- totals


@pytest.fixture
def booked(engineer, agent, fault, order, other_customer, product):
    """Entries over two customers, two people, a ticket, a work order and two months."""
    other = _ticket(other_customer, product, title="Login fails")
    _entry(engineer, 90, ticket=fault)
    _entry(engineer, 30, ticket=fault, days_ago=1)
    _entry(agent, 15, ticket=fault)
    _entry(engineer, 120, work_order=order)  # counts for the order's ticket's customer
    _entry(agent, 45, ticket=other)
    _entry(engineer, 600, ticket=other, days_ago=60)  # outside the range asked below
    return {"other": other}


def _rows(response):
    return {r["label"]: (r["minutes"], r["entries"]) for r in response.context["rows"]}


def test_report_totals_match_the_entries(client, manager, booked, fault, order, org, other_org):
    _login(client, manager)
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    today = timezone.localdate().isoformat()
    period = {"date_from": since, "date_to": today}

    by_customer = client.get(REPORT, {"group_by": "customer", **period})
    assert _rows(by_customer) == {org.name: (255, 4), other_org.name: (45, 1)}
    assert by_customer.context["total_minutes"] == 300
    body = by_customer.content.decode()
    assert 'id="report-total">5:00<' in body and "4:15" in body

    by_engineer = client.get(REPORT, {"group_by": "engineer", **period})
    assert _rows(by_engineer) == {"engineer": (240, 3), "agent": (60, 2)}

    by_ticket = client.get(REPORT, {"group_by": "ticket", **period})
    assert _rows(by_ticket) == {
        fault.number: (135, 3),
        "Not on a ticket": (120, 1),
        booked["other"].number: (45, 1),
    }
    assert _ticket_page(fault) in by_ticket.content.decode()

    by_order = client.get(REPORT, {"group_by": "work_order", **period})
    assert _rows(by_order) == {"Not on a work order": (180, 4), order.number: (120, 1)}
    assert _order_page(order) in by_order.content.decode()

    everything = client.get(REPORT, {"group_by": "customer"})
    assert _rows(everything)[other_org.name] == (645, 2)


def test_report_first_visit_is_this_month_per_customer(client, manager, booked, org):
    _login(client, manager)
    response = client.get(REPORT)
    assert response.status_code == 200
    form = response.context["form"]
    today = timezone.localdate()
    assert form["group_by"].value() == "customer"
    assert form["date_from"].value() == today.replace(day=1)
    assert response.context["total_minutes"] == sum(
        e.minutes for e in TimeEntry.objects.filter(worked_on__gte=today.replace(day=1))
    )


def test_report_bad_filters_show_errors_not_500(client, manager, booked):
    _login(client, manager)
    response = client.get(REPORT, {"group_by": "organization__name", "date_from": "x"})
    assert response.status_code == 200
    assert "group_by" in response.context["form"].errors
    assert "date_from" in response.context["form"].errors
    reversed_range = client.get(REPORT, {"group_by": "ticket", "date_from": "2026-02-01",
                                         "date_to": "2026-01-01"})  # fmt: skip
    assert "date_to" in reversed_range.context["form"].errors
    assert client.get(CSV, {"group_by": "nonsense"}).status_code == 200


def test_csv_has_the_same_rows(client, manager, booked, org, other_org):
    _login(client, manager)
    params = {"group_by": "customer", "date_from": "2000-01-01"}
    page = client.get(REPORT, params)
    response = client.get(CSV, params)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="service-hours-')
    assert response["X-Content-Type-Options"] == "nosniff"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Customer", "Minutes", "Hours", "Entries"]
    expected = [
        [r["label"], str(r["minutes"]), f"{r['minutes'] // 60}:{r['minutes'] % 60:02d}",
         str(r["entries"])]
        for r in page.context["rows"]
    ]  # fmt: skip
    assert rows[1:] == expected
    assert rows[1] == [other_org.name, "645", "10:45", "2"]


def test_csv_quotes_formula_like_labels(client, manager, engineer, product):
    evil = f.OrganizationFactory(name="=HYPERLINK(1)", code="evil")
    f.ContractFactory(organization=evil, products=[product])
    ticket = f.TicketFactory(organization=evil)
    _entry(engineer, 10, ticket=ticket)
    _login(client, manager)
    text = b"".join(client.get(CSV, {"group_by": "customer"}).streaming_content).decode()
    assert "'=HYPERLINK(1)" in text


# --------------------------------------------------------------------------- query counts


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_ticket_page_query_count_is_constant(client, engineer, fault):
    people = [f.UserFactory(role=Role.ENGINEER) for _ in range(5)]
    _login(client, engineer)
    for n in range(3):
        _entry(people[n], 10 + n, ticket=fault)
    few, response = _count(client, _ticket_card(fault))
    assert len(response.content.decode().split('class="hours-entry"')) == 4
    for n in range(17):
        _entry(people[n % 5], 20 + n, ticket=fault, note=f"Note {n}")
    many, response = _count(client, _ticket_card(fault))
    assert len(response.content.decode().split('class="hours-entry"')) == 21
    assert many == few


def test_work_order_page_query_count_is_constant(client, engineer, order):
    people = [f.UserFactory(role=Role.ENGINEER) for _ in range(5)]
    _login(client, engineer)
    for n in range(3):
        _entry(people[n], 10, work_order=order)
    few, _ = _count(client, _order_page(order))
    for n in range(17):
        _entry(people[n % 5], 10, work_order=order)
    many, _ = _count(client, _order_page(order))
    assert many == few


@pytest.mark.parametrize("group_by", ["customer", "engineer", "ticket", "work_order"])
def test_report_query_count_is_constant(client, manager, product, group_by):
    _login(client, manager)

    def book(count):
        for _ in range(count):
            org = f.OrganizationFactory()
            ticket = f.TicketFactory(organization=org)
            _entry(f.UserFactory(role=Role.ENGINEER), 30, ticket=ticket)

    book(3)
    few, response = _count(client, REPORT, {"group_by": group_by})
    assert len(response.context["rows"]) == (1 if group_by == "work_order" else 3)
    book(17)
    many, response = _count(client, REPORT, {"group_by": group_by})
    assert len(response.context["rows"]) == (1 if group_by == "work_order" else 20)
    assert many == few


# --------------------------------------------------------------------------- the service


def test_time_entry_add_records_the_actors_time(engineer, fault, order):
    entry = _entry(engineer, 90, ticket=fault, mode=WorkMode.ON_SITE)
    assert (entry.user, entry.minutes, entry.mode, entry.ticket) == (engineer, 90, "on_site", fault)
    other = time_entry_add(
        actor=engineer,
        worked_on=timezone.localdate(),
        minutes=1440,
        mode=WorkMode.REMOTE,
        note="  spaces trimmed  ",
        work_order=order,
    )
    assert other.note == "spaces trimmed" and other.work_order == order


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"minutes": 0}, {"minutes"}),
        ({"minutes": 1441}, {"minutes"}),
        ({"minutes": True}, {"minutes"}),
        ({"minutes": "90"}, {"minutes"}),
        ({"mode": "phone"}, {"mode"}),
        ({"worked_on": "2026-01-01"}, {"worked_on"}),
        ({"worked_on": dt.date(2999, 1, 1)}, {"worked_on"}),
        ({"note": "x" * 301}, {"note"}),
        ({"ticket": None}, {"ticket", "work_order"}),
        ({"with_order": True}, {"ticket", "work_order"}),
    ],
)
def test_time_entry_add_refuses_bad_input(engineer, fault, order, kwargs, fields):
    data = {
        "actor": engineer,
        "worked_on": timezone.localdate(),
        "minutes": 30,
        "mode": WorkMode.REMOTE,
        "ticket": fault,
    }
    if kwargs.pop("with_order", False):
        data["work_order"] = order
    data.update(kwargs)
    with pytest.raises(ValidationFailed) as err:
        time_entry_add(**data)
    assert set(err.value.fields) == fields
    assert not TimeEntry.objects.exists()


def test_time_entry_add_is_for_staff_only(customer, fault):
    with pytest.raises(NotFound):
        time_entry_add(
            actor=customer, worked_on=timezone.localdate(), minutes=30, mode="remote", ticket=fault
        )
    assert not TimeEntry.objects.exists()

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicedesk.choices import Role
from tests import factories as f
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus
from tickets.models import Attachment, Comment, Ticket
from tickets.views import portal

pytestmark = pytest.mark.django_db

LIST = reverse("portal:ticket-list")
NEW = reverse("portal:ticket-create")


def _ticket_url(ticket, action=""):
    name = f"portal:ticket-{action}" if action else "portal:ticket"
    return reverse(name, kwargs={"number": ticket.number})


def _create(customer, product, **kw):
    data = {
        "actor": customer,
        "title": "Invoices do not print",
        "kind": TicketKind.FAULT,
        "channel": Channel.PORTAL,
        "product": product,
        "proposed_severity": "L2",
    }
    data.update(kw)
    return services.ticket_create(**data)


def _form(covered, version=None, /, **kw):
    data = {
        "kind": TicketKind.FAULT,
        "product": covered.pk,
        "product_version": version.pk if version else "",
        "title": "Month-end invoices fail",
        "description": "Printing stops with error E42.",
        "occurred_at": "2026-01-05T09:30",
        "impact": "Accounting cannot close the month.",
        "proposed_severity": "L3",
    }
    data.update(kw)
    return data


@pytest.fixture
def ticket(customer, product):
    return _create(customer, product)


@pytest.fixture
def resolved(ticket, engineer):
    return services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.RESOLVED, comment="Patch 3.2.1 applied."
    )


@pytest.fixture
def as_customer(client, customer):
    client.force_login(customer)
    return client


# --------------------------------------------------------------------------- access


def _all_urls(ticket):
    return {
        "get": [LIST, NEW, _ticket_url(ticket)],
        "post": [
            NEW,
            _ticket_url(ticket, "reply"),
            _ticket_url(ticket, "confirm"),
            _ticket_url(ticket, "reopen"),
            _ticket_url(ticket, "cancel"),
        ],
    }


def test_anonymous_is_sent_to_login_everywhere(client, ticket):
    urls = _all_urls(ticket)
    for url in urls["get"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for url in urls["post"]:
        response = client.post(url, {"body": "hi", "reason": "x", "rating": "5"})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Comment.objects.count() == 0
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.MANAGER, Role.TESTER])
def test_staff_are_redirected_on_get_and_forbidden_on_post(client, ticket, role):
    client.force_login(f.UserFactory(role=role))
    urls = _all_urls(ticket)
    for url in urls["get"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("home")
    for url in urls["post"]:
        assert client.post(url, {"body": "hi", "reason": "x", "rating": "5"}).status_code == 403
    assert Comment.objects.count() == 0


def test_other_organization_gets_404_and_never_sees_foreign_tickets(
    client, ticket, resolved, other_customer, product
):
    theirs = _create(other_customer, product, title="Their own request")
    client.force_login(other_customer)
    assert client.get(_ticket_url(ticket)).status_code == 404
    for url in _all_urls(ticket)["post"][1:]:
        assert client.post(url, {"body": "hi", "reason": "x", "rating": "5"}).status_code == 404
    response = client.get(LIST, {"status": "all"})
    assert response.status_code == 200
    assert ticket.number not in response.content.decode()
    assert theirs.number in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.comments.count() == 1


def test_unknown_number_is_404(as_customer):
    assert as_customer.get("/portal/tickets/SD-1999-000001/").status_code == 404
    assert as_customer.get("/portal/tickets/999999/").status_code == 404


# --------------------------------------------------------------------------- list


def test_list_shows_own_tickets_with_columns(as_customer, ticket):
    html = as_customer.get(LIST).content.decode()
    assert ticket.number in html and ticket.title in html
    assert "st-new" in html and "sev-L2" in html and "Billing" in html
    assert timezone.localtime(ticket.resolution_due_at).strftime("%Y-%m-%d %H:%M") in html


def test_list_filters_by_status_and_text(as_customer, customer, product, engineer):
    open_one = _create(customer, product, title="Printer offline")
    done = _create(customer, product, title="Report slow")
    services.ticket_transition(done, actor=engineer, to_status=TicketStatus.RESOLVED, comment="ok")
    closed = _create(customer, product, title="Login loop")
    services.ticket_transition(
        closed, actor=customer, to_status=TicketStatus.CANCELLED, comment="x"
    )

    def numbers(**params):
        html = as_customer.get(LIST, params).content.decode()
        return {t.number for t in (open_one, done, closed) if t.number in html}

    assert numbers() == {open_one.number, done.number, closed.number}
    assert numbers(status="open") == {open_one.number}
    assert numbers(status="resolved") == {done.number}
    assert numbers(status="closed") == {closed.number}
    assert numbers(status="all", q="printer") == {open_one.number}
    assert numbers(q=done.number) == {done.number}
    assert as_customer.get(LIST, {"status": "bogus"}).status_code == 200


def test_keyset_pagination_walks_older_and_newer(as_customer, org, monkeypatch):
    monkeypatch.setattr(portal, "PAGE_SIZE", 4)
    base = timezone.now()
    tickets = [
        f.TicketFactory(organization=org, created_at=base - dt.timedelta(minutes=i // 2))
        for i in range(10)
    ]  # pairs share created_at: the id breaks the tie
    expected = sorted(tickets, key=lambda t: (t.created_at, t.pk), reverse=True)

    def page(params):
        response = as_customer.get(LIST, params)
        rows = response.context["tickets"]
        return [t.pk for t in rows], response.context["newer_url"], response.context["older_url"]

    first, newer, older = page({})
    assert first == [t.pk for t in expected[:4]] and not newer and older
    second, newer2, older2 = page(dict(p.split("=") for p in older[1:].split("&")))
    assert second == [t.pk for t in expected[4:8]] and newer2 and older2
    third, newer3, older3 = page(dict(p.split("=") for p in older2[1:].split("&")))
    assert third == [t.pk for t in expected[8:]] and newer3 and not older3
    back, _, _ = page(dict(p.split("=") for p in newer3[1:].split("&")))
    assert back == second
    assert page({"after": "garbage"})[0] == first


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_is_constant(as_customer, org, product, version):
    for _ in range(3):
        f.TicketFactory(organization=org, product=product, product_version=version)
    few = _count_queries(as_customer, LIST)
    for _ in range(27):
        f.TicketFactory(organization=org, product=product, product_version=version)
    many = _count_queries(as_customer, LIST)
    assert few == many <= 8  # session, user, page, one IN-query per shown reference


# --------------------------------------------------------------------------- create


def test_create_form_lists_only_covered_products_and_severity_help(as_customer, customer, product):
    uncovered = f.ProductFactory(name="Payroll")
    f.ContractFactory(
        organization=customer.organization,
        products=[f.ProductFactory(name="Expired ERP")],
        starts_on=timezone.localdate() - dt.timedelta(days=400),
        ends_on=timezone.localdate() - dt.timedelta(days=35),
    )
    html = as_customer.get(NEW).content.decode()
    assert "Billing" in html
    assert uncovered.name not in html and "Expired ERP" not in html
    assert "no workaround" in html and 'type="datetime-local"' in html
    assert "multiple" in html and 'name="attachments"' in html


def test_create_stores_ticket_and_shows_number_and_due_times(
    as_customer, customer, product, version
):
    files = [SimpleUploadedFile("error.log", b"E42"), SimpleUploadedFile("shot.png", b"\x89PNG")]
    response = as_customer.post(NEW, _form(product, version, attachments=files))
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == _ticket_url(ticket)
    assert ticket.channel == Channel.PORTAL and ticket.organization == customer.organization
    assert ticket.requester == customer and ticket.product_version == version
    assert ticket.proposed_severity == "L3" and ticket.kind == TicketKind.FAULT
    assert ticket.occurred_at == dt.datetime(
        2026, 1, 5, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")
    )
    assert sorted(ticket.attachments.values_list("original_name", flat=True)) == [
        "error.log",
        "shot.png",
    ]
    html = as_customer.get(response["Location"]).content.decode()
    assert ticket.number in html
    assert timezone.localtime(ticket.response_due_at).strftime("%Y-%m-%d %H:%M") in html
    assert timezone.localtime(ticket.resolution_due_at).strftime("%Y-%m-%d %H:%M") in html
    assert "We will respond by" in html


def test_customer_cannot_sneak_server_set_fields(
    as_customer, customer, product, other_org, engineer, team
):
    data = _form(
        product,
        organization=other_org.pk,
        status=TicketStatus.CLOSED,
        assignee=engineer.pk,
        team=team.pk,
        severity="L1",
        severity_confirmed="on",
        channel=Channel.HOTLINE,
        resolution_due_at="2030-01-01T00:00",
        requester=engineer.pk,
    )
    assert as_customer.post(NEW, data).status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.organization == customer.organization
    assert ticket.status == TicketStatus.NEW
    assert ticket.assignee is None and ticket.team is None
    assert ticket.severity == "L3" and not ticket.severity_confirmed
    assert ticket.channel == Channel.PORTAL and ticket.requester == customer
    clock = ticket.clocks.get(kind="resolution")
    assert ticket.resolution_due_at == clock.due_at != dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert clock.target_minutes == 3 * 450  # L3: 3 business days of 7.5 hours


def _bad_inputs(product, other_version):
    return {
        "missing title": ({"title": ""}, "This field is required"),
        "product not covered": (
            {"product": f.ProductFactory().pk},
            "Select a valid choice",
        ),
        "version of another product": (
            {"product_version": other_version.pk},
            "This version belongs to another product",
        ),
        "forbidden file type": (
            {"attachments": [SimpleUploadedFile("run.exe", b"MZ")]},
            "are not accepted",
        ),
        "oversize file": (
            {"attachments": [SimpleUploadedFile("big.log", b"x" * 2048)]},
            "is larger than",
        ),
        "future time": ({"occurred_at": "2999-01-01T00:00"}, "in the future"),
        "fault without product": ({"product": ""}, "Choose the product"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing title",
        "product not covered",
        "version of another product",
        "forbidden file type",
        "oversize file",
        "future time",
        "fault without product",
    ],
)
def test_create_bad_input_rerenders_and_stores_nothing(
    as_customer, customer, product, settings, case
):
    settings.ATTACHMENT_MAX_BYTES = 1024
    second = f.ProductFactory(name="Payroll")
    f.ContractFactory(organization=customer.organization, products=[second])
    other_version = f.ProductVersionFactory(product=second)
    changes, message = _bad_inputs(product, other_version)[case]
    response = as_customer.post(NEW, _form(product, **changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "Please correct the errors below" in html
    assert 'value="Month-end invoices fail"' in html or case == "missing title"
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_consultation_needs_no_product(as_customer):
    data = {"kind": TicketKind.CONSULTATION, "title": "How to export?", "description": "?"}
    data["proposed_severity"] = "L4"
    assert as_customer.post(NEW, data).status_code == 302
    assert Ticket.objects.get().product is None


# --------------------------------------------------------------------------- ticket page


def test_ticket_page_shows_facts_and_public_conversation_only(as_customer, ticket, engineer, agent):
    services.ticket_assign(ticket, actor=agent, team=None, assignee=engineer)
    engineer.first_name, engineer.last_name = "Wang", "Fang"
    engineer.save()
    services.comment_add(ticket, actor=engineer, body="Please send the log file.")
    services.comment_add(
        ticket,
        actor=engineer,
        body="SECRET internal: customer database is misconfigured",
        is_internal=True,
        attachments=[SimpleUploadedFile("internal-dump.txt", b"secret")],
    )
    public_file = services.attachment_add(
        ticket, actor=engineer, upload=SimpleUploadedFile("guide.pdf", b"%PDF")
    )
    html = as_customer.get(_ticket_url(ticket)).content.decode()
    assert ticket.number in html and ticket.title in html
    assert "Please send the log file." in html
    assert "SECRET internal" not in html and "internal-dump.txt" not in html
    internal_file = Attachment.objects.get(original_name="internal-dump.txt")
    assert reverse("attachment-download", kwargs={"pk": internal_file.pk}) not in html
    assert "Wang Fang" in html and engineer.email not in html
    assert reverse("attachment-download", kwargs={"pk": public_file.pk}) in html
    assert "Cancel request" in html  # accepted tickets may still be cancelled
    assert "Confirm the fix" not in html


def test_ticket_page_shows_confirmed_severity_only_when_confirmed(as_customer, ticket, agent):
    html = as_customer.get(_ticket_url(ticket)).content.decode()
    assert "Proposed severity" in html and "Confirmed severity" not in html
    services.ticket_update(ticket, actor=agent, changes={"severity": "L1"})
    html = as_customer.get(_ticket_url(ticket)).content.decode()
    assert "Confirmed severity" in html and "L1 – system down" in html


def test_ticket_page_query_count_is_constant(as_customer, customer, ticket, engineer):
    def add(n):
        for i in range(n):
            author = engineer if i % 2 else customer
            services.comment_add(
                ticket,
                actor=author,
                body=f"message {i}",
                attachments=[SimpleUploadedFile(f"f{i}.txt", b"x")],
            )

    add(3)
    few = _count_queries(as_customer, _ticket_url(ticket))
    add(27)
    many = _count_queries(as_customer, _ticket_url(ticket))
    # session, user, ticket + its references, conversation, SLA clocks, the header's unread
    # badge, the on-site visits panel (maintenance, through tickets.panels)
    assert few == many <= 17


# --------------------------------------------------------------------------- reply


def test_reply_with_file(as_customer, ticket):
    response = as_customer.post(
        _ticket_url(ticket, "reply"),
        {"body": "Here is the log.", "attachments": [SimpleUploadedFile("app.log", b"trace")]},
    )
    assert response.status_code == 302
    comment = ticket.comments.get()
    assert comment.body == "Here is the log." and not comment.is_internal
    assert comment.attachments.get().original_name == "app.log"
    html = as_customer.get(_ticket_url(ticket)).content.decode()
    assert "Here is the log." in html and "app.log" in html


def test_reply_while_waiting_for_customer_resumes(as_customer, ticket, engineer):
    services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.WAITING_CUSTOMER, comment="Need logs"
    )
    html = as_customer.get(_ticket_url(ticket)).content.decode()
    assert "Your reply resumes work on this request." in html
    response = as_customer.post(
        _ticket_url(ticket, "reply"), {"body": "Logs attached"}, follow=True
    )
    assert "work resumes" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS


def test_empty_reply_or_bad_file_is_400(as_customer, ticket):
    assert as_customer.post(_ticket_url(ticket, "reply"), {"body": "  "}).status_code == 400
    response = as_customer.post(
        _ticket_url(ticket, "reply"),
        {"body": "x", "attachments": [SimpleUploadedFile("page.html", b"<script>")]},
    )
    assert response.status_code == 400 and "are not accepted" in response.content.decode()
    assert not ticket.comments.exists()


def test_reply_to_closed_ticket_is_refused(as_customer, ticket, customer):
    services.ticket_transition(
        ticket, actor=customer, to_status=TicketStatus.CANCELLED, comment="Not needed"
    )
    html = as_customer.get(_ticket_url(ticket)).content.decode()
    assert "Send reply" not in html and "submit a new request" in html
    response = as_customer.post(_ticket_url(ticket, "reply"), {"body": "One more thing"})
    assert response.status_code == 409
    assert not ticket.comments.filter(body="One more thing").exists()


# --------------------------------------------------------------------------- confirmation


def test_resolved_ticket_shows_confirmation_block(as_customer, resolved):
    html = as_customer.get(_ticket_url(resolved)).content.decode()
    assert "Patch 3.2.1 applied." in html
    assert "Confirm the fix" in html and "Not fixed — reopen" in html
    assert 'type="radio" name="rating"' in html
    assert "Cancel request" not in html


def test_confirm_with_rating_closes(as_customer, resolved):
    response = as_customer.post(
        _ticket_url(resolved, "confirm"), {"rating": "4", "comment": "Quick, thanks"}
    )
    assert response.status_code == 302
    resolved.refresh_from_db()
    assert resolved.status == TicketStatus.CLOSED
    assert resolved.rating == 4 and resolved.rating_comment == "Quick, thanks"
    html = as_customer.get(_ticket_url(resolved)).content.decode()
    assert "st-closed" in html and "4 / 5" in html and "Confirm the fix" not in html


@pytest.mark.parametrize("rating", ["0", "6", "", "five"])
def test_confirm_rating_out_of_range_is_an_error(as_customer, resolved, rating):
    response = as_customer.post(_ticket_url(resolved, "confirm"), {"rating": rating})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    resolved.refresh_from_db()
    assert resolved.status == TicketStatus.RESOLVED and resolved.rating is None


def test_confirm_of_unresolved_ticket_is_conflict(as_customer, ticket):
    response = as_customer.post(_ticket_url(ticket, "confirm"), {"rating": "5"})
    assert response.status_code == 409 and "cannot go from" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW and ticket.rating is None


def test_reopen_needs_reason_and_resumes_work(as_customer, resolved):
    response = as_customer.post(_ticket_url(resolved, "reopen"), {"reason": " "})
    assert response.status_code == 400
    resolved.refresh_from_db()
    assert resolved.status == TicketStatus.RESOLVED
    response = as_customer.post(
        _ticket_url(resolved, "reopen"), {"reason": "Still fails on page 2"}
    )
    assert response.status_code == 302
    resolved.refresh_from_db()
    assert resolved.status == TicketStatus.IN_PROGRESS and resolved.reopen_count == 1
    assert resolved.comments.filter(body="Still fails on page 2").exists()


# --------------------------------------------------------------------------- cancel


def test_cancel_new_request_with_reason(as_customer, ticket):
    url = _ticket_url(ticket, "cancel")
    assert as_customer.post(url, {"reason": "", "version": ticket.version}).status_code == 400
    response = as_customer.post(url, {"reason": "Solved it ourselves", "version": ticket.version})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED
    assert ticket.comments.filter(body="Solved it ourselves").exists()


def test_cancel_with_stale_version_is_conflict(as_customer, ticket, customer):
    stale = ticket.version
    services.comment_add(ticket, actor=customer, body="More details")
    response = as_customer.post(_ticket_url(ticket, "cancel"), {"reason": "x", "version": stale})
    assert response.status_code == 409 and "changed by someone else" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_cancel_in_progress_is_refused(as_customer, ticket, engineer):
    services.ticket_transition(ticket, actor=engineer, to_status=TicketStatus.IN_PROGRESS)
    html = as_customer.get(_ticket_url(ticket)).content.decode()
    assert "Cancel request" not in html
    response = as_customer.post(_ticket_url(ticket, "cancel"), {"reason": "x"})
    assert response.status_code == 403 and "You may not move" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS

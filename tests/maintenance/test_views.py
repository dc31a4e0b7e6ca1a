"""The staff pages of product maintenance: access per role, every form, the whole
lifecycle through the pages, keyset pages and constant query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from maintenance import services as wo
from maintenance.choices import WorkOrderKind
from maintenance.choices import WorkOrderStatus as S
from maintenance.models import (
    Deputy,
    FaultLogEntry,
    MaintenancePlan,
    PlanItem,
    WorkOrder,
    WorkOrderEvent,
)
from servicedesk.choices import Role
from tests import factories as f
from tests.maintenance.conftest import fault_ticket as _ticket
from tickets.choices import TicketKind, TicketStatus
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

LIST = reverse("maintenance:work-orders")
INBOX = reverse("maintenance:approvals")
FAULT_LOG = reverse("maintenance:fault-log")
CALENDAR = reverse("maintenance:calendar")
ACTIONS = ("submit", "approve", "reject", "start", "analyse", "fix", "test", "deliver")
ACTIONS += ("close", "cancel", "link")


def _url(order, action=""):
    name = f"maintenance:work-order-{action}" if action else "maintenance:work-order"
    return reverse(name, kwargs={"pk": order.pk})


def _login(client, user):
    client.force_login(user)
    return client


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def _reload(order):
    return WorkOrder.objects.get(pk=order.pk)


# --------------------------------------------------------------------------- access


def _get_urls(order):
    return [LIST, _url(order), INBOX, FAULT_LOG, CALENDAR, f"{FAULT_LOG}export.csv"]


def _post_urls(order, fault):
    return [
        *(_url(order, action) for action in ACTIONS),
        reverse("maintenance:draft-from-ticket", kwargs={"ticket_pk": fault.pk}),
    ]


def test_anonymous_is_sent_to_login_everywhere(client, drafted, fault):
    for url in [*_get_urls(drafted), reverse("maintenance:fault-log-xlsx")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
    for url in _post_urls(drafted, fault):
        response = client.post(url, {"version": drafted.version, "reason": "x"})
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
    assert WorkOrder.objects.count() == 1 and WorkOrderEvent.objects.count() == 1


def test_customer_gets_404_everywhere_and_learns_nothing(client, customer, drafted, fault):
    _login(client, customer)
    for url in [*_get_urls(drafted), reverse("maintenance:fault-log-xlsx")]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert drafted.number not in response.content.decode(), url
    for url in _post_urls(drafted, fault):
        data = {"version": drafted.version, "reason": "x", "number": fault.number}
        assert client.post(url, data).status_code == 404, url
    assert WorkOrder.objects.count() == 1 and _reload(drafted).status == S.DRAFT
    assert WorkOrderEvent.objects.count() == 1


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.TESTER, Role.MANAGER])
def test_every_staff_role_sees_list_page_fault_log_and_calendar(client, role, drafted):
    _login(client, f.UserFactory(role=role))
    for url in (LIST, _url(drafted), FAULT_LOG, CALENDAR):
        assert client.get(url).status_code == 200, url
    body = client.get(LIST).content.decode()
    assert drafted.number in body and 'href="/maintenance/fault-log/"' in body


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.TESTER])
def test_inbox_is_for_signers_only(client, role, submitted):
    _login(client, f.UserFactory(role=role))
    response = client.get(INBOX)
    assert response.status_code == 403
    assert submitted.number not in response.content.decode()
    assert 'id="nav-approvals"' not in client.get(LIST).content.decode()


def test_unknown_order_is_404(client, engineer):
    _login(client, engineer)
    assert client.get(reverse("maintenance:work-order", kwargs={"pk": 999999})).status_code == 404
    response = client.post(
        reverse("maintenance:work-order-start", kwargs={"pk": 999999}), {"version": 1}
    )
    assert response.status_code == 404


def test_pages_refuse_other_methods(client, engineer, drafted):
    _login(client, engineer)
    assert client.post(LIST).status_code == 405
    assert client.post(_url(drafted)).status_code == 405
    assert client.get(_url(drafted, "submit")).status_code == 405


# --------------------------------------------------------------------------- actions per role


def test_only_the_steps_the_user_may_take_are_shown(client, agent, tester, manager, submitted):
    _login(client, tester)
    body = client.get(_url(submitted)).content.decode()
    assert 'id="approve-form"' not in body and 'id="cancel-form"' not in body
    assert "There is nothing for you to do" in body
    _login(client, agent)  # the drafter: may not sign their own order
    body = client.get(_url(submitted)).content.decode()
    assert 'id="approve-form"' not in body and 'id="cancel-form"' in body
    _login(client, manager)
    body = client.get(_url(submitted)).content.decode()
    assert 'id="approve-form"' in body and 'id="reject-form"' in body
    assert 'id="analysis-form"' not in body


def test_wrong_roles_posting_steps_get_403_and_nothing_changes(
    client, agent, engineer, tester, submitted
):
    _login(client, engineer)
    response = client.post(_url(submitted, "approve"), {"version": submitted.version})
    assert response.status_code == 403
    assert "manager" in " ".join(_messages(response))
    order = wo.work_order_approve(submitted, actor=f.UserFactory(role=Role.MANAGER))
    _login(client, tester)
    assert client.post(_url(order, "start")).status_code == 403
    _login(client, agent)
    assert client.post(_url(order, "start")).status_code == 403
    assert _reload(order).status == S.APPROVED


def test_a_step_that_does_not_fit_the_status_is_409(client, engineer, drafted):
    _login(client, engineer)
    response = client.post(_url(drafted, "start"))
    assert response.status_code == 409
    assert "cannot go from" in " ".join(_messages(response))
    assert _reload(drafted).status == S.DRAFT


def test_stale_version_is_409_and_says_someone_else_changed_it(
    client, manager, customer, product, submitted
):
    old_version = submitted.version
    wo.work_order_link_ticket(
        submitted, actor=submitted.drafted_by, ticket=_ticket(customer, product, "Another one")
    )
    _login(client, manager)
    response = client.post(_url(submitted, "approve"), {"version": old_version})
    assert response.status_code == 409
    assert "changed by someone else" in " ".join(_messages(response))
    assert _reload(submitted).status == S.SUBMITTED


# --------------------------------------------------------------------------- lifecycle


def test_whole_lifecycle_through_the_pages(
    client, agent, manager, engineer, tester, customer, product, version, fault
):
    # The agent drafts from the ticket page and submits.
    _login(client, agent)
    ticket_page = client.get(reverse("staff:ticket", kwargs={"pk": fault.pk})).content.decode()
    assert 'id="work-orders"' in ticket_page and "Draft work order" in ticket_page
    response = client.post(reverse("maintenance:draft-from-ticket", kwargs={"ticket_pk": fault.pk}))
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response.url == _url(order)
    assert order.kind == WorkOrderKind.CORRECTIVE and order.title == fault.title
    assert list(order.tickets.all()) == [fault]
    ticket_page = client.get(reverse("staff:ticket", kwargs={"pk": fault.pk})).content.decode()
    assert order.number in ticket_page
    response = client.post(_url(order, "submit"), {"version": order.version}, follow=True)
    assert "Submitted for sign-off." in _messages(response)

    # The manager signs it off in the inbox.
    _login(client, manager)
    body = client.get(INBOX).content.decode()
    assert order.number in body and fault.number in body
    order = _reload(order)
    response = client.post(
        _url(order, "approve"),
        {"from": "inbox", f"a{order.pk}-version": order.version, f"a{order.pk}-comment": "Go."},
    )
    assert response.status_code == 302 and response.url == INBOX
    order = _reload(order)
    assert order.status == S.APPROVED and order.approved_by == manager

    # The engineer analyses (the report is sanitized), fixes.
    _login(client, engineer)
    client.post(_url(order, "start"))
    order = _reload(order)
    assert order.status == S.ANALYSIS and order.assignee == engineer
    body = client.get(_url(order)).content.decode()
    assert 'id="analysis-form"' in body and version.version in body
    response = client.post(
        _url(order, "analyse"),
        {
            "version": order.version,
            "root_cause": "code_defect",
            "cause": "Page break computed before the footer.",
            "confirmed_severity": "L2",
            "affected_versions": [version.pk],
            "software_change": "yes",
            "report": "<p>See <strong>trace</strong></p><script>alert(1)</script>",
        },
    )
    assert response.status_code == 302
    order = _reload(order)
    assert order.status == S.FIXING
    body = client.get(_url(order)).content.decode()
    assert "<strong>trace</strong>" in body and "<script>alert(1)" not in body
    assert FaultLogEntry.objects.filter(work_order=order).exists()
    client.post(
        _url(order, "fix"),
        {
            "version": order.version,
            "change": "Footer first.",
            "manual_updated": "on",
            "manual_section": "4.2 Printing",
        },
    )
    order = _reload(order)
    assert order.status == S.TESTING and order.manual_section == "4.2 Printing"
    assert 'id="test-form"' not in client.get(_url(order)).content.decode()  # own fix

    # The tester fails it once (notes required), then passes it.
    _login(client, tester)
    response = client.post(_url(order, "test"), {"version": order.version, "result": "failed"})
    assert response.status_code == 400 and _reload(order).status == S.TESTING
    response = client.post(
        _url(order, "test"), {"version": order.version, "result": "failed", "notes": "Page 3."}
    )
    order = _reload(order)
    assert order.status == S.FIXING
    _login(client, engineer)
    client.post(_url(order, "fix"), {"version": order.version, "change": "All pages."})
    _login(client, tester)
    order = _reload(order)
    client.post(_url(order, "test"), {"version": order.version, "result": "passed"})
    order = _reload(order)
    assert order.status == S.TESTING and order.test_result == "passed"

    # The engineer delivers with a version; the ticket is resolved with the note.
    _login(client, engineer)
    response = client.post(_url(order, "deliver"), {"version": order.version, "note": "Fixed."})
    assert response.status_code == 400  # a software change needs the version
    assert "Name the release" in response.content.decode()
    response = client.post(
        _url(order, "deliver"),
        {"version": order.version, "release": version.pk, "note": "Please upgrade."},
    )
    assert response.status_code == 302
    order = _reload(order)
    assert order.status == S.DELIVERED and order.delivered_version == version
    fault.refresh_from_db()
    assert fault.status == TicketStatus.RESOLVED
    reply = fault.comments.get(is_internal=False, author=engineer)
    assert "Please upgrade." in reply.body and version.version in reply.body
    client.post(_url(order, "close"))
    assert _reload(order).status == S.DONE

    # The audit trail names who did what.
    body = client.get(_url(order)).content.decode()
    for text in ("Drafted", "Signed off", "Analysis recorded", "Fix recorded", "Delivered"):
        assert text in body
    assert str(manager) in body and str(tester) in body and "Go." in body


def test_no_software_change_delivers_from_analysis(client, manager, engineer, submitted, fault):
    order = wo.work_order_start_analysis(
        wo.work_order_approve(submitted, actor=manager), actor=engineer
    )
    _login(client, engineer)
    response = client.post(
        _url(order, "analyse"),
        {
            "version": order.version,
            "root_cause": "configuration",
            "cause": "Printer driver.",
            "confirmed_severity": "L3",
            "software_change": "no",
        },
        follow=True,
    )
    assert "no software change" in " ".join(_messages(response))
    order = _reload(order)
    assert 'id="deliver-form"' in response.content.decode()
    client.post(_url(order, "deliver"), {"version": order.version, "note": "Use the PCL driver."})
    fault.refresh_from_db()
    assert _reload(order).status == S.DELIVERED and fault.status == TicketStatus.RESOLVED


def test_analysis_errors_re_render_the_page_with_400(client, manager, engineer, submitted):
    order = wo.work_order_start_analysis(
        wo.work_order_approve(submitted, actor=manager), actor=engineer
    )
    _login(client, engineer)
    response = client.post(
        _url(order, "analyse"),
        {"version": order.version, "root_cause": "code_defect", "cause": " ",
         "confirmed_severity": "L2", "software_change": "yes"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["analysis_form"].errors
    order = _reload(order)
    assert order.status == S.ANALYSIS and order.analysed_at is None
    assert not FaultLogEntry.objects.exists()


def test_reject_needs_a_reason_then_returns_the_order_to_draft(client, manager, submitted):
    _login(client, manager)
    response = client.post(_url(submitted, "reject"), {"version": submitted.version})
    assert response.status_code == 400 and _reload(submitted).status == S.SUBMITTED
    response = client.post(
        _url(submitted, "reject"), {"version": submitted.version, "reason": "Add the log."}
    )
    assert response.status_code == 302
    order = _reload(submitted)
    assert order.status == S.DRAFT and order.rejection_reason == "Add the log."
    assert "Add the log." in client.get(_url(order)).content.decode()


def test_link_another_ticket_by_number(client, agent, customer, product, drafted):
    other = _ticket(customer, product, "Blank page too")
    _login(client, agent)
    response = client.post(_url(drafted, "link"), {"number": "SD-0000-999999"})
    assert response.status_code == 400
    assert "No ticket has the number" in response.content.decode()
    response = client.post(_url(drafted, "link"), {"number": other.number.lower()}, follow=True)
    assert f"Ticket {other.number} linked." in _messages(response)
    assert set(drafted.tickets.all()) >= {other}
    assert reverse("staff:ticket", kwargs={"pk": other.pk}) in response.content.decode()


def test_cancel_needs_a_reason(client, agent, drafted):
    _login(client, agent)
    response = client.post(_url(drafted, "cancel"), {"reason": ""})
    assert response.status_code == 400 and response.context["open_form"] == "cancel_form"
    client.post(_url(drafted, "cancel"), {"reason": "Duplicate."})
    order = _reload(drafted)
    assert order.status == S.CANCELLED and order.cancel_reason == "Duplicate."


def test_tester_may_not_draft_from_a_ticket(client, tester, fault):
    _login(client, tester)
    body = client.get(reverse("staff:ticket", kwargs={"pk": fault.pk})).content.decode()
    assert 'id="work-orders"' in body and "Draft work order" not in body
    url = reverse("maintenance:draft-from-ticket", kwargs={"ticket_pk": fault.pk})
    assert client.post(url).status_code == 403
    assert (
        client.post(
            reverse("maintenance:draft-from-ticket", kwargs={"ticket_pk": 99999})
        ).status_code
        == 404
    )
    assert not WorkOrder.objects.exists()


def test_a_customization_ticket_drafts_a_perfective_order(client, agent, customer, product):
    ticket = _ticket(customer, product, "Subtotals in the export", kind=TicketKind.CUSTOMIZATION)
    _login(client, agent)
    client.post(reverse("maintenance:draft-from-ticket", kwargs={"ticket_pk": ticket.pk}))
    assert WorkOrder.objects.get().kind == WorkOrderKind.PERFECTIVE


# --------------------------------------------------------------------------- the list


def _order(n=0, **kw):
    data = {
        "number": f"WO-T-{WorkOrder.objects.count() + 1:06d}-{n}",
        "kind": WorkOrderKind.CORRECTIVE,
        "title": f"Order {n}",
    }
    data.update(kw)
    return WorkOrder.objects.create(**data)


def test_list_filters(client, agent, engineer, product, team, drafted):
    other = _order(1, title="Slow login", kind=WorkOrderKind.PERFECTIVE, status=S.FIXING,
                   product=f.ProductFactory(), team=team, assignee=engineer)  # fmt: skip
    _login(client, agent)

    def numbers(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200
        return {o.number for o in response.context["orders"]}

    assert numbers() == {drafted.number, other.number}
    assert numbers(status="fixing") == {other.number}
    assert numbers(kind="corrective") == {drafted.number}
    assert numbers(product=product.pk) == {drafted.number}
    assert numbers(team=team.pk) == {other.number}
    assert numbers(assignee_username=engineer.username) == {other.number}
    assert numbers(q="slow") == {other.number}
    assert numbers(q=drafted.number.lower()) == {drafted.number}
    # Unknown values are ignored (and shown at the field), never a 500.
    response = client.get(LIST, {"status": "bogus", "product": "x", "assignee_username": "nobody"})
    assert response.status_code == 200 and len(response.context["orders"]) == 2
    assert response.context["form"].errors


def test_list_keyset_pages_cover_everything_once(client, agent):
    now = timezone.now()
    for n in range(120):  # some share a creation time: the id breaks ties
        _order(n, created_at=now - dt.timedelta(minutes=n // 3))
    _login(client, agent)
    seen, url, pages = [], LIST, 0
    while url:
        response = client.get(url if url.startswith("/") else LIST + url)
        seen += [o.pk for o in response.context["orders"]]
        url, pages = response.context["next_url"], pages + 1
    assert pages == 3 and len(seen) == 120 and len(set(seen)) == 120
    expected = list(WorkOrder.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    assert seen == expected
    for garbage in ("garbage!", "W10", "WyJ4Il0", "WzEsMl0"):
        assert len(client.get(LIST, {"after": garbage}).context["orders"]) == 50


def test_list_runs_no_count_and_constant_queries(client, agent):
    _login(client, agent)

    def load():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST)
        assert response.status_code == 200
        # the list counts nothing; the header's badges are bounded counts (servicedesk.badges)
        sqls = [q["sql"].upper() for q in ctx.captured_queries if "badge_" not in q["sql"]]
        assert not any("COUNT(" in sql for sql in sqls)
        return len(ctx.captured_queries), len(response.context["orders"])

    def orders(count):
        for n in range(count):
            _order(n, product=f.ProductFactory(), team=f.TeamFactory(),
                   assignee=f.UserFactory(role=Role.ENGINEER))  # fmt: skip

    orders(3)
    few, rows = load()
    assert rows == 3
    orders(27)
    many, rows = load()
    assert rows == 30 and many == few


# --------------------------------------------------------------------------- approvals inbox


def test_inbox_oldest_first_not_own_drafts_with_sla_deadline(
    client, agent, manager, customer, product
):
    now = timezone.now()
    late = _ticket(customer, product, "Late one")
    Ticket.objects.filter(pk=late.pk).update(sla_due_at=now - dt.timedelta(hours=2))
    soon = _ticket(customer, product, "Soon one")
    Ticket.objects.filter(pk=soon.pk).update(sla_due_at=now + dt.timedelta(hours=3))
    newer = wo.work_order_submit(
        wo.work_order_draft(actor=agent, kind="corrective", title="Newer", tickets=[soon]),
        actor=agent,
    )
    older = wo.work_order_submit(
        wo.work_order_draft(actor=agent, kind="corrective", title="Older", tickets=[late]),
        actor=agent,
    )
    WorkOrder.objects.filter(pk=older.pk).update(submitted_at=now - dt.timedelta(days=1))
    own = wo.work_order_submit(
        wo.work_order_draft(actor=manager, kind="corrective", title="Mine"), actor=manager
    )
    _login(client, manager)
    response = client.get(INBOX)
    orders = response.context["orders"]
    assert [o.pk for o in orders] == [older.pk, newer.pk]
    assert orders[0].overdue and not orders[1].overdue
    body = response.content.decode()
    assert own.number not in body and "overdue" in body and late.number in body
    nav = client.get(LIST).content.decode()
    assert 'id="nav-approvals"' in nav and 'class="count-badge"' in nav


def test_inbox_a_paused_clock_is_neither_due_nor_overdue(client, agent, manager, customer, product):
    now = timezone.now()
    waiting = _ticket(customer, product, "Waiting for the customer's log files")
    # paused: no running deadline; the resolution deadline it had before lies in the past
    Ticket.objects.filter(pk=waiting.pk).update(
        status="waiting_customer", sla_due_at=None, resolution_due_at=now - dt.timedelta(hours=5)
    )
    order = wo.work_order_submit(
        wo.work_order_draft(actor=agent, kind="corrective", title="Paused", tickets=[waiting]),
        actor=agent,
    )
    _login(client, manager)
    response = client.get(INBOX)
    [card] = response.context["orders"]
    assert card.pk == order.pk and not card.overdue and card.deadline is None
    body = response.content.decode()
    assert "overdue-badge" not in body
    assert "paused while we wait for the customer" in body


def test_a_current_deputy_sees_the_inbox(client, agent, manager, engineer, submitted):
    today = timezone.localdate()
    Deputy.objects.create(
        manager=manager, deputy=engineer, starts_on=today, ends_on=today + dt.timedelta(days=3)
    )
    _login(client, engineer)
    response = client.get(INBOX)
    assert response.status_code == 200 and submitted.number in response.content.decode()
    client.post(
        _url(submitted, "approve"),
        {"from": "inbox", f"a{submitted.pk}-version": submitted.version},
    )
    order = _reload(submitted)
    assert order.approved_by == engineer and order.approved_for == manager
    assert f"for {manager}" in client.get(_url(order)).content.decode()


def test_inbox_reject_needs_a_reason_and_a_decided_order_is_409(client, manager, submitted):
    _login(client, manager)
    prefix = f"r{submitted.pk}"
    response = client.post(
        _url(submitted, "reject"), {"from": "inbox", f"{prefix}-version": submitted.version}
    )
    assert response.status_code == 400
    assert "Say why the work order is rejected." in response.content.decode()
    assert response.templates[0].name == "maintenance/approvals.html"
    version = submitted.version
    wo.work_order_approve(submitted, actor=f.UserFactory(role=Role.MANAGER))  # someone else
    response = client.post(
        _url(submitted, "approve"), {"from": "inbox", f"a{submitted.pk}-version": version}
    )
    assert response.status_code == 409
    assert "someone else" in response.content.decode()
    assert submitted.number not in [o.number for o in response.context["orders"]]
    assert _reload(submitted).events.filter(kind="approved").count() == 1


def test_inbox_constant_queries(client, agent, manager, customer, product):
    def orders(count):
        for n in range(count):
            ticket = f.TicketFactory(organization=f.OrganizationFactory(), product=product)
            order = wo.work_order_draft(
                actor=agent, kind="corrective", title=f"Order {n}", tickets=[ticket],
                product=f.ProductFactory(),
            )  # fmt: skip
            wo.work_order_submit(order, actor=agent)

    _login(client, manager)

    def load():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(INBOX)
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["orders"])

    orders(3)
    few, rows = load()
    assert rows == 3
    orders(27)
    many, rows = load()
    assert rows == 25 and many == few  # a page of the 25 oldest, then a link to all of them
    body = client.get(INBOX).content.decode()
    assert "Showing the oldest 25" in body and "?status=submitted" in body
    assert 'name="a' in body and 'id="id_r' in body  # plain fields, prefixed per order


# --------------------------------------------------------------------------- fault log


@pytest.fixture
def logged(agent, manager, engineer, customer, product, version):
    """Two analysed faults: one code defect (L2) with a formula-looking title, one data issue."""
    orders = []
    for title, cause, severity in (
        ("=HYPERLINK(evil) blank page", "code_defect", "L2"),
        ("Wrong totals", "data", "L4"),
    ):
        ticket = _ticket(customer, product, title)
        order = wo.work_order_draft(actor=agent, kind="corrective", title=title, tickets=[ticket])
        order = wo.work_order_approve(wo.work_order_submit(order, actor=agent), actor=manager)
        order = wo.work_order_start_analysis(order, actor=engineer)
        orders.append(
            wo.work_order_analyse(
                order, actor=engineer, root_cause=cause, cause="x", confirmed_severity=severity,
                software_change=False, affected_versions=[version],
            )
        )  # fmt: skip
    FaultLogEntry.objects.filter(work_order=orders[1]).update(
        recorded_on=timezone.localdate() - dt.timedelta(days=40)
    )
    return orders


def test_fault_log_filters_and_rows(client, tester, logged, product):
    _login(client, tester)

    def summaries(**params):
        response = client.get(FAULT_LOG, params)
        assert response.status_code == 200
        return [e.summary for e in response.context["entries"]]

    assert summaries() == ["=HYPERLINK(evil) blank page", "Wrong totals"]
    assert summaries(severity="L4") == ["Wrong totals"]
    assert summaries(cause="code_defect") == ["=HYPERLINK(evil) blank page"]
    assert summaries(product=f.ProductFactory().pk) == []
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert summaries(date_from=since) == ["=HYPERLINK(evil) blank page"]
    assert summaries(date_to=since) == ["Wrong totals"]
    body = client.get(FAULT_LOG, {"severity": "L2"}).content.decode()
    assert logged[0].number in body and "export.csv?severity=L2" in body


def test_fault_log_exports_csv_and_xlsx_with_the_filters(client, engineer, logged):
    _login(client, engineer)
    response = client.get(reverse("maintenance:fault-log-csv"), {"cause": "code_defect"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Date", "Product", "Severity"]  # the API export's columns
    assert len(rows) == 2 and rows[1][-1] == logged[0].number
    assert rows[1][4] == "'=HYPERLINK(evil) blank page"  # never run as a formula
    response = client.get(reverse("maintenance:fault-log-xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert len(values) == 3 and values[2][4] == "Wrong totals" and values[1][5] == "3.2"


# --------------------------------------------------------------------------- calendar


def test_calendar_shows_overdue_and_upcoming_inspections_per_team_and_customer(
    client, agent, contract, org, team
):
    plan = MaintenancePlan.objects.create(
        contract=contract, title="2026 care plan", starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=365), team=team, status="approved",
    )  # fmt: skip
    item = PlanItem.objects.create(plan=plan, title="Quarterly health check", recurrence="monthly")
    today = timezone.localdate()

    def inspection(days, status=S.APPROVED):
        return _order(
            days, kind=WorkOrderKind.PREVENTIVE, status=status, plan_item=item, team=team,
            occurrence=today + dt.timedelta(days=days), title=f"Inspection {days}",
        )  # fmt: skip

    late, soon, later = inspection(-5), inspection(10), inspection(59)
    done, far = inspection(-20, S.DONE), inspection(90)
    _login(client, agent)
    response = client.get(CALENDAR)
    assert response.status_code == 200
    assert [o.pk for o in response.context["overdue"]] == [late.pk]
    assert [o.pk for o in response.context["upcoming"]] == [soon.pk, later.pk]
    body = response.content.decode()
    assert f"{team.name} · {org.name}" in body and "5 days late" in body
    assert done.number not in body and far.number not in body

"""Work orders through their services: sign-off, analysis and fault log, fix, test, delivery."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from maintenance import services as wo
from maintenance.choices import WorkOrderStatus as S
from maintenance.models import Deputy, FaultLogEntry, WorkOrder
from servicedesk.choices import Role
from servicedesk.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from tests import factories as f
from tests.tickets.test_concurrency import _run_in_threads
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def fault(customer, product):
    return services.ticket_create(
        actor=customer,
        title="Invoices print blank",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
        description="Since the update, page 2 is blank.",
        impact="Month-end closing blocked.",
        proposed_severity="L2",
    )


def _approved(order, manager):
    order = wo.work_order_submit(order, actor=order.drafted_by)
    return wo.work_order_approve(order, actor=manager, comment="Go ahead.")


def test_drafting_from_a_ticket_copies_its_facts_and_links_it(drafted, fault):
    assert drafted.number.startswith("WO-") and drafted.status == S.DRAFT
    assert list(drafted.tickets.all()) == [fault]
    assert "Since the update" in drafted.description and fault.number in drafted.description
    assert drafted.product == fault.product and drafted.severity == "L2"
    assert list(fault.work_orders.all()) == [drafted]
    assert drafted.events.get().kind == "drafted"


def test_customers_and_unknown_roles_cannot_draft_or_see(customer, fault, drafted):
    with pytest.raises(NotFound):
        wo.work_order_draft(actor=customer, kind="corrective", title="x", tickets=[fault])
    with pytest.raises(NotFound):
        wo.work_order_submit(drafted, actor=customer)


def test_sign_off_needs_a_manager_who_did_not_draft_it(drafted, agent, manager, engineer):
    order = wo.work_order_submit(drafted, actor=agent)
    with pytest.raises(NotAllowed):
        wo.work_order_approve(order, actor=engineer)
    own = wo.work_order_draft(actor=manager, kind="corrective", title="Mine")
    own = wo.work_order_submit(own, actor=manager)
    with pytest.raises(NotAllowed) as err:
        wo.work_order_approve(own, actor=manager)
    assert err.value.code == "own_work_order"
    order = wo.work_order_approve(order, actor=manager, comment="OK")
    assert order.status == S.APPROVED and order.approved_by == manager
    assert order.approved_for is None and order.approved_at is not None
    event = order.events.get(kind="approved")
    assert event.actor == manager and event.data["comment"] == "OK"


def test_approving_twice_is_a_409(drafted, agent, manager):
    order = wo.work_order_submit(drafted, actor=agent)
    wo.work_order_approve(order, actor=manager)
    with pytest.raises((Conflict, InvalidTransition)):
        wo.work_order_approve(order, actor=manager)
    assert WorkOrder.objects.get(pk=order.pk).events.filter(kind="approved").count() == 1


def test_rejecting_returns_it_to_draft_with_the_reason(drafted, agent, manager):
    order = wo.work_order_submit(drafted, actor=agent)
    with pytest.raises(ValidationFailed):
        wo.work_order_reject(order, actor=manager, reason=" ")
    order = wo.work_order_reject(order, actor=manager, reason="Add the log excerpt.")
    assert order.status == S.DRAFT and order.rejection_reason == "Add the log excerpt."
    order = wo.work_order_submit(order, actor=agent)
    assert order.status == S.SUBMITTED and order.rejection_reason == ""


def test_a_deputy_signs_for_the_manager_within_the_dates(drafted, agent, manager, engineer):
    today = timezone.localdate()
    Deputy.objects.create(
        manager=manager,
        deputy=engineer,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )
    order = wo.work_order_approve(wo.work_order_submit(drafted, actor=agent), actor=engineer)
    assert order.approved_by == engineer and order.approved_for == manager
    assert order.events.get(kind="approved").data["signed_for"] == manager.username


def test_an_expired_deputy_cannot_sign(drafted, agent, manager, engineer):
    today = timezone.localdate()
    Deputy.objects.create(
        manager=manager,
        deputy=engineer,
        starts_on=today - dt.timedelta(days=9),
        ends_on=today - dt.timedelta(days=2),
    )
    with pytest.raises(NotAllowed):
        wo.work_order_approve(wo.work_order_submit(drafted, actor=agent), actor=engineer)


def test_illegal_steps_are_409_naming_the_allowed_ones(drafted, engineer):
    with pytest.raises(InvalidTransition) as err:
        wo.work_order_start_analysis(drafted, actor=engineer)
    assert err.value.extra["allowed"] == ["cancelled", "submitted"]


def test_analysis_writes_the_fault_log_and_the_fix_is_tested_by_someone_else(
    drafted, manager, engineer, tester, product, version, fault
):
    order = wo.work_order_start_analysis(_approved(drafted, manager), actor=engineer)
    with pytest.raises(ValidationFailed) as err:
        wo.work_order_analyse(
            order,
            actor=engineer,
            root_cause="gremlins",
            cause="",
            confirmed_severity="L9",
            software_change=True,
        )
    assert {"root_cause", "cause", "confirmed_severity"} <= set(err.value.fields)
    order = wo.work_order_analyse(
        order,
        actor=engineer,
        root_cause="code_defect",
        cause="Page break computed before the footer.",
        confirmed_severity="L2",
        software_change=True,
        affected_versions=[version],
        report="<p>See <strong>trace</strong></p><script>alert(1)</script>",
    )
    assert order.status == S.FIXING
    assert (
        "<script>" not in order.analysis_report
        and "<strong>trace</strong>" in order.analysis_report
    )
    entry = FaultLogEntry.objects.get(work_order=order)
    assert entry.product == product and entry.severity == "L2" and entry.cause == "code_defect"
    assert list(entry.affected_versions.all()) == [version] and list(entry.tickets.all()) == [fault]

    order = wo.work_order_record_fix(
        order, actor=engineer, change="Footer first.", manual_updated=True, manual_section="4.2"
    )
    assert order.status == S.TESTING
    with pytest.raises(NotAllowed):  # an engineer is no tester
        wo.work_order_record_test(order, actor=engineer, passed=True)
    with pytest.raises(NotAllowed):
        wo.work_order_record_test(order, actor=f.UserFactory(role=Role.AGENT), passed=True)
    order = wo.work_order_record_test(order, actor=tester, passed=False, notes="Page 3 blank.")
    assert order.status == S.FIXING
    order = wo.work_order_record_fix(order, actor=engineer, change="Footer first, all pages.")
    order = wo.work_order_record_test(order, actor=tester, passed=True)
    assert order.status == S.TESTING and order.test_result == "passed"


def test_delivery_replies_to_and_resolves_every_linked_ticket(
    drafted, manager, engineer, tester, product, version, customer, fault
):
    second = services.ticket_create(
        actor=customer,
        title="Blank page too",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
    )
    order = wo.work_order_link_ticket(drafted, actor=drafted.drafted_by, ticket=second)
    order = wo.work_order_start_analysis(_approved(order, manager), actor=engineer)
    order = wo.work_order_analyse(
        order,
        actor=engineer,
        root_cause="code_defect",
        cause="Footer.",
        confirmed_severity="L2",
        software_change=True,
    )
    order = wo.work_order_record_fix(order, actor=engineer, change="Footer first.")
    with pytest.raises(Conflict):
        wo.work_order_deliver(order, actor=engineer, note="Fixed.", version=version)
    order = wo.work_order_record_test(order, actor=tester, passed=True)
    with pytest.raises(ValidationFailed) as err:
        wo.work_order_deliver(order, actor=engineer, note="Fixed.")
    assert "version" in err.value.fields
    other_version = f.ProductVersionFactory(product=f.ProductFactory())
    with pytest.raises(ValidationFailed):
        wo.work_order_deliver(order, actor=engineer, note="Fixed.", version=other_version)
    order = wo.work_order_deliver(order, actor=engineer, note="Upgrade please.", version=version)
    assert order.status == S.DELIVERED and order.delivered_version == version
    for ticket in (fault, second):
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.RESOLVED
        reply = ticket.comments.get(is_internal=False, author=engineer)
        assert "Upgrade please." in reply.body and version.version in reply.body
    assert FaultLogEntry.objects.get(work_order=order).fixed_version == version
    assert wo.work_order_close(order, actor=engineer).status == S.DONE


def test_no_software_change_goes_from_analysis_to_delivered(drafted, manager, engineer, fault):
    order = wo.work_order_start_analysis(_approved(drafted, manager), actor=engineer)
    with pytest.raises(Conflict):
        wo.work_order_deliver(order, actor=engineer, note="Workaround.")
    order = wo.work_order_analyse(
        order,
        actor=engineer,
        root_cause="configuration",
        cause="Printer driver.",
        confirmed_severity="L3",
        software_change=False,
    )
    assert order.status == S.ANALYSIS
    order = wo.work_order_deliver(order, actor=engineer, note="Use the PCL driver.")
    fault.refresh_from_db()
    assert order.status == S.DELIVERED and fault.status == TicketStatus.RESOLVED


def test_nobody_tests_their_own_fix(drafted, manager, engineer):
    lead = f.UserFactory(role=Role.MANAGER)
    order = wo.work_order_start_analysis(_approved(drafted, manager), actor=engineer)
    order = wo.work_order_analyse(
        order,
        actor=engineer,
        root_cause="code_defect",
        cause="Off by one.",
        confirmed_severity="L3",
        software_change=True,
    )
    order = wo.work_order_record_fix(order, actor=lead, change="Fixed the loop.")
    with pytest.raises(Conflict) as err:
        wo.work_order_record_test(order, actor=lead, passed=True)
    assert err.value.code == "own_fix"


def test_cancel_needs_a_reason_and_only_open_orders(drafted, agent):
    with pytest.raises(ValidationFailed):
        wo.work_order_cancel(drafted, actor=agent, reason="")
    order = wo.work_order_cancel(drafted, actor=agent, reason="Duplicate of WO-1.")
    assert order.status == S.CANCELLED
    with pytest.raises(InvalidTransition):
        wo.work_order_cancel(order, actor=agent, reason="again")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
def test_two_managers_approving_at_once_give_exactly_one_approval(agent, fault):
    managers = [f.UserFactory(role=Role.MANAGER) for _ in range(4)]
    order = wo.work_order_submit(
        wo.work_order_draft(actor=agent, kind="corrective", title="Race", tickets=[fault]),
        actor=agent,
    )
    outcomes: list[str] = []

    def approve(i: int) -> None:
        try:
            wo.work_order_approve(WorkOrder.objects.get(pk=order.pk), actor=managers[i])
            outcomes.append("ok")
        except (Conflict, InvalidTransition):
            outcomes.append("409")

    assert _run_in_threads(approve, 4) == []
    assert sorted(outcomes) == ["409", "409", "409", "ok"]
    order.refresh_from_db()
    assert order.status == S.APPROVED
    assert order.events.filter(kind="approved").count() == 1


def test_a_fix_cannot_be_delivered_in_a_version_older_than_the_affected_one(
    drafted, manager, engineer, tester, product
):
    old = f.ProductVersionFactory(product=product, version="5.4", released_on=None)
    affected = f.ProductVersionFactory(product=product, version="5.5", released_on=None)
    later = f.ProductVersionFactory(product=product, version="5.10", released_on=None)
    order = wo.work_order_start_analysis(_approved(drafted, manager), actor=engineer)
    order = wo.work_order_analyse(
        order,
        actor=engineer,
        root_cause="code_defect",
        cause="Footer.",
        confirmed_severity="L2",
        software_change=True,
        affected_versions=[affected],
    )
    order = wo.work_order_record_fix(order, actor=engineer, change="Footer first.")
    order = wo.work_order_record_test(order, actor=tester, passed=True)
    with pytest.raises(ValidationFailed) as err:
        wo.work_order_deliver(order, actor=engineer, note="Fixed.", version=old)
    assert "5.4" in err.value.fields["version"][0] and "5.5" in err.value.fields["version"][0]
    assert WorkOrder.objects.get(pk=order.pk).status == S.TESTING  # nothing written
    order = wo.work_order_deliver(order, actor=engineer, note="Fixed.", version=later)
    assert order.delivered_version == later  # 5.10 comes after 5.5


def test_versions_order_by_release_date_then_by_number(product):
    day = dt.date(2026, 1, 1)
    a = f.ProductVersionFactory(product=product, version="6.0", released_on=day)
    b = f.ProductVersionFactory(product=product, version="5.9", released_on=day + dt.timedelta(1))
    assert a.precedes(b) and not b.precedes(a)  # the dates decide when both are known
    c = f.ProductVersionFactory(product=product, version="5.9.1", released_on=None)
    assert b.precedes(c) and not c.precedes(b)


def test_a_fix_delivered_in_a_published_version_tells_the_customers_running_the_fault(
    drafted,
    manager,
    engineer,
    tester,
    product,
    contract,
    customer,
    django_capture_on_commit_callbacks,
):
    """The patch notice of releases (docs/PORTAL.md): the fix is already downloadable, so
    delivering it tells each contact of an organization on an affected version, once."""
    from releases.models import Installation
    from servicedesk.models import OutboxMessage

    today = timezone.localdate()
    affected = f.ProductVersionFactory(product=product, version="5.5", released_on=today)
    fix = f.ProductVersionFactory(product=product, version="5.6", released_on=today)
    Installation.objects.create(contract=contract, product=product, version=affected)
    order = wo.work_order_start_analysis(_approved(drafted, manager), actor=engineer)
    order = wo.work_order_analyse(
        order,
        actor=engineer,
        root_cause="code_defect",
        cause="Footer.",
        confirmed_severity="L2",
        software_change=True,
        affected_versions=[affected],
    )
    order = wo.work_order_record_fix(order, actor=engineer, change="Footer first.")
    order = wo.work_order_record_test(order, actor=tester, passed=True)
    with django_capture_on_commit_callbacks(execute=True):
        wo.work_order_deliver(order, actor=engineer, note="Fixed.", version=fix)
    notices = OutboxMessage.objects.filter(topic="release.patch_published")
    assert list(notices.values_list("recipient", flat=True)) == [customer.email]

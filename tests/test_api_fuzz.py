"""The API against its own OpenAPI schema, fuzzed with schemathesis (marked ``fuzz``).

Every operation of ``/api/schema/`` gets a few generated requests (schema examples, the
coverage phase's boundary and negative cases, random fuzzing) sent to the Django app
in-process (WSGI) as three callers: anonymous, a customer and a manager, each with an API
token. Every check runs: no 5xx, every status code, content type, header and body as the
schema documents them, schema-violating input rejected, schema-valid input accepted.

Two deliberate allowances, both where the schema cannot say more:
- a write (POST, PUT, PATCH, DELETE), and a list filtered by ids, may answer valid-looking
  input with 400: a body or filter can name an id that does not exist (docs/API.md: such
  an id is a 400 naming the field), a body can break a rule between fields;
- a customer gets 404, not 405, for a method a staff-only endpoint does not have: customers
  learn nothing about endpoints they may not use (the schema says so on each of them).

Every other valid example aims its path id at a row of a small seeded world, so the
operations on one ticket, work order, plan or policy reach their real logic.

The anonymous caller sends no credentials on odd examples and an unknown token on even ones:
schemathesis's ``ignored_auth`` check fails any 2xx it gets. The customer's and manager's
tokens are valid, which that check cannot be told without re-sending every request twice,
so it is not run for them.

Any difference from the schema fails the test (issue 12): a new operation whose responses,
statuses or parameters differ from what it declares cannot be merged unnoticed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    unsupported_method,
)

from servicedesk.api.permissions import IsStaff
from servicedesk.services import api_token_create
from servicedesk.wsgi import application
from tests.maintenance.conftest import fault_ticket, plan_of
from tickets.services import canned_reply_create

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.django_db,
]

EXAMPLES = 3
VALID_EXPECTED = ["2xx", "3xx", "400", "401", "403", "404", "409", "422"]


CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                "include-method-regex": "^(POST|PUT|PATCH|DELETE)$",
                "checks": {"positive_data_acceptance": {"expected-statuses": VALID_EXPECTED}},
            },
            {
                "include-method": "GET",
                "include-path-regex": "^/api/v1/[a-z/-]+/$",
                "checks": {"positive_data_acceptance": {"expected-statuses": VALID_EXPECTED}},
            },
        ]
    }
)
# The mail gateway's raw RFC 822 bodies (POST /inbound-mail/): any bytes, or a small mail.
schemathesis.openapi.media_type(
    "message/rfc822",
    st.one_of(
        st.binary(max_size=512),
        st.just(b"From: a@example.com\r\nSubject: fuzz\r\nMessage-ID: <f@x>\r\n\r\nbody"),
    ),
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)


@pytest.fixture
def world(customer, manager, agent, contract, product, version, team):
    """A ticket, a work order, a plan and a release with the default SLA policy: ids to aim at."""
    from maintenance import services as maintenance
    from servicedesk.models import Notification
    from sla.services import policy_ensure_default

    ticket = fault_ticket(customer, product)
    order = maintenance.work_order_draft(
        actor=agent, kind="corrective", title="Invoices print blank", tickets=[ticket]
    )
    plan = plan_of(agent, contract)
    policy = policy_ensure_default()
    canned = canned_reply_create(actor=manager, name="Fuzz", language="en", body="x", shared=True)
    run, schedule = report_of(manager, customer.organization)
    announcement, document = portal_of(manager, product)
    tokens = {
        role: api_token_create(name="fuzz", user=user, scope="write", created_by=None)[1]
        for role, user in (("customer", customer), ("manager", manager))
    }
    ids = {
        "/tickets/": ticket.number,
        "/work-orders/": order.pk,
        "/maintenance-plans/": plan.pk,
        "/releases/": version.pk,
        "/announcements/": announcement.pk,
        "/documents/": document.pk,
        "/products/": product.pk,
        "/teams/": team.pk,
        "/canned-replies/": canned.pk,
        "/organizations/": customer.organization_id,
        "/users/": customer.pk,
        "/sla/policies/": policy.pk,
        "/report-runs/": run.pk,
        "/report-schedules/": schedule.pk,
        "/notifications/": Notification.objects.filter(user=customer).first().pk,
        "/sla/calendars/": policy.versions.first().targets.first().response_calendar_id,
    }
    # The app runs in this thread on the test's transaction: like Django's test client, keep
    # the end of each request from closing the connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"tokens": tokens, "ids": ids, "examples": 0}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def portal_of(manager, product):
    """A published announcement for every customer and a public manual of the product."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from releases import services as releases

    announcement = releases.announcement_create(actor=manager, title="Fuzz notice")
    releases.announcement_publish(announcement, actor=manager)
    document = releases.document_upload(
        actor=manager,
        upload=SimpleUploadedFile("manual.pdf", b"%PDF-1.4 fuzz"),
        title="Manual",
        product=product,
        language="en",
    )
    return announcement, document


def report_of(manager, organization):
    """A queued customer service report of the customer's organization, and a schedule."""
    from reports.models import ReportSchedule
    from reports.services import report_run_request

    today = timezone.localdate()
    run = report_run_request(
        user=manager,
        kind="service",
        period_start=today - timedelta(days=7),
        period_end=today,
        organization=organization,
    )
    schedule = ReportSchedule.objects.create(
        kind="service", frequency="month", recipients=["boss@example.com"], created_by=manager
    )
    return run, schedule


def _aim_at_the_world(case, world) -> None:
    """Every other example: the path's id is a real row of the world (unless the id is the
    example's invalid part: a negative case keeps what schemathesis generated)."""
    if "id" not in (case.path_parameters or {}) or world["examples"] % 2:
        return
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
        return
    for prefix, value in world["ids"].items():
        if prefix in case.operation.path:
            case.path_parameters["id"] = value
            return


def _staff_only(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    view = getattr(match.func, "cls", None)
    return any(issubclass(p, IsStaff) for p in getattr(view, "permission_classes", []))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    report_multiple_bugs=False,
)
def test_the_api_does_what_its_schema_says(case, world):
    world["examples"] += 1
    _aim_at_the_world(case, world)
    unknown_token = {"Authorization": "Bearer sd_unknown-token-for-the-fuzz-test"}
    callers = {
        "anonymous": unknown_token if world["examples"] % 2 == 0 else {},
        **{role: {"Authorization": f"Bearer {key}"} for role, key in world["tokens"].items()},
    }
    conformance = []
    for role, headers in callers.items():
        excluded = []
        if role != "anonymous":
            excluded.append(ignored_auth)
            if "Authorization" in (case.headers or {}):
                # the generated (perhaps invalid) Authorization header is replaced by the
                # caller's token, so the request is no longer the negative case generated
                excluded.append(negative_data_rejection)
        if role == "customer" and _staff_only(case.formatted_path):
            excluded.append(unsupported_method)
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            f"{role}: {case.method} {case.formatted_path} answered {response.status_code}"
        )
        try:
            case.validate_response(response, excluded_checks=excluded)
        except (Exception, BaseExceptionGroup) as failure:  # check failures come grouped
            conformance.append(f"{role}: {failure}")
    assert not conformance, "\n".join(conformance)

"""Screens show what users say, not stored codes, and their markup holds up for assistive tech.

Severity badges read 一级故障…四级故障 in Chinese (the full label is their title); a work
order's description does not freeze the severity in the drafter's language; audit lines built
in code use the reader's punctuation; form help texts and errors are where aria-describedby
points, and no page repeats an id.
"""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from maintenance import services as wo
from servicedesk.text import in_brackets, join_phrases
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus, severity_short

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


def _fault(customer, product, severity="L2", title="Invoices print blank"):
    return services.ticket_create(
        actor=customer,
        title=title,
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
        description="Since the update, page 2 is blank.",
        proposed_severity=severity,
    )


def _ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


def _assert_references_resolve(html: str) -> None:
    ids = _ids(html)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert duplicates == []
    for refs in re.findall(r'aria-describedby="([^"]+)"', html):
        for ref in refs.split():
            assert ref in ids, f"aria-describedby points at missing #{ref}"


def test_severity_names_in_both_languages():
    assert severity_short("L3") == "L3" and severity_short("") == "" and severity_short("X") == "X"
    with translation.override("zh-hans"):
        assert [severity_short(v) for v in ("L1", "L2", "L3", "L4")] == [
            "一级故障",
            "二级故障",
            "三级故障",
            "四级故障",
        ]
        html = Template("{% load ticket_labels %}{% severity_badge 'L3' %}").render(Context())
    assert html == '<span class="badge sev-L3" title="三级故障 – 部分影响">三级故障</span>'


def test_punctuation_of_code_built_lines_follows_the_language():
    assert in_brackets(join_phrases(["SD-1", "SD-2"])) == "(SD-1, SD-2)"
    with translation.override("zh-hans"):
        assert in_brackets(join_phrases(["SD-1", "SD-2"])) == "（SD-1，SD-2）"


def test_portal_list_and_staff_queue_name_the_severity(
    client, customer, product, manager, django_assert_max_num_queries
):
    for i in range(5):
        _fault(customer, product, severity="L3", title=f"Fault {i}")
    client.force_login(customer)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("portal:ticket-list"), **ZH).content.decode()
    assert html.count(">三级故障</span>") == 5 and ">L3<" not in html
    assert 'data-label="故障级别"' in html and 'data-label="状态"' in html
    client.force_login(manager)
    html = client.get(reverse("staff:queue"), **ZH).content.decode()
    assert ">三级故障</span>" in html and ">L3<" not in html
    # the SLA filter's "any" choice reads like the others
    assert re.search(r'name="sla_breached"[^>]*><option value=""[^>]*>全部</option>', html)
    assert "---------" not in html


def test_work_order_renders_severity_in_the_readers_language(
    client, customer, product, agent, manager
):
    ticket = _fault(customer, product, severity="L2")
    other = _fault(customer, product, severity="L2", title="Second site")
    order = wo.work_order_draft(
        actor=agent, kind="corrective", title="Blank page", tickets=[ticket]
    )
    wo.work_order_link_ticket(order, actor=agent, ticket=other)
    assert "severe" not in order.description and "L2" not in order.description
    assert ticket.number in order.description
    client.force_login(manager)
    url = reverse("maintenance:work-order", kwargs={"pk": order.pk})
    html = client.get(url, **ZH).content.decode()
    assert ">二级故障</span>" in html and "severe degradation" not in html
    english = client.get(url).content.decode()
    assert 'title="L2 – severe degradation">L2</span>' in english


def test_portal_times_are_labelled_as_times(client, customer, product, engineer):
    ticket = _fault(customer, product)
    services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.RESOLVED, comment="Fixed."
    )
    client.force_login(customer)
    url = reverse("portal:ticket", kwargs={"number": ticket.number})
    html = client.get(url, **ZH).content.decode()
    assert "<dt>解决时间</dt>" in html and "<dt>已解决</dt>" not in html


def test_staff_ticket_page_has_unique_ids_and_a_named_severity_select(
    client, customer, product, manager
):
    ticket = _fault(customer, product)
    client.force_login(manager)
    html = client.get(reverse("staff:ticket", kwargs={"pk": ticket.pk})).content.decode()
    _assert_references_resolve(html)
    # the severity form arrives in its panel when opened (htmx), inside the same page
    url = reverse("staff:ticket-form-panel", kwargs={"pk": ticket.pk, "panel": "severity"})
    panel = client.get(url).content.decode()
    assert 'id="id_severity"' not in html + panel
    select = re.search(r'<select name="severity"[^>]*id="id_change_severity"[^>]*>', panel)
    assert select and 'aria-label="Severity"' in select.group(0)


def test_help_texts_are_where_aria_describedby_points(client, customer, product, agent, manager):
    client.force_login(customer)
    html = client.get(reverse("portal:ticket-create")).content.decode()
    assert "aria-describedby" in html
    _assert_references_resolve(html)
    client.force_login(agent)
    for name in ("staff:hotline", "staff:queue"):
        html = client.get(reverse(name)).content.decode()
        _assert_references_resolve(html)
    # an invalid form: the error list carries the id too
    ticket = _fault(customer, product)
    client.force_login(manager)
    response = client.post(
        reverse("staff:ticket-severity", kwargs={"pk": ticket.pk}),
        {"version": ticket.version, "severity": "L9"},
    )
    assert response.status_code == 400
    _assert_references_resolve(response.content.decode())

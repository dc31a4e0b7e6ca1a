"""The staff page of held inbound mail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as f
from tickets.models import InboundMessage, InboundOutcome, Ticket
from tickets.services import inbound_mail_receive

from .inbound_support import raw_mail

pytestmark = pytest.mark.django_db

LIST = reverse("staff:inbound")


def held(sender="stranger@elsewhere.example", **kwargs) -> InboundMessage:
    return inbound_mail_receive(raw_mail(sender=sender, **kwargs), source="imap").message


def test_the_list_shows_held_mail_with_a_constant_number_of_queries(
    client, agent, org, django_assert_max_num_queries, settings
):
    settings.INBOUND_MAIL_CONTACTS_WITHOUT_LOGIN = "hold"  # the contact's mail is held too
    f.ContactFactory(organization=org, email="wang@customer.example")
    held(subject="Need help <script>alert(1)</script>", html=None, text="Body <b>x</b>")
    held(sender="wang@customer.example", subject="Second")
    client.force_login(agent)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Second" in html and "Need help &lt;script&gt;" in html and "<script>alert" not in html
    assert "Body &lt;b&gt;x&lt;/b&gt;" in html
    for n in range(10):
        held(sender=f"s{n}@elsewhere.example")
    with django_assert_max_num_queries(8):
        assert client.get(LIST).content.decode().count('class="card inbound-mail"') == 12


def test_only_intake_staff_see_the_page(client, customer, tester, engineer):
    held()
    for user in (customer, tester, engineer):
        client.force_login(user)
        response = client.get(LIST)
        assert response.status_code == 403
        assert "stranger@elsewhere.example" not in response.content.decode()
    client.logout()
    assert client.get(LIST).status_code == 302


def test_accept_creates_the_ticket_and_opens_it(client, agent, org, contract):
    mail = held()
    client.force_login(agent)
    response = client.post(
        reverse("staff:inbound-accept", args=[mail.pk]),
        {"organization": org.pk, "new_contact_name": "Wu Fang"},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse("staff:ticket", args=[ticket.pk])
    assert ticket.contact.name == "Wu Fang" and ticket.contact.email == mail.sender
    assert InboundMessage.objects.get().outcome == InboundOutcome.CREATED


def test_reject_and_decided_mail_leave_the_list(client, agent, org):
    mail = held()
    client.force_login(agent)
    response = client.post(reverse("staff:inbound-reject", args=[mail.pk]), follow=True)
    assert "rejected" in response.content.decode()
    assert InboundMessage.objects.get().outcome == InboundOutcome.REJECTED
    again = client.post(
        reverse("staff:inbound-accept", args=[mail.pk]), {"organization": org.pk}, follow=True
    )
    assert "handled already" in again.content.decode() and not Ticket.objects.exists()


def test_decisions_need_an_intake_role(client, customer, tester, org):
    mail = held()
    for user in (customer, tester):
        client.force_login(user)
        accept = client.post(
            reverse("staff:inbound-accept", args=[mail.pk]), {"organization": org.pk}
        )
        reject = client.post(reverse("staff:inbound-reject", args=[mail.pk]))
        assert accept.status_code in (403, 404) and reject.status_code in (403, 404)
    assert InboundMessage.objects.get().outcome == InboundOutcome.HELD


def test_an_unknown_mail_is_404(client, agent):
    client.force_login(agent)
    assert client.post(reverse("staff:inbound-reject", args=[999])).status_code == 404


def test_a_missing_organization_is_an_error_not_a_ticket(client, agent):
    mail = held()
    client.force_login(agent)
    response = client.post(reverse("staff:inbound-accept", args=[mail.pk]), {}, follow=True)
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert InboundMessage.objects.get().outcome == InboundOutcome.HELD


def test_the_navigation_links_the_page_for_agents_only(client, agent, engineer):
    client.force_login(agent)
    assert 'id="nav-inbound"' in client.get(reverse("staff:queue")).content.decode()
    client.force_login(engineer)
    assert 'id="nav-inbound"' not in client.get(reverse("staff:queue")).content.decode()


def test_the_page_speaks_chinese(client, agent):
    held()
    client.force_login(agent)
    html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "待处理来信" in html and "发件人不是已知的客户联系人。" in html

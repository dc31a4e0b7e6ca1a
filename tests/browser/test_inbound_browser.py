"""Held inbound mail in a real browser: an agent accepts a stranger's mail for a customer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.conftest import login
from tests.tickets.inbound_support import raw_mail
from tickets.choices import Channel
from tickets.models import InboundMessage, InboundOutcome, Ticket
from tickets.services import inbound_mail_receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_accepts_a_held_mail_for_a_customer(page, agent, org, other_org, contract):
    keep = inbound_mail_receive(
        raw_mail(sender="wu.fang@newcorp.example", subject="Report export broken"),
        source="imap",
    ).message
    inbound_mail_receive(raw_mail(sender="spam@junk.example", subject="Cheap"), source="imap")
    login(page, "agent", f.PASSWORD)
    page.click("#nav-inbound")
    card = page.locator(f"#inbound-{keep.pk}")
    expect(card).to_contain_text("Report export broken")
    expect(card).to_contain_text("The sender is not a known customer contact.")
    card.locator("select[name=organization]").select_option(label=org.name)
    card.locator("input[name=new_contact_name]").fill("Wu Fang")
    card.get_by_role("button", name="Accept").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("Mail accepted")
    ticket = Ticket.objects.get()
    expect(page.locator("h1")).to_contain_text("Report export broken")
    assert page.url.endswith(f"/staff/tickets/{ticket.pk}/")
    assert ticket.organization == org and ticket.channel == Channel.EMAIL
    assert ticket.contact.name == "Wu Fang" and ticket.contact.email == "wu.fang@newcorp.example"
    # the other mail is still waiting; rejecting it empties the list
    page.click("#nav-inbound")
    page.get_by_role("button", name="Reject").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#inbound-empty")).to_be_visible()
    assert set(InboundMessage.objects.values_list("outcome", flat=True)) == {
        InboundOutcome.CREATED,
        InboundOutcome.REJECTED,
    }

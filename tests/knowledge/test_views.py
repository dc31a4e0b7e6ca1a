"""Knowledge pages: the portal's list, article, feedback, suggestions and "this solved my
problem"; the staff list, editor, review and "Draft an article" on the ticket page. Each as
customer of the right and the wrong organization, staff roles and anonymous; query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knowledge.choices import ArticleStatus
from knowledge.models import Article, ArticleFeedback, Deflection
from tests import factories as f
from tickets.choices import TicketStatus
from tickets.models import Ticket

from .conftest import publish, write

pytestmark = pytest.mark.django_db


def _get(client, url, **params):
    return client.get(url, params)


def test_anonymous_is_sent_to_sign_in(client, public_en):
    for url in (
        reverse("knowledge-portal:list"),
        reverse("knowledge-portal:detail", kwargs={"pk": public_en.pk}),
        reverse("knowledge-portal:suggestions"),
        reverse("knowledge:list"),
        reverse("knowledge:edit", kwargs={"pk": public_en.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_portal_list_and_search(client, customer, public_en, public_zh, internal, payroll_only):
    client.force_login(customer)
    page = client.get(reverse("knowledge-portal:list")).content.decode()
    assert public_en.title in page and public_zh.title in page
    assert internal.title not in page and payroll_only.title not in page
    found = client.get(reverse("knowledge-portal:list"), {"q": "超时"}).content.decode()
    assert public_zh.title in found and public_en.title not in found


def test_customer_gets_404_for_hidden_articles(client, customer, internal, draft, payroll_only):
    client.force_login(customer)
    for article in (internal, draft, payroll_only):
        detail = reverse("knowledge-portal:detail", kwargs={"pk": article.pk})
        assert client.get(detail).status_code == 404
        feedback = reverse("knowledge-portal:feedback", kwargs={"pk": article.pk})
        assert client.post(feedback, {"helpful": "yes"}).status_code == 404
        solved = client.post(reverse("knowledge-portal:solved"), {"article": article.pk})
        assert solved.status_code == 404
    assert not ArticleFeedback.objects.exists() and not Deflection.objects.exists()
    assert client.get(reverse("knowledge:list")).status_code == 403


def test_portal_article_feedback(client, customer, public_en, public_zh):
    client.force_login(customer)
    detail = reverse("knowledge-portal:detail", kwargs={"pk": public_en.pk})
    page = client.get(detail).content.decode()
    assert "Install patch 3.3" in page and public_zh.get_language_display() in page
    feedback = reverse("knowledge-portal:feedback", kwargs={"pk": public_en.pk})
    assert client.post(feedback, {"helpful": "maybe"}).status_code == 302
    assert not ArticleFeedback.objects.exists()
    client.post(feedback, {"helpful": "yes"})
    assert ArticleFeedback.objects.get().helpful is True
    assert "You found it helpful." in client.get(detail).content.decode()


def test_suggestions_match_what_is_typed(client, customer, public_en, public_zh, internal):
    client.force_login(customer)
    url = reverse("knowledge-portal:suggestions")
    page = client.get(url, {"title": "发票导出", "description": ""}).content.decode()
    assert public_zh.title in page and "This solved my problem" in page
    page = client.get(url, {"title": "invoice", "description": "zzz qqq"}).content.decode()
    assert public_en.title in page and internal.title not in page
    assert "No matching articles" in client.get(url, {"title": ""}).content.decode()


def test_the_request_form_shows_the_suggestions_section(client, customer):
    client.force_login(customer)
    page = client.get(reverse("portal:ticket-create")).content.decode()
    assert reverse("knowledge-portal:suggestions") in page


def test_solved_records_a_deflection_and_creates_no_ticket(client, customer, public_en):
    client.force_login(customer)
    response = client.post(
        reverse("knowledge-portal:solved"),
        {"article": public_en.pk, "title": "invoice export", "description": "fails"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge-portal:detail", kwargs={"pk": public_en.pk})
    assert not Ticket.objects.exists()
    deflection = Deflection.objects.get()
    assert deflection.query == "invoice export"
    assert deflection.organization_id == customer.organization_id
    assert deflection.key == client.session.session_key
    assert client.post(reverse("knowledge-portal:solved"), {"article": "x"}).status_code == 404
    # the same session pressing it again (back, resubmit) counts once
    again = client.post(reverse("knowledge-portal:solved"), {"article": public_en.pk})
    assert again.status_code == 302 and Deflection.objects.count() == 1
    public_en.refresh_from_db()
    assert public_en.deflection_count == 1


def test_staff_write_review_publish_through_pages(client, agent, manager, product):
    client.force_login(agent)
    response = client.post(
        reverse("knowledge:new"),
        {
            "title": "VPN drops",
            "problem": "Every hour.",
            "solution": "Renew the certificate.",
            "language": "en",
            "audience": "public",
            "products": [product.pk],
        },
    )
    article = Article.objects.get()
    assert response["Location"] == reverse("knowledge:edit", kwargs={"pk": article.pk})
    edit = reverse("knowledge:edit", kwargs={"pk": article.pk})
    bad = client.post(edit, {"title": "", "problem": "x", "solution": "y", "language": "en"})
    assert bad.status_code == 400
    transition = reverse("knowledge:transition", kwargs={"pk": article.pk})
    client.post(transition, {"status": "in_review"})
    client.post(transition, {"status": "published"})  # an agent may not: a message, no change
    article.refresh_from_db()
    assert article.status == ArticleStatus.IN_REVIEW
    client.force_login(manager)
    page = client.get(edit).content.decode()
    assert 'id="to-published"' in page
    client.post(transition, {"status": "published"})
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
    gone = client.post(
        edit,
        {"title": "x", "problem": "x", "solution": "y", "language": "en", "audience": "public"},
    )
    assert gone.status_code == 409
    assert client.post(transition, {"status": "bogus"}).status_code == 302


def test_edit_with_an_unknown_translation_is_a_400(client, agent, draft):
    client.force_login(agent)
    edit = reverse("knowledge:edit", kwargs={"pk": draft.pk})
    body = {
        "title": "t",
        "problem": "p",
        "solution": "s",
        "language": "en",
        "audience": "public",
        "translation_of": 999999,
    }
    response = client.post(edit, body)
    assert response.status_code == 400 and "No such article." in response.content.decode()


def test_draft_an_article_from_the_ticket_page(client, agent, tester, org, product):
    ticket = f.TicketFactory(
        organization=org,
        product=product,
        status=TicketStatus.RESOLVED,
        title="Export hangs",
        description="At 99%.",
        resolution="Cleared the temp folder.",
    )
    client.force_login(agent)
    page = client.get(reverse("staff:ticket", kwargs={"pk": ticket.pk})).content.decode()
    assert 'id="draft-article"' in page
    response = client.post(reverse("knowledge:from-ticket", kwargs={"ticket_pk": ticket.pk}))
    article = Article.objects.get()
    assert response["Location"] == reverse("knowledge:edit", kwargs={"pk": article.pk})
    assert article.source_ticket == ticket and article.solution == "Cleared the temp folder."
    client.force_login(tester)
    refused = client.post(reverse("knowledge:from-ticket", kwargs={"ticket_pk": ticket.pk}))
    assert refused.status_code == 403
    open_ticket = f.TicketFactory(organization=org, status=TicketStatus.IN_PROGRESS)
    client.force_login(agent)
    page = client.get(reverse("staff:ticket", kwargs={"pk": open_ticket.pk})).content.decode()
    assert 'id="draft-article"' not in page
    client.post(reverse("knowledge:from-ticket", kwargs={"ticket_pk": open_ticket.pk}))
    assert Article.objects.count() == 1
    missing = client.post(reverse("knowledge:from-ticket", kwargs={"ticket_pk": 999999}))
    assert missing.status_code == 404


def test_customer_cannot_draft_from_a_ticket(client, customer, org):
    ticket = f.TicketFactory(organization=org, status=TicketStatus.RESOLVED)
    client.force_login(customer)
    response = client.post(reverse("knowledge:from-ticket", kwargs={"ticket_pk": ticket.pk}))
    assert response.status_code == 403 and not Article.objects.exists()


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def _more_articles(manager, n):
    for i in range(n):
        publish(write(manager, title=f"Invoice {i}", language="en", audience="public"), manager)


def test_page_queries_do_not_grow_with_articles(client, customer, manager, public_en):
    pages = [
        (customer, reverse("knowledge-portal:list"), None),
        (customer, reverse("knowledge-portal:list"), {"q": "invoice"}),
        (customer, reverse("knowledge-portal:suggestions"), {"title": "invoice"}),
        (customer, reverse("knowledge-portal:detail", kwargs={"pk": public_en.pk}), None),
        (manager, reverse("knowledge:list"), None),
        (manager, reverse("knowledge:list"), {"q": "invoice", "status": "published"}),
        (manager, reverse("knowledge:edit", kwargs={"pk": public_en.pk}), None),
    ]

    def counts():
        result = []
        for user, url, params in pages:
            client.force_login(user)
            result.append(_count(client, url, params))
        return result

    few = counts()
    _more_articles(manager, 6)
    assert counts() == few
    assert max(few) <= 14, few

"""The knowledge API, per endpoint: anonymous 401, customers (their own visibility, no
writes), staff roles, bad input 400 naming the field, refused steps 409, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knowledge import services
from knowledge.choices import ArticleStatus
from knowledge.models import Article, ArticleEvent, ArticleFeedback, Deflection
from servicedesk.choices import Role
from tests import factories as f
from tests.conftest import client_for

from .conftest import publish, write

pytestmark = pytest.mark.django_db

BASE = "/api/v1/articles/"


def _url(article, action: str = "") -> str:
    return f"{BASE}{article.pk}/{action}"


def _writes(article):
    """Every write on one article, as (method, url, body)."""
    return [
        ("patch", _url(article), {"title": "Changed"}),
        ("post", _url(article, "transition"), {"status": "archived"}),
        ("post", _url(article, "feedback"), {"helpful": True}),
        ("post", _url(article, "solved"), {"draft": "draft-1", "query": "printer"}),
    ]


def test_anonymous_gets_401_everywhere(api, public_en):
    for url in (BASE, f"{BASE}search/?q=invoice", _url(public_en)):
        assert api.get(url).status_code == 401, url
    for method, url, body in _writes(public_en):
        assert getattr(api, method)(url, body, format="json").status_code == 401, url
    assert api.post(BASE, {"title": "x"}, format="json").status_code == 401


def test_customer_lists_and_searches_only_what_they_may_read(
    customer, public_en, public_zh, internal, draft, payroll_only
):
    api = client_for(customer)
    listed = api.get(BASE).json()["results"]
    assert {row["id"] for row in listed} == {public_en.pk, public_zh.pk}
    found = api.get(f"{BASE}search/", {"q": "invoice"}).json()
    assert [row["id"] for row in found] == [public_en.pk]
    found = api.get(f"{BASE}search/", {"q": "连接超时"}).json()
    assert [row["id"] for row in found] == [public_zh.pk]
    assert [r["id"] for r in api.get(BASE, {"q": "导出"}).json()["results"]] == [public_zh.pk]


def test_customer_gets_404_for_another_organizations_and_internal_articles(
    customer, internal, draft, payroll_only
):
    """Internal (staff only), unpublished, or about a product only another organization
    has: every endpoint answers 404 and changes nothing."""
    api = client_for(customer)
    for article in (internal, draft, payroll_only):
        response = api.get(_url(article))
        assert response.status_code == 404, article.title
        assert article.title not in response.content.decode()
        for method, url, body in _writes(article):
            assert getattr(api, method)(url, body, format="json").status_code == 404, url
    assert not ArticleFeedback.objects.exists() and not Deflection.objects.exists()
    assert not ArticleEvent.objects.filter(kind="updated").exists()


def test_customer_reads_a_public_article_without_staff_details(customer, org, agent, manager):
    ticket = f.TicketFactory(organization=f.OrganizationFactory(), status="resolved")
    article = services.article_draft_from_ticket(ticket, actor=agent)
    services.article_update(article, actor=agent, changes={"audience": "public"})
    publish(article, manager)
    body = client_for(customer).get(_url(article)).json()
    assert body["source_ticket"] is None and body["author"] is None
    staff_body = client_for(agent).get(_url(article)).json()
    assert staff_body["source_ticket"] == ticket.number


def test_customer_may_vote_but_not_write(customer, public_en):
    api = client_for(customer)
    response = api.post(_url(public_en, "feedback"), {"helpful": True}, format="json")
    assert response.status_code == 200 and response.json()["helpful_count"] == 1
    assert api.patch(_url(public_en), {"title": "Mine"}, format="json").status_code == 403
    body = {"status": "archived"}
    assert api.post(_url(public_en, "transition"), body, format="json").status_code == 403
    new = {"title": "x", "problem": "y", "solution": "z"}
    assert api.post(BASE, new, format="json").status_code == 403
    assert Article.objects.count() == 1
    public_en.refresh_from_db()
    assert public_en.status == ArticleStatus.PUBLISHED and public_en.title != "Mine"


def test_staff_write_review_and_publish(agent, manager, product):
    api = client_for(agent)
    body = {
        "title": "VPN drops",
        "problem": "VPN drops every hour.",
        "solution": "Renew the certificate.",
        "language": "en",
        "audience": "public",
        "products": [product.pk],
    }
    created = api.post(BASE, body, format="json")
    assert created.status_code == 201, created.json()
    article_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    edited = api.patch(f"{BASE}{article_id}/", {"cause": "Expired cert."}, format="json")
    assert edited.status_code == 200 and edited.json()["cause"] == "Expired cert."
    step = api.post(f"{BASE}{article_id}/transition", {"status": "in_review"}, format="json")
    assert step.status_code == 200
    refused = api.post(f"{BASE}{article_id}/transition", {"status": "published"}, format="json")
    assert refused.status_code == 403
    published = client_for(manager).post(
        f"{BASE}{article_id}/transition", {"status": "published"}, format="json"
    )
    assert published.status_code == 200 and published.json()["published_at"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"problem": "p", "solution": "s"}, "title"),
        ({"title": "t" * 201, "problem": "p", "solution": "s"}, "title"),
        ({"title": "t", "problem": "p", "solution": "s", "language": "fr"}, "language"),
        ({"title": "t", "problem": "p", "solution": "s", "audience": "all"}, "audience"),
        ({"title": "t", "problem": "p", "solution": "s", "products": [999999]}, "products"),
        (
            {"title": "t", "problem": "p", "solution": "s", "translation_of": 999999},
            "translation_of",
        ),
        ({"title": "t", "problem": "  ", "solution": "s"}, "problem"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(agent, body, field):
    response = client_for(agent).post(BASE, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()
    assert not Article.objects.exists()


def test_bad_transitions_feedback_and_search_input(agent, draft, public_en):
    api = client_for(agent)
    unknown = api.post(_url(draft, "transition"), {"status": "gone"}, format="json")
    assert unknown.status_code == 400 and "status" in unknown.json()["fields"]
    skip = api.post(_url(draft, "transition"), {"status": "published"}, format="json")
    assert skip.status_code == 409
    assert skip.json()["code"] == "invalid_transition"
    assert skip.json()["allowed"] == ["in_review", "archived"]
    not_published = api.post(_url(draft, "feedback"), {"helpful": True}, format="json")
    assert not_published.status_code == 409
    bad_vote = api.post(_url(public_en, "feedback"), {"helpful": "maybe"}, format="json")
    assert bad_vote.status_code == 400
    edit_published = api.patch(_url(public_en), {"title": "x"}, format="json")
    assert edit_published.status_code == 409
    assert api.get(f"{BASE}search/", {"q": "x" * 201}).status_code == 400
    assert api.get(BASE, {"status": "nope"}).status_code == 400
    assert api.get(f"{BASE}abc/").status_code == 404


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.TESTER, Role.MANAGER])
def test_every_staff_role_reads_everything(role, public_en, internal, draft):
    api = client_for(f.UserFactory(role=role))
    rows = api.get(BASE).json()["results"]
    assert {row["id"] for row in rows} == {public_en.pk, internal.pk, draft.pk}
    assert api.get(_url(draft)).status_code == 200


def test_tester_writes_nothing(tester, draft):
    api = client_for(tester)
    assert api.patch(_url(draft), {"title": "x"}, format="json").status_code == 403
    new = {"title": "x", "problem": "y", "solution": "z"}
    assert api.post(BASE, new, format="json").status_code == 403


def _queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).status_code == 200
    return len(captured)


def test_list_and_search_queries_do_not_grow_with_rows(customer, manager):
    api = client_for(customer)
    publish(write(manager, title="Invoice one", language="en", audience="public"), manager)
    few = (_queries(api, BASE), _queries(api, f"{BASE}search/?q=invoice"))
    for n in range(8):
        publish(write(manager, title=f"Invoice {n}", language="en", audience="public"), manager)
    many = (_queries(api, BASE), _queries(api, f"{BASE}search/?q=invoice"))
    assert many == few
    assert max(many) <= 6


def test_customer_searches_votes_and_records_a_deflection_once_per_draft(
    customer, other_customer, public_en, public_zh
):
    """The mobile app's path: search, open, vote, "this solved my problem" while writing a
    request; pressing it again for the same draft (a retry, a second tap) counts once."""
    api = client_for(customer)
    found = api.get(f"{BASE}search/", {"q": "发票 导出"}).json()
    assert [row["id"] for row in found] == [public_zh.pk]
    assert (
        api.post(_url(public_zh, "feedback"), {"helpful": True}, format="json").status_code == 200
    )
    body = {"draft": "4b1d6f0e-draft", "query": "发票导出失败"}
    first = api.post(_url(public_zh, "solved"), body, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["counted"] is True and first.json()["query"] == "发票导出失败"
    again = api.post(_url(public_zh, "solved"), {**body, "query": "again"}, format="json")
    assert again.status_code == 200 and again.json()["counted"] is False
    assert again.json()["id"] == first.json()["id"]
    other_draft = api.post(_url(public_zh, "solved"), {"draft": "second"}, format="json")
    assert other_draft.status_code == 201
    # the same key from another customer is their own request
    theirs = client_for(other_customer).post(_url(public_zh, "solved"), body, format="json")
    assert theirs.status_code == 201
    public_zh.refresh_from_db()
    assert (public_zh.deflection_count, public_zh.helpful_count) == (3, 1)
    rows = Deflection.objects.filter(user=customer).order_by("id")
    assert [(d.key, d.organization_id) for d in rows] == [
        ("4b1d6f0e-draft", customer.organization_id),
        ("second", customer.organization_id),
    ]


def test_solved_permissions_and_bad_input(agent, customer, public_en, draft, internal):
    """Staff do not submit requests (403); what a customer may not read is a 404; the draft
    key is required and bounded (400 naming it); nothing is counted on any of them."""
    body = {"draft": "d"}
    assert client_for(agent).post(_url(public_en, "solved"), body, format="json").status_code == 403
    api = client_for(customer)
    for article in (draft, internal):
        assert api.post(_url(article, "solved"), body, format="json").status_code == 404
    assert api.post(f"{BASE}999999/solved", body, format="json").status_code == 404
    for bad in ({}, {"draft": ""}, {"draft": "x" * 65}, {"draft": "d", "query": "q" * 201}):
        response = api.post(_url(public_en, "solved"), bad, format="json")
        assert response.status_code == 400, bad
        assert set(response.json()["fields"]) & {"draft", "query"}, response.json()
    assert not Deflection.objects.exists()
    public_en.refresh_from_db()
    assert public_en.deflection_count == 0


def test_solved_and_search_queries_are_bounded(customer, public_en, django_assert_max_num_queries):
    """Deflection: read the article, lock it (visibility again), look for the key, write,
    count; search: one statement (the ranking, the visibility and the rows)."""
    api = client_for(customer)
    with django_assert_max_num_queries(8):
        response = api.post(_url(public_en, "solved"), {"draft": "a"}, format="json")
    assert response.status_code == 201
    with django_assert_max_num_queries(6):
        assert api.post(_url(public_en, "solved"), {"draft": "a"}, format="json").status_code == 200
    if connection.vendor == "postgresql":
        assert _queries(api, f"{BASE}search/?q=invoice") == 1

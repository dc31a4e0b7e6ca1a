"""Knowledge services and selectors: lifecycle, audit, visibility, search, counts."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from knowledge import selectors, services
from knowledge.choices import ArticleStatus, Audience
from knowledge.models import Article, ArticleEvent, ArticleFeedback, Deflection
from servicedesk.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from tests import factories as f
from tickets.choices import TicketStatus

from .conftest import publish, write

pytestmark = pytest.mark.django_db


def test_lifecycle_is_audited(agent, manager):
    article = write(agent, title="Printer", language="en")
    assert article.status == ArticleStatus.DRAFT
    assert article.audience == Audience.INTERNAL
    services.article_transition(article, actor=agent, to_status=ArticleStatus.IN_REVIEW)
    services.article_transition(
        article, actor=manager, to_status=ArticleStatus.PUBLISHED, note="ok"
    )
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.published_at
    events = list(ArticleEvent.objects.filter(article=article).values_list("kind", "actor", "data"))
    assert events[0][:2] == ("created", agent.pk)
    assert events[1] == ("transitioned", agent.pk, {"old": "draft", "new": "in_review", "note": ""})
    assert events[2] == (
        "transitioned",
        manager.pk,
        {"old": "in_review", "new": "published", "note": "ok"},
    )


def test_agent_may_not_publish_and_skipping_review_is_refused(agent):
    article = write(agent, title="Printer", language="en")
    with pytest.raises(InvalidTransition) as err:
        services.article_transition(article, actor=agent, to_status=ArticleStatus.PUBLISHED)
    assert err.value.extra["allowed"] == ["in_review", "archived"]
    services.article_transition(article, actor=agent, to_status=ArticleStatus.IN_REVIEW)
    with pytest.raises(NotAllowed):
        services.article_transition(article, actor=agent, to_status=ArticleStatus.PUBLISHED)
    article.refresh_from_db()
    assert article.status == ArticleStatus.IN_REVIEW


def test_customers_and_testers_write_nothing(customer, tester, public_en):
    for user in (customer, tester):
        with pytest.raises(NotAllowed):
            write(user, title="x", language="en")
        with pytest.raises(NotAllowed):
            services.article_update(public_en, actor=user, changes={"title": "y"})
    assert Article.objects.count() == 1


def test_update_validates_every_field_and_writes_nothing_on_error(agent):
    article = write(agent, title="Printer", language="en")
    with pytest.raises(ValidationFailed) as err:
        services.article_update(
            article,
            actor=agent,
            changes={"title": " ", "solution": "x" * 20_001, "language": "fr"},
        )
    assert set(err.value.fields) == {"title", "solution", "language"}
    article.refresh_from_db()
    assert article.title == "Printer"
    assert ArticleEvent.objects.filter(article=article).count() == 1


def test_update_records_old_and_new_and_refreshes_search_text(agent, product):
    article = write(agent, title="Printer", language="en", tags="a，b、a c")
    assert article.tags == "a, b, c"
    services.article_update(
        article, actor=agent, changes={"title": "Printer jams", "products": [product]}
    )
    article.refresh_from_db()
    assert "printer jams" in article.search_text
    event = ArticleEvent.objects.filter(article=article, kind="updated").get()
    assert event.data == {"title": ["Printer", "Printer jams"], "products": [[], [product.pk]]}
    services.article_update(article, actor=agent, changes={"title": "Printer jams"})
    assert ArticleEvent.objects.filter(article=article, kind="updated").count() == 1


def test_published_article_is_not_edited_in_place(public_en, manager):
    with pytest.raises(Conflict):
        services.article_update(public_en, actor=manager, changes={"title": "New"})
    services.article_transition(public_en, actor=manager, to_status=ArticleStatus.DRAFT)
    services.article_update(public_en, actor=manager, changes={"title": "New"})


def test_one_translation_per_language(manager, public_en, public_zh):
    with pytest.raises(ValidationFailed):
        write(manager, title="again", language="zh-hans", translation_of=public_en)
    with pytest.raises(ValidationFailed):  # a translation of a translation
        write(manager, title="again", language="en", translation_of=public_zh)
    assert selectors.article_translations(public_en) == [public_zh]
    assert selectors.article_translations(public_zh) == [public_en]


def test_draft_from_resolved_ticket_prefills_its_facts(agent, org, product):
    ticket = f.TicketFactory(
        organization=org,
        product=product,
        status=TicketStatus.RESOLVED,
        title="Export hangs",
        description="It hangs at 99%.",
        resolution="Cleared the temp folder.",
    )
    article = services.article_draft_from_ticket(ticket, actor=agent)
    assert (article.title, article.problem, article.solution) == (
        "Export hangs",
        "It hangs at 99%.",
        "Cleared the temp folder.",
    )
    assert article.source_ticket == ticket and article.audience == Audience.INTERNAL
    assert list(article.products.all()) == [product]
    assert article.status == ArticleStatus.DRAFT


def test_draft_from_open_ticket_is_refused(agent, org):
    ticket = f.TicketFactory(organization=org, status=TicketStatus.IN_PROGRESS)
    with pytest.raises(Conflict):
        services.article_draft_from_ticket(ticket, actor=agent)
    assert not Article.objects.exists()


def test_customer_sees_published_public_articles_for_their_products_only(
    customer, other_customer, public_en, public_zh, internal, draft, payroll_only, agent
):
    mine = set(selectors.articles_for(customer))
    assert mine == {public_en, public_zh}
    assert set(selectors.articles_for(other_customer)) == {public_en, public_zh, payroll_only}
    assert set(selectors.articles_for(agent)) == {
        public_en,
        public_zh,
        internal,
        draft,
        payroll_only,
    }
    for hidden in (internal, draft, payroll_only):
        with pytest.raises(NotFound):
            selectors.article_get_for(customer, hidden.pk)
    assert not selectors.articles_for(AnonymousUser()).exists()
    customer.is_active = False
    assert not selectors.articles_for(customer).exists()


def test_search_finds_chinese_substrings(customer, public_en, public_zh):
    assert list(selectors.article_search(customer, "连接超时")) == [public_zh]
    assert list(selectors.article_search(customer, "发票 导出")) == [public_zh]
    assert list(selectors.article_search(customer, "索引")) == [public_zh]
    assert list(selectors.article_search(customer, "计费")) == [public_zh]  # a tag
    assert list(selectors.article_search(customer, "EXPORT timeout")) == [public_en]
    assert list(selectors.article_search(customer, "超时 invoice")) == []


def test_search_puts_title_matches_first_and_never_shows_hidden(
    customer, manager, public_en, internal
):
    body_only = publish(
        write(
            manager,
            title="Slow reports",
            problem="The export of invoices is slow.",
            language="en",
            audience=Audience.PUBLIC,
        ),
        manager,
    )
    assert list(selectors.article_search(customer, "invoice")) == [public_en, body_only]
    assert internal in selectors.article_search(manager, "invoice")


def test_feedback_once_per_reader_and_counted(customer, other_customer, public_en):
    services.article_feedback(public_en, actor=customer, helpful=True)
    services.article_feedback(public_en, actor=customer, helpful=True)
    services.article_feedback(public_en, actor=other_customer, helpful=True)
    article = services.article_feedback(public_en, actor=customer, helpful=False)
    assert (article.helpful_count, article.not_helpful_count) == (1, 1)
    assert ArticleFeedback.objects.count() == 2


def test_feedback_and_deflection_need_a_published_visible_article(customer, draft, internal):
    with pytest.raises(NotFound):
        services.article_feedback(internal, actor=customer, helpful=True)
    with pytest.raises(NotFound):
        services.deflection_record(draft, actor=customer)
    assert not ArticleFeedback.objects.exists() and not Deflection.objects.exists()


def test_deflection_is_customers_only_and_counted(customer, agent, public_en):
    with pytest.raises(NotAllowed):
        services.deflection_record(public_en, actor=agent)
    services.deflection_record(public_en, actor=customer, query="  invoice export  ")
    public_en.refresh_from_db()
    assert public_en.deflection_count == 1
    row = Deflection.objects.get()
    assert (row.organization_id, row.query) == (customer.organization_id, "invoice export")


def test_deflection_counts_by_period_and_scope(customer, other_customer, public_en, product):
    services.deflection_record(public_en, actor=customer)
    services.deflection_record(public_en, actor=other_customer)
    services.article_feedback(public_en, actor=customer, helpful=False)
    now = timezone.now()
    period = SimpleNamespace(start=now - dt.timedelta(hours=1), end=now + dt.timedelta(hours=1))
    assert selectors.deflection_counts(period) == {
        "deflections": 2,
        "helpful": 0,
        "not_helpful": 1,
    }
    scope = SimpleNamespace(organization=customer.organization_id, product=None)
    assert selectors.deflection_counts(period, scope)["deflections"] == 1
    by_product = SimpleNamespace(organization=None, product=product.pk)
    assert selectors.deflection_counts(period, by_product)["deflections"] == 0
    past = SimpleNamespace(start=now - dt.timedelta(days=2), end=now - dt.timedelta(days=1))
    assert selectors.deflection_counts(past) == {"deflections": 0, "helpful": 0, "not_helpful": 0}


def test_deflection_counts_reads_a_reports_period(customer, public_en):
    from reports.periods import Period

    services.deflection_record(public_en, actor=customer)
    assert selectors.deflection_counts(Period.day(timezone.localdate()))["deflections"] == 1

"""A customer starts a new request, sees a matching article while typing the title, and
"this solved my problem" leaves without creating a ticket (a deflection is counted)."""

from __future__ import annotations

import pytest

from knowledge import services
from knowledge.choices import ArticleStatus, Audience
from knowledge.models import Deflection
from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import login, screenshot
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup():
    org = f.OrganizationFactory(name="Acme Power", code="acme")
    billing = f.ProductFactory(name="Billing", code="billing")
    f.ContractFactory(organization=org, products=[billing])
    customer = f.CustomerFactory(username="li.lei", organization=org)
    manager = f.UserFactory(username="chen.jing", role=Role.MANAGER)
    article = services.article_create(
        actor=manager,
        title="月末发票导出失败",
        problem="导出发票时提示数据库连接超时。",
        solution="安装3.3补丁后重新导出。",
        language="zh-hans",
        audience=Audience.PUBLIC,
        products=[billing],
    )
    services.article_transition(article, actor=manager, to_status=ArticleStatus.IN_REVIEW)
    services.article_transition(article, actor=manager, to_status=ArticleStatus.PUBLISHED)
    return {"customer": customer, "article": article}


def test_a_matching_article_deflects_the_request(page, setup):
    from playwright.sync_api import expect

    login(page, setup["customer"].username, f.PASSWORD)
    page.goto(f"{page.base_url}/portal/new/")
    suggestions = page.locator("#kb-suggestion-list")
    expect(suggestions.locator("#kb-no-suggestions")).to_be_visible()
    page.fill("#id_title", "发票导出")
    page.locator("#id_title").press("End")  # a keyup, as when typing
    card = page.locator(f"#kb-suggestion-{setup['article'].pk}")
    expect(card).to_contain_text("月末发票导出失败")
    screenshot(page, "knowledge-suggestions")
    card.get_by_role("button", name="This solved my problem").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("月末发票导出失败")
    expect(page.locator("body")).to_contain_text("No request was submitted.")
    assert not Ticket.objects.exists()
    deflection = Deflection.objects.get()
    assert deflection.article_id == setup["article"].pk and deflection.query == "发票导出"

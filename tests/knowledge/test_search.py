"""The tokenizer behind PostgreSQL search (pure), and the search through the database:
Chinese substrings of any length from two characters, word prefixes, similar titles."""

from __future__ import annotations

import pytest
from django.db import connection

from knowledge import search, selectors, services
from knowledge.choices import Audience
from tests import factories as f

from .conftest import publish, write


def test_chinese_runs_become_character_pairs():
    assert search.tokens("月末导出发票，数据库超时! Export v2") == (
        "月末 末导 导出 出发 发票 数据 据库 库超 超时 export v2"
    )
    assert search.tokens("库") == "库"


def test_queries_need_every_pair_and_prefix():
    assert search.match_query(["数据库"]) == "'数据' & '据库'"
    assert search.match_query(["库", "export"]) == "'库':* & 'export':*"
    assert search.match_query(["发票exp"]) == "'发票' & 'exp':*"
    assert search.match_query(["?!", "…"]) is None
    assert search.title_query("发票exp") == "'_t发票' & '_texp':*"


def test_the_vector_marks_title_status_and_what_customers_may_read():
    published = search.lexemes(
        "月末发票 export", title="发票", status="published", audience="public", product_ids=[]
    )
    assert {"月末", "发票", "export", "_t发票", "_spublished", "_c0"} <= set(published)
    assert search.PADDING in published and len(search.PADDING.encode()) > 2032
    limited = search.lexemes(
        "x", title="x", status="published", audience="public", product_ids=[3, 7]
    )
    assert {"_c3", "_c7"} <= set(limited) and "_c0" not in limited
    for status, audience in (
        ("draft", "public"),
        ("published", "internal"),
        ("archived", "public"),
    ):
        hidden = search.lexemes("x", title="x", status=status, audience=audience, product_ids=[])
        assert not [word for word in hidden if word.startswith(search.CUSTOMERS)], status
    # text tokens are letters and digits: no text can forge a mark
    assert not [w for w in search.tokens("_c0 _spublished '_t' a_b").split() if "_" in w]


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the full-text index is PostgreSQL's"
)


@pytest.mark.django_db
def test_any_chinese_substring_is_found_and_missing_pairs_are_not(customer, manager):
    article = publish(
        write(
            manager,
            title="月末发票导出失败",
            problem="导出发票时提示数据库连接超时。",
            language="zh-hans",
            audience=Audience.PUBLIC,
        ),
        manager,
    )
    for query in ("发票", "票导出", "数据库连接超时", "末发", "超时", "发票 超时"):
        assert list(selectors.article_search(customer, query)) == [article], query
    for query in ("发超", "数据库超时", "连接 失效", "超时了"):
        assert list(selectors.article_search(customer, query)) == [], query


@pytest.mark.django_db
def test_edits_are_searchable_at_once(agent):
    article = write(agent, title="Printer", language="en")
    services.article_update(article, actor=agent, changes={"solution": "Reinstall 驱动程序."})
    assert list(selectors.article_search(agent, "驱动")) == [article]
    assert list(selectors.article_search(agent, "reinst")) == [article]


@needs_postgres
@pytest.mark.django_db
def test_similar_titles_catch_a_typo(customer, public_en, internal):
    assert list(selectors.article_search(customer, "invoce")) == []
    assert selectors.article_similar_titles(customer, "invoce export") == [public_en]
    assert selectors.article_similar_titles(customer, "ru") == []


def _published(manager, title, problem="Something fails.", **values):
    values.setdefault("language", "en")
    values.setdefault("audience", Audience.PUBLIC)
    return publish(write(manager, title=title, problem=problem, **values), manager)


@pytest.mark.django_db
def test_a_title_match_outranks_the_more_helpful_body_match(customer, other_customer, manager):
    body = _published(manager, "Reports lag", problem="月末发票导出很慢; invoice export slow.")
    title = _published(manager, "发票导出 invoice", problem="Check the export.")
    services.article_feedback(body, actor=customer, helpful=True)
    services.article_feedback(body, actor=other_customer, helpful=True)
    for query in ("发票", "发票导出", "invoice", "inv", "invoice export"):
        assert list(selectors.article_search(customer, query)) == [title, body], query
    # among body matches the most helpful, then the newest
    newer = _published(manager, "Other", problem="invoice export slow too")
    assert list(selectors.article_search(customer, "slow")) == [body, newer]
    services.article_feedback(newer, actor=customer, helpful=True)
    services.article_feedback(newer, actor=other_customer, helpful=True)
    assert list(selectors.article_search(customer, "slow")) == [newer, body]


@pytest.mark.django_db
def test_hidden_articles_never_reach_a_customer_and_follow_their_changes(
    customer, manager, agent, product, other_org
):
    """Internal, unpublished, another product's: never in a customer's results, also when
    they change status, audience or products after being found."""
    payroll = f.ProductFactory(name="Payroll", code="payroll")
    f.ContractFactory(organization=other_org, products=[payroll])
    public = _published(manager, "Printer jams 打印机卡纸")
    internal = _published(manager, "Printer runbook 打印机", audience=Audience.INTERNAL)
    theirs = _published(manager, "Printer payroll 打印机", products=[payroll])
    ours = _published(manager, "Printer billing 打印机", products=[product])
    draft = write(agent, title="Printer draft 打印机", audience=Audience.PUBLIC, language="en")
    for query in ("printer", "打印机", "打印"):
        found = list(selectors.article_search(customer, query))
        assert set(found) == {public, ours}, query
        assert set(selectors.article_search(agent, query)) == {
            public,
            internal,
            theirs,
            ours,
            draft,
        }
    assert list(selectors.article_search(agent, "printer", status="draft")) == [draft]
    assert list(selectors.article_search(customer, "printer", status="draft")) == []
    # published public, then taken down: gone at once; back to draft with another product
    services.article_transition(public, actor=manager, to_status="archived")
    services.article_transition(ours, actor=manager, to_status="draft")
    services.article_update(ours, actor=manager, changes={"products": [payroll]})
    publish(ours, manager)
    assert list(selectors.article_search(customer, "printer")) == []
    services.article_transition(public, actor=manager, to_status="draft")
    publish(public, manager)
    assert list(selectors.article_search(customer, "printer")) == [public]


@pytest.mark.django_db
def test_limit_and_one_query(customer, manager, django_assert_max_num_queries):
    for n in range(4):
        _published(manager, f"Export {n}", problem="导出报表")
    with django_assert_max_num_queries(1):
        assert len(list(selectors.article_search(customer, "导出", limit=3))) == 3
    assert len(list(selectors.article_search(customer, "export", limit=2))) == 2
    assert list(selectors.article_search(customer, "?!")) == []

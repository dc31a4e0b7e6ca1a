"""The tokenizer behind PostgreSQL search (pure), and the search through the database:
Chinese substrings of any length from two characters, word prefixes, similar titles."""

from __future__ import annotations

import pytest
from django.db import connection

from knowledge import search, selectors, services
from knowledge.choices import Audience

from .conftest import publish, write


def test_chinese_runs_become_character_pairs():
    assert search.tokens("月末导出发票，数据库超时! Export v2") == (
        "月末 末导 导出 出发 发票 数据 据库 库超 超时 export v2"
    )
    assert search.tokens("库") == "库"


def test_queries_need_every_pair_and_prefix():
    assert search.tsquery(["数据库"]) == "数据 & 据库"
    assert search.tsquery(["库", "export"]) == "库:* & export:*"
    assert search.tsquery(["发票exp"]) == "发票 & exp:*"
    assert search.tsquery(["?!", "…"]) is None


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

"""Articles for the knowledge tests: every one written and published through the services."""

from __future__ import annotations

import pytest

from knowledge import services
from knowledge.choices import ArticleStatus, Audience
from tests import factories as f


def publish(article, by):
    services.article_transition(article, actor=by, to_status=ArticleStatus.IN_REVIEW)
    return services.article_transition(article, actor=by, to_status=ArticleStatus.PUBLISHED)


def write(by, **values):
    values.setdefault("problem", "Something fails.")
    values.setdefault("solution", "Do this.")
    return services.article_create(actor=by, **values)


@pytest.fixture
def public_en(manager):
    return publish(
        write(
            manager,
            title="Invoice export fails at month end",
            problem="The export stops with a database timeout.",
            cause="A missing index on invoice lines.",
            solution="Install patch 3.3, then rerun the export.",
            tags="billing, export",
            language="en",
            audience=Audience.PUBLIC,
        ),
        manager,
    )


@pytest.fixture
def public_zh(manager, public_en):
    return publish(
        write(
            manager,
            title="月末发票导出失败",
            problem="导出发票时提示数据库连接超时。",
            cause="发票明细缺少索引。",
            solution="安装3.3补丁后重新导出。",
            tags="计费，导出",
            language="zh-hans",
            audience=Audience.PUBLIC,
            translation_of=public_en,
        ),
        manager,
    )


@pytest.fixture
def internal(manager):
    return publish(
        write(
            manager,
            title="Invoice database failover runbook",
            language="en",
            audience=Audience.INTERNAL,
        ),
        manager,
    )


@pytest.fixture
def draft(agent):
    return write(agent, title="Invoice printer draft", language="en", audience=Audience.PUBLIC)


@pytest.fixture
def payroll_only(manager, other_org):
    """Public and published, but about a product only the other organization has."""
    payroll = f.ProductFactory(name="Payroll", code="payroll")
    f.ContractFactory(organization=other_org, products=[payroll])
    return publish(
        write(
            manager,
            title="Invoice totals in payroll",
            language="en",
            audience=Audience.PUBLIC,
            products=[payroll],
        ),
        manager,
    )

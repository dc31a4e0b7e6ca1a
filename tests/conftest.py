from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from servicedesk.choices import Role
from sla.services import plan_cache_clear
from tests import factories as f


def pytest_configure(config):
    """A one-round password hash for the whole run (tests/hashers.py says why), and flushes
    that delete rows instead of truncating tables (tests/db_support.py)."""
    from django.test.utils import override_settings

    from tests.db_support import fast_flush_install

    override_settings(PASSWORD_HASHERS=["tests.hashers.FastPBKDF2PasswordHasher"]).enable()
    fast_flush_install()
    # xdist hands out the files in collection order, the most expensive first
    # (tests/durations.py); its own reordering by number of tests would undo that.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config, items):
    """Whole files, the most expensive first (after pytest-django's own sort, which stays
    within each file)."""
    from tests.durations import order_by_cost

    order_by_cost(items)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture(autouse=True)
def _no_api_limits(settings):
    """Tests make many requests from one address and user: API limits are off unless a test
    sets its own (tests/servicedesk/test_security.py)."""
    settings.API_THROTTLE_RATES = dict.fromkeys(settings.API_THROTTLE_RATES)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request handled in Chinese leaves its
    language active on the thread (LocaleMiddleware re-activates per request, tests don't)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _celery_joins_allowed():
    """Each test starts outside any task: Celery keeps "a result.get() here would block" in a
    process-wide flag that only its worker code sets; one test file order left it set for a
    later test in the same process (`inspections_due_notify_task.delay().get()` raised
    "Never call result.get() within a task!"), so no test inherits it."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _fresh_sla_cache():
    """Each test has its own database rows: never reuse another test's cached SLA target."""
    plan_cache_clear()
    yield
    plan_cache_clear()


@pytest.fixture
def org(db):
    return f.OrganizationFactory(name="Acme Power", code="acme")


@pytest.fixture
def other_org(db):
    return f.OrganizationFactory(name="Other Bank", code="other")


@pytest.fixture
def product(db):
    return f.ProductFactory(name="Billing", code="billing")


@pytest.fixture
def version(product):
    return f.ProductVersionFactory(product=product, version="3.2")


@pytest.fixture
def contract(org, product):
    return f.ContractFactory(organization=org, products=[product])


@pytest.fixture
def other_contract(other_org, product):
    return f.ContractFactory(organization=other_org, products=[product])


@pytest.fixture
def customer(org, contract):
    user = f.CustomerFactory(username="cust", organization=org, first_name="Li", last_name="Lei")
    f.ContactFactory(organization=org, user=user, name="Li Lei", email=user.email)
    return user


@pytest.fixture
def other_customer(other_org, other_contract):
    return f.CustomerFactory(username="othercust", organization=other_org)


@pytest.fixture
def agent(db):
    return f.UserFactory(username="agent", role=Role.AGENT)


@pytest.fixture
def engineer(db):
    return f.UserFactory(username="engineer", role=Role.ENGINEER)


@pytest.fixture
def tester(db):
    return f.UserFactory(username="tester", role=Role.TESTER)


@pytest.fixture
def manager(db):
    return f.UserFactory(username="manager", role=Role.MANAGER)


@pytest.fixture
def team(db):
    return f.TeamFactory(name="Remote support")


@pytest.fixture
def api():
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
